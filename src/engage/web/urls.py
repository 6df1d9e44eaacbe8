from django.urls import path

from engage.web import views

urlpatterns = [
    path("", views.home, name="home"),
]

from django.urls import path

from engage.flags import views

app_name = "flags"
urlpatterns = [
    path("handler/", views.handler, name="handler"),
]

from django.urls import path

from engage.service import views

app_name = "service"
urlpatterns = [
    path("", views.levels, name="levels"),
    path("volumes.csv", views.volumes_csv, name="volumes_csv"),
    path("callbacks/", views.callback_list, name="callbacks"),
    path("callbacks/<int:task_id>/start/", views.callback_start, name="callback_start"),
    path("callbacks/<int:task_id>/outcome/", views.callback_outcome, name="callback_outcome"),
]

from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "engage.service"
    label = "service"

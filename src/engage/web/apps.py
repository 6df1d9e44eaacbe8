from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "engage.web"
    label = "web"

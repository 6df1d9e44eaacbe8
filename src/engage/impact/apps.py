from django.apps import AppConfig


class ImpactConfig(AppConfig):
    name = "engage.impact"
    label = "impact"

from django.apps import AppConfig


class DetectionConfig(AppConfig):
    name = "engage.detection"
    label = "detection"

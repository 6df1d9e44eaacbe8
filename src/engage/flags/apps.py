from django.apps import AppConfig


class FlagsConfig(AppConfig):
    name = "engage.flags"
    label = "flags"

from django.apps import AppConfig


class SynthConfig(AppConfig):
    name = "engage.synth"
    label = "synth"

from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "engage.identity"
    label = "identity"

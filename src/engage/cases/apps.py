from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "engage.cases"
    label = "cases"

from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "engage.service"
    label = "service"

    def ready(self) -> None:
        # Connected after identity's and detection's receivers (app order), so the
        # callback risk sees the caller and episodes of the batch just imported.
        from engage.service import receivers  # noqa: F401

from django.apps import AppConfig


class DetectionConfig(AppConfig):
    name = "engage.detection"
    label = "detection"
    verbose_name = "Detection"

    def ready(self) -> None:
        # Identity is installed before detection, so its receiver (which sets
        # Contact.caller) is connected, and therefore called, before this one.
        from engage.contacts.signals import contacts_imported
        from engage.detection.incremental import on_contacts_imported

        contacts_imported.connect(on_contacts_imported, dispatch_uid="engage.detection.incremental")

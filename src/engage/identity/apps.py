from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "engage.identity"
    label = "identity"

    def ready(self) -> None:
        # Connected here, before detection's receiver (apps load identity first), so
        # detection sees each new contact with its caller already set.
        from engage.contacts.signals import contacts_imported
        from engage.identity.receivers import on_contacts_imported

        contacts_imported.connect(on_contacts_imported, dispatch_uid="engage.identity.attach")

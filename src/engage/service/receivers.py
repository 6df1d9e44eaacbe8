"""Keep the service aggregate and the callback worklist current as contacts arrive."""
from __future__ import annotations

from django.dispatch import receiver

from engage.contacts.signals import contacts_imported


@receiver(contacts_imported, dispatch_uid="service.on_contacts_imported")
def on_contacts_imported(sender, contact_ids=None, source=None, **kwargs) -> None:
    from engage.service.aggregate import mark_dirty
    from engage.service.callbacks import create_tasks

    ids = list(contact_ids or [])
    if not ids:
        return
    mark_dirty(ids)  # the aggregate is rebuilt for these days before the next report
    create_tasks(ids)

"""Attach freshly imported contacts to callers as each batch is committed."""
from __future__ import annotations

from engage.identity.resolve import attach_new


def on_contacts_imported(sender, contact_ids=(), **kwargs) -> None:
    """Receiver of engage.contacts.signals.contacts_imported: fast, deterministic only
    (number, or exact name + postcode); Splink linkage waits for `engage resolve`."""
    attach_new(list(contact_ids))

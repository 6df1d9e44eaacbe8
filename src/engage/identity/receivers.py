"""Attach freshly imported contacts to callers as each batch is committed."""
from __future__ import annotations


def on_contacts_imported(sender, contact_ids=(), **kwargs) -> None:
    """Receiver of engage.contacts.signals.contacts_imported: fast, deterministic only
    (number, or exact name + postcode); Splink linkage waits for `engage resolve`."""
    # Imported here, not at module level: resolve loads pandas and DuckDB (about 1 s),
    # and every process (each `engage` command, each web worker) loads this module.
    from engage.identity.resolve import attach_new

    attach_new(list(contact_ids))

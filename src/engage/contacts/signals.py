"""Sent after each committed batch of new contacts (file import or live feed).

Receivers downstream (identity attaches callers, detection updates windows) do their
incremental work; `contact_ids` are the ids of contacts created or changed.
"""
from django.dispatch import Signal

contacts_imported = Signal()  # kwargs: contact_ids: list[int], source: str

"""Callers: the people behind contacts, resolved from numbers, names and addresses."""
from django.conf import settings
from django.db import models


class Caller(models.Model):
    display_name = models.CharField(max_length=200, blank=True)
    primary_number = models.CharField(max_length=20, blank=True, db_index=True)
    postcode = models.CharField(max_length=12, blank=True)
    area_code = models.CharField(max_length=16, blank=True, db_index=True)
    # Normalised display name (engage.identity.normalise.name_key): the live receiver
    # attaches a no-number contact by exact name_key + postcode.
    name_key = models.CharField(max_length=200, blank=True, db_index=True)
    # Set when a coordinator merged this caller into another; its contacts moved there.
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.display_name or self.primary_number or f"Caller {self.pk}"


class SharedNumber(models.Model):
    """A number used by many people (care home, hospital, payphone): never a person on its own."""

    class Origin(models.TextChoices):
        CONFIG = "config"
        DETECTED = "detected"
        COORDINATOR = "coordinator"

    e164 = models.CharField(max_length=20, unique=True)
    label = models.CharField(max_length=200, blank=True)
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.CONFIG)
    distinct_names = models.PositiveIntegerField(default=0)


class LinkOverride(models.Model):
    """A coordinator's decision about two contacts; every later resolution honours it."""

    class Kind(models.TextChoices):
        SAME = "same", "Same person (merge)"
        NOT_SAME = "not_same", "Not the same person (split)"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    contact_a = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    contact_b = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    decided_at = models.DateTimeField(auto_now_add=True)

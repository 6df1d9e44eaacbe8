"""Contacts: one call or digital message from the public, joined across source systems."""
from django.db import models


class Channel(models.TextChoices):
    EMERGENCY = "999", "999"
    NON_EMERGENCY = "101", "101"
    WEBCHAT = "webchat", "Web chat"
    ONLINE_REPORT = "online_report", "Online report"
    SOCIAL_MEDIA = "social_media", "Social media"
    OTHER = "other", "Other"


class PhoneStatus(models.TextChoices):
    PRESENT = "present", "Present"
    WITHHELD = "withheld", "Withheld"
    UNAVAILABLE = "unavailable", "Unavailable"
    INVALID = "invalid", "Invalid"


class Source(models.TextChoices):
    CC = "cc", "Command and control"
    CALLS = "calls", "Call recording"
    ACD = "acd", "ACD"
    DIGITAL = "digital", "Digital contacts"
    API = "api", "Live feed"


class ImportRun(models.Model):
    """One run of `engage import` (or one live-feed batch): what came in and what didn't."""

    class Status(models.TextChoices):
        RUNNING = "running"
        COMPLETED = "completed"
        FAILED = "failed"

    source = models.CharField(max_length=16, choices=Source.choices)
    file_name = models.CharField(max_length=500)
    file_hash = models.CharField(max_length=64, db_index=True)
    column_map = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    rows_read = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    rows_quarantined = models.PositiveIntegerField(default=0)
    rows_duplicate = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)  # e.g. self-initiated police events
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]


class QuarantinedRow(models.Model):
    """A row that failed validation, kept with where it came from and why."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="quarantined")
    source = models.CharField(max_length=16, choices=Source.choices)
    file_name = models.CharField(max_length=500)
    line_number = models.PositiveIntegerField()
    field = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=500)
    raw = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run_id", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["source", "file_name", "line_number", "field"], name="quarantine_once")
        ]


class Contact(models.Model):
    """One contact from the public. Up to three source records (call, ACD, incident) join into one."""

    channel = models.CharField(max_length=16, choices=Channel.choices)
    arrived_at = models.DateTimeField(db_index=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    queue_seconds = models.FloatField(null=True, blank=True)
    talk_seconds = models.FloatField(null=True, blank=True)
    abandoned = models.BooleanField(default=False)

    phone_raw = models.CharField(max_length=64, blank=True)
    phone_e164 = models.CharField(max_length=20, blank=True)
    phone_status = models.CharField(max_length=12, choices=PhoneStatus.choices, default=PhoneStatus.UNAVAILABLE)
    name = models.CharField(max_length=200, blank=True)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=12, blank=True)
    email = models.CharField(max_length=200, blank=True)
    handle = models.CharField(max_length=200, blank=True)
    location = models.CharField(max_length=300, blank=True)  # where the incident is, not the caller
    place_key = models.CharField(max_length=300, blank=True)  # normalised location

    incident_number = models.CharField(max_length=64, blank=True)
    opening_code = models.CharField(max_length=64, blank=True)
    grade = models.CharField(max_length=16, blank=True)
    closing_code = models.CharField(max_length=64, blank=True)
    narrative = models.TextField(blank=True)
    subject = models.CharField(max_length=300, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    handler = models.CharField(max_length=64, blank=True)

    # Filled by identity resolution (engage.identity); null until resolved.
    caller = models.ForeignKey(
        "identity.Caller", null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts",
        db_index=False,  # (caller, arrived_at) below serves every look-up by caller
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Equality look-ups only (no LIKE), so Meta indexes rather than db_index: on
        # PostgreSQL db_index adds a second, varchar_pattern_ops index per text column.
        # A number's or a caller's contacts use the composite indexes' first column.
        indexes = [
            models.Index(fields=["caller", "arrived_at"]),
            models.Index(fields=["phone_e164", "arrived_at"]),
            models.Index(fields=["channel"], name="contact_channel"),
            models.Index(fields=["place_key"], name="contact_place_key"),
            models.Index(fields=["incident_number"], name="contact_incident_number"),
        ]


class SourceRecord(models.Model):
    """One source system's row behind a contact. (system, key) is unique: re-imports add nothing."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="sources")
    system = models.CharField(max_length=16, choices=Source.choices)
    source_key = models.CharField(max_length=128)
    file_name = models.CharField(max_length=500)
    line_number = models.PositiveIntegerField(null=True, blank=True)
    # No index: nothing looks source rows up by run (runs are never deleted); one index
    # fewer to keep per row written and to rebuild after a bulk load (migration 0005).
    run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL, db_index=False)
    # What the importer needs to (re)join rows whatever order they arrive in
    # (docs/formats.md, "Joining sources"): the row's own time and number, the key it
    # links by (call_id, digital reference) and its parsed fields as JSON, so a contact
    # can always be rebuilt from its source rows.
    at = models.DateTimeField(null=True, blank=True)
    phone_e164 = models.CharField(max_length=20, blank=True)
    link_key = models.CharField(max_length=128, blank=True)
    data = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["system", "source_key"], name="source_record_once")]
        indexes = [
            models.Index(fields=["system", "link_key"], name="source_record_link"),
            models.Index(fields=["phone_e164", "at"], name="source_record_phone_at"),
        ]

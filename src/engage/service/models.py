"""Service levels (an hourly aggregate of the ACD figures) and abandoned-999 callback tasks."""
from django.conf import settings
from django.db import models


class ServiceHour(models.Model):
    """Contacts in one local hour, one channel, one whole-second wait bucket.

    Maintained from contacts on import (engage.service.aggregate); every service-level
    figure is a sum over these rows, so a year's report reads a few hundred thousand
    small rows instead of millions of contacts. `wait_bucket` is ceil(wait seconds),
    capped at 3600; null when the contact has no ACD timing (digital channels).
    """

    day = models.DateField()  # calendar day in the force's timezone
    month = models.CharField(max_length=7)  # YYYY-MM, local
    dow = models.PositiveSmallIntegerField()  # 0 = Monday
    hour = models.PositiveSmallIntegerField()  # 0-23, local
    channel = models.CharField(max_length=16)
    wait_bucket = models.PositiveSmallIntegerField(null=True)
    answered = models.BooleanField()
    abandoned = models.BooleanField()
    contacts = models.PositiveIntegerField()
    wait_sum = models.FloatField(default=0)  # seconds, exact (for the mean)
    talk_sum = models.FloatField(default=0)
    handling_sum = models.FloatField(default=0)  # queue_seconds + talk_seconds as recorded (missing = 0)

    class Meta:
        indexes = [models.Index(fields=["day"]), models.Index(fields=["month", "channel"])]


class CallbackTask(models.Model):
    """An abandoned 999 call that must be called back (or traced) until the caller is known safe."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "Calling back"
        DONE = "done", "Done"
        ESCALATED = "escalated", "Escalated to trace"

    class Outcome(models.TextChoices):
        NONE = "", "No outcome yet"
        SAFE_MISDIAL = "safe_misdial", "Safe: misdial"
        SAFE_POCKET = "safe_pocket", "Safe: pocket dial"
        SAFE_OTHER = "safe_other", "Safe: other (e.g. already reported)"
        NEEDS_HELP = "needs_help", "Needs help: incident created"
        NO_ANSWER = "no_answer", "No answer: escalate to trace"

    contact = models.OneToOneField("contacts.Contact", on_delete=models.CASCADE, related_name="callback_task")
    arrived_at = models.DateTimeField(null=True, db_index=True)  # the call's, copied: monthly figures by index
    created_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField()  # the call's arrival + the callback target
    priority = models.PositiveSmallIntegerField(default=0, db_index=True)  # higher first
    reasons = models.JSONField(default=list, blank=True)  # why the priority: readable strings
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True, default="")
    incident_number = models.CharField(max_length=64, blank=True)  # for needs_help
    note = models.TextField(blank=True)
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)  # first callback attempt
    completed_at = models.DateTimeField(null=True, blank=True)
    handler_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-priority", "contact__arrived_at"]


class ServiceWatermark(models.Model):
    """The highest contact id the aggregate has seen: reports catch up on anything newer
    (e.g. contacts imported with --defer, whose batches send no signal)."""

    last_contact_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)


class ServiceMonth(models.Model):
    """ServiceHour rolled up to (month, channel, wait bucket, answered, abandoned): year-long
    trends and volumes read a few hundred rows. Rebuilt with the hours of its month."""

    month = models.CharField(max_length=7, db_index=True)
    channel = models.CharField(max_length=16)
    wait_bucket = models.PositiveSmallIntegerField(null=True)
    answered = models.BooleanField()
    abandoned = models.BooleanField()
    contacts = models.PositiveIntegerField()
    wait_sum = models.FloatField(default=0)
    talk_sum = models.FloatField(default=0)
    handling_sum = models.FloatField(default=0)


class ServiceDirtyDay(models.Model):
    """A local day whose contacts changed since the aggregate was built (marked on import,
    rebuilt before the next report): imports stay fast, reports stay correct."""

    day = models.DateField(unique=True)


class ServiceCallerDay(models.Model):
    """Contacts and handling seconds (queue + talk, missing = 0) per caller and local day.

    Built with ServiceHour from the same contacts (a rebuilt day replaces all its callers'
    rows); a caller whose contacts moved to or from another caller (merge, split, linkage)
    is rebuilt whole (ServiceDirtyCaller). Impact figures sum these rows instead of reading
    every contact of every repeat caller. Contacts without a caller have no row.
    """

    caller_id = models.BigIntegerField()  # no foreign key: rows are rebuilt, not cascaded
    day = models.DateField()
    contacts = models.PositiveIntegerField()
    handling_sum = models.FloatField(default=0)

    class Meta:
        # Covering: a caller's windows are summed from the index alone (no table lookups).
        indexes = [models.Index(fields=["caller_id", "day", "contacts", "handling_sum"], name="service_callerday_cover"),
                   models.Index(fields=["day"], name="service_callerday_day")]


class ServiceDirtyCaller(models.Model):
    """A caller whose contacts changed hands since ServiceCallerDay was built. Marked by a
    database trigger on contacts (any UPDATE of caller_id from one caller to another, any
    DELETE), so bulk updates that send no signal are seen too; rebuilt before a report."""

    caller_id = models.BigIntegerField(unique=True)

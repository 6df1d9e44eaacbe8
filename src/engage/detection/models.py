"""Episodes: a caller (or a place) crossing a detection rule, with the contacts as evidence."""
from django.db import models


class Episode(models.Model):
    class Subject(models.TextChoices):
        CALLER = "caller", "Caller"
        LOCATION = "location", "Location"

    class Status(models.TextChoices):
        NEW = "new", "New"
        REVIEWED = "reviewed", "Reviewed"
        DISMISSED = "dismissed", "Dismissed"

    subject = models.CharField(max_length=16, choices=Subject.choices, default=Subject.CALLER)
    caller = models.ForeignKey("identity.Caller", null=True, blank=True, on_delete=models.CASCADE, related_name="episodes")
    place_key = models.CharField(max_length=300, blank=True, db_index=True)
    rule = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    first_contact_at = models.DateTimeField()
    last_contact_at = models.DateTimeField()
    contact_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW, db_index=True)
    contacts = models.ManyToManyField("contacts.Contact", related_name="episodes", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["caller", "rule", "window_end"]),
            models.Index(fields=["place_key", "rule", "window_end"]),
        ]

    @property
    def subject_key(self) -> str:
        return str(self.caller_id) if self.subject == self.Subject.CALLER else self.place_key

    def __str__(self) -> str:
        who = f"caller {self.caller_id}" if self.subject == self.Subject.CALLER else self.place_key
        return f"{self.rule}: {who} ({self.contact_count} contacts)"


class EvaluatedContact(models.Model):
    """Which subjects a contact was counted under when detection last saw it.

    `engage detect` catches up contacts with no row here (imported with --defer, or
    before detection was installed) and contacts whose caller or place has changed
    since (identity merged or split callers), or whose channel, opening code or number
    changed (a source record joined later): their old subject is recomputed.
    """

    contact = models.OneToOneField("contacts.Contact", primary_key=True, on_delete=models.CASCADE,
                                   related_name="detection_state")
    caller_id = models.BigIntegerField(null=True)
    place_key = models.CharField(max_length=300, blank=True)
    # channel|OPENING_CODE|phone as counted: a later join that changes them re-evaluates.
    facts = models.CharField(max_length=200, blank=True)

"""A cache of impact figures, keyed by the state of the data they were computed from."""
from django.db import models


class ImpactSnapshot(models.Model):
    """Impact figures read every contact of every repeat caller: computed once per data
    version (contacts, callers, episodes, interventions) and reused until that changes."""

    key = models.CharField(max_length=100, unique=True)
    version = models.CharField(max_length=300)
    payload = models.JSONField()
    computed_at = models.DateTimeField(auto_now=True)
    seconds = models.FloatField(default=0)

"""A cache of impact figures, keyed by the state of the data they were computed from."""
from django.db import models


class ImpactSnapshot(models.Model):
    """Impact figures (and the what-if baseline and the monthly PDF), computed once per data
    version (contacts, aggregates, callers, episodes, interventions, cases) and reused
    until that changes."""

    key = models.CharField(max_length=100, unique=True)
    version = models.CharField(max_length=300)
    payload = models.JSONField()
    computed_at = models.DateTimeField(auto_now=True)
    seconds = models.FloatField(default=0)

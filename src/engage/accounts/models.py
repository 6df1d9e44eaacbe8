"""Roles, areas, API keys and the audit log (DPA 2018 Part 3: who consulted what, when, why)."""
import hashlib
import secrets

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    HANDLER = "handler", "Call handler"
    COORDINATOR = "coordinator", "Coordinator"
    INSPECTOR = "inspector", "Inspector"
    CSU = "csu", "CSU officer"
    ANALYST = "analyst", "Analyst"
    ADMIN = "admin", "Administrator"


class Profile(models.Model):
    """A user's role and, for CSU officers, the areas (codes from configuration) they work."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(max_length=16, choices=Role.choices)
    area_codes = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class ApiKey(models.Model):
    """A machine client (ICCS, C&C, telephony). Only the key's SHA-256 is stored."""

    name = models.CharField(max_length=100, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    can_read_flags = models.BooleanField(default=True)
    can_push_contacts = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, name: str, **permissions) -> tuple["ApiKey", str]:
        """Create a key; the plain key is returned once and never stored."""
        key = secrets.token_urlsafe(32)
        return cls.objects.create(name=name, key_hash=cls.hash(key), prefix=key[:8], **permissions), key

    def rotate(self, **permissions) -> str:
        """Replace the key (a leaked key, a demo re-run); the audit history stays with the client."""
        key = secrets.token_urlsafe(32)
        self.key_hash, self.prefix, self.active = self.hash(key), key[:8], True
        for field, value in permissions.items():
            setattr(self, field, value)
        self.save()
        return key


class AuditEvent(models.Model):
    """One consultation or change of personal data."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.PROTECT)
    action = models.CharField(max_length=32, db_index=True)  # view, change, export, lookup, erase, ...
    object_type = models.CharField(max_length=32)  # caller, case, contact_list, export, flag, ...
    object_id = models.CharField(max_length=64, blank=True)
    purpose = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=500, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]


class LoginFailure(models.Model):
    """A failed login, kept for throttling (engage.accounts.throttle): per user name and IP."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

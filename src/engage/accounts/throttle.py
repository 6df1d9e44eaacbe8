"""Login throttling: after N failures for a user name from one IP in a window, refuse.

Failures are rows in the database (not the cache) so every server worker process sees them.
"""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from engage import config
from engage.accounts.models import LoginFailure


def _limits() -> tuple[int, timedelta]:
    sec = config.section("security")
    return int(sec.get("login_max_failures", 5)), timedelta(minutes=int(sec.get("login_window_minutes", 15)))


def _recent(username: str, ip: str | None):
    _, window = _limits()
    return LoginFailure.objects.filter(username=username.lower(), ip=ip, at__gte=timezone.now() - window)


def is_locked(username: str, ip: str | None) -> bool:
    max_failures, _ = _limits()
    return _recent(username, ip).count() >= max_failures


def record_failure(username: str, ip: str | None) -> None:
    LoginFailure.objects.create(username=username.lower()[:150], ip=ip)


def clear(username: str, ip: str | None) -> None:
    LoginFailure.objects.filter(username=username.lower(), ip=ip).delete()

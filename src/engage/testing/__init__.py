"""Helpers for tests and benchmarks that run Engage in a subprocess."""
from __future__ import annotations

import os
import sys


def database_url() -> str:
    """The URL of the database this process is connected to (the test database in tests)."""
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for a child `engage` process that uses the same database."""
    env = dict(os.environ, DATABASE_URL=database_url(), DJANGO_SETTINGS_MODULE="engage.settings")
    env.update(extra)
    return env


def engage_command() -> list[str]:
    return [sys.executable, "-m", "engage.cli"]

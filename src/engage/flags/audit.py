"""Audit of flag lookups, cheap enough for the phone-is-ringing path.

Every lookup is written to the audit log (accounts.AuditEvent, DPA 2018 Part 3). In
"immediate" mode each lookup calls `engage.accounts.audit.record` in the request. In
"buffered" mode (the default for the API, `[flags] audit = "buffered"`) the request
only appends an unsaved AuditEvent to an in-process buffer; a writer thread inserts
the buffer in one bulk INSERT every `audit_flush_seconds` (and at process exit), so a
lookup never waits on the database's write lock while an import holds it.

Trade-off (docs/flags.md): `AuditEvent.at` is the insert time, at most about one flush
interval after the lookup; a process killed with SIGKILL loses at most the lookups of
the last interval.
"""
from __future__ import annotations

import atexit
import logging
import threading
from typing import Any

from django.db import close_old_connections, connections
from django.http import HttpRequest

from engage.accounts import audit
from engage.accounts.models import AuditEvent

log = logging.getLogger(__name__)


def _settings() -> dict[str, Any]:
    from engage.flags.lookup import settings

    return settings()


class AuditBuffer:
    """Unsaved AuditEvents, written in bulk by one daemon thread per process."""

    def __init__(self) -> None:
        self._items: list[AuditEvent] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    def add(self, event: AuditEvent) -> None:
        with self._lock:
            self._items.append(event)
        self._ensure_writer()

    def pending(self) -> int:
        with self._lock:
            return len(self._items)

    def flush(self) -> int:
        """Write everything buffered now (any thread). Returns the number written."""
        with self._lock:
            items, self._items = self._items, []
        if not items:
            return 0
        try:
            AuditEvent.objects.bulk_create(items, batch_size=500)
        except Exception:  # never lose the rows silently: put them back, log, retry later
            log.exception("audit flush failed; %d lookups kept for the next attempt", len(items))
            with self._lock:
                self._items[:0] = items
            return 0
        return len(items)

    def _ensure_writer(self) -> None:
        import os

        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
                return
            self._pid = os.getpid()  # a forked worker needs its own thread
            self._thread = threading.Thread(target=self._run, name="flag-audit-writer", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        interval = float(_settings().get("audit_flush_seconds", 0.25))
        while True:
            self._wake.wait(interval)
            self._wake.clear()
            close_old_connections()
            self.flush()
            connections["default"].close()  # this thread's connection only


BUFFER = AuditBuffer()
atexit.register(BUFFER.flush)


def mode() -> str:
    return str(_settings().get("audit", "buffered"))


def record_lookup(
    request: HttpRequest | None,
    object_id: str,
    purpose: str,
    *,
    api_key=None,
    buffered: bool | None = None,
) -> None:
    """Audit one flag lookup, buffered or immediate (see module docstring)."""
    if buffered is None:
        buffered = mode() == "buffered"
    if not buffered:
        audit.record(request, "lookup", "flag", object_id[:64], purpose, api_key=api_key)
        return
    user = getattr(request, "user", None) if request is not None else None
    BUFFER.add(
        AuditEvent(
            user=user if user is not None and user.is_authenticated else None,
            api_key=api_key,
            action="lookup",
            object_type="flag",
            object_id=object_id[:64],
            purpose=purpose[:300],
            path=request.get_full_path()[:500] if request is not None else "",
            ip=request.META.get("REMOTE_ADDR") if request is not None else None,
        )
    )

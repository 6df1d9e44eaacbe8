"""Audit of flag lookups, cheap enough for the phone-is-ringing path.

Every lookup is written to the audit log (accounts.AuditEvent, DPA 2018 Part 3). In
"immediate" mode each lookup calls `engage.accounts.audit.record` in the request. In
"buffered" mode (the default for the API, `[flags] audit = "buffered"`) the request
only appends the AuditEvent's values (with the lookup's own time) to an in-process
buffer; a writer thread inserts the buffer with one executemany INSERT in one
transaction every `audit_flush_seconds` (and at the exit of the process, whatever
server started it), so a lookup never waits
on the database's write lock while an import holds it, and the ORM's per-object cost
(several times the lookup itself at 500 lookups/s) is not paid.

Trade-off (docs/flags.md): a process killed with SIGKILL loses at most the lookups of
the last flush interval; a failed flush keeps its rows for the next attempt.
"""
from __future__ import annotations

import functools
import logging
import multiprocessing.util
import os
import threading
from typing import Any

from django.db import close_old_connections, connection, connections, transaction
from django.http import HttpRequest
from django.utils import timezone

from engage.accounts import audit
from engage.accounts.models import AuditEvent

log = logging.getLogger(__name__)


def _settings() -> dict[str, Any]:
    from engage.flags.lookup import settings

    return settings()


_FIELDS = ("at", "user", "api_key", "action", "object_type", "object_id", "purpose", "path", "ip")


@functools.cache
def _insert_sql() -> str:
    columns = [AuditEvent._meta.get_field(name).column for name in _FIELDS]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    return f"INSERT INTO {connection.ops.quote_name(AuditEvent._meta.db_table)} ({quoted}) " \
        f"VALUES ({', '.join(['%s'] * len(columns))})"


class AuditBuffer:
    """AuditEvent rows as tuples, written in bulk by one daemon thread per process."""

    def __init__(self) -> None:
        self._items: list[tuple] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    def add(self, row: tuple) -> None:
        with self._lock:
            self._items.append(row)
        if self._pid != os.getpid() or self._thread is None or not self._thread.is_alive():
            self._start_writer()

    def pending(self) -> int:
        with self._lock:
            return len(self._items)

    def flush(self) -> int:
        """Write everything buffered now (any thread). Returns the number written."""
        with self._lock:
            items, self._items = self._items, []
        if not items:
            return 0
        ops = connection.ops
        rows = [(ops.adapt_datetimefield_value(at), *rest[:-1], ops.adapt_ipaddressfield_value(rest[-1]))
                for at, *rest in items]
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(_insert_sql(), rows)
        except Exception:  # never lose the rows silently: put them back, log, retry later
            log.exception("audit flush failed; %d lookups kept for the next attempt", len(items))
            with self._lock:
                self._items[:0] = items
            return 0
        return len(items)

    def _start_writer(self) -> None:
        with self._lock:
            pid = os.getpid()
            if self._pid == pid and self._thread is not None and self._thread.is_alive():
                return
            if self._pid != pid:  # first use in this process (a forked worker needs its own thread)
                # Flush at this process's exit. A multiprocessing finalizer, not atexit: it runs
                # at a normal interpreter exit (gunicorn's workers, commands) and also in a
                # worker that multiprocessing started (granian's), which skips atexit.
                multiprocessing.util.Finalize(None, self.close, exitpriority=10)
            self._pid = pid
            self._thread = threading.Thread(target=self._run, name="flag-audit-writer", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """At exit: let the writer finish the batch it may hold, then write the rest.

        The writer is a daemon thread; killed mid-insert at interpreter exit, the batch it
        had taken off the buffer would be lost, so it is stopped and joined first."""
        self._stop.set()
        self._wake.set()
        if self._pid == os.getpid() and self._thread is not None:
            self._thread.join(timeout=30)
        self.flush()

    def _run(self) -> None:
        interval = float(_settings().get("audit_flush_seconds", 0.25))
        while not self._stop.is_set():
            self._wake.wait(interval)
            self._wake.clear()
            close_old_connections()  # CONN_MAX_AGE and health checks, as for a request
            if not self.flush():
                # Idle (or failed): let go of this thread's connection, so an idle server holds
                # no database session and a test database can be dropped. Under load it stays
                # open: reconnecting every interval cost about 1 ms of CPU, mostly holding the
                # GIL the request threads wait for (docs/flags.md).
                connections["default"].close()
        connections["default"].close()


BUFFER = AuditBuffer()


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
    # A machine client has no user: don't make the auth middleware look one up.
    user = getattr(request, "user", None) if request is not None and api_key is None else None
    BUFFER.add((
        timezone.now(),
        user.pk if user is not None and user.is_authenticated else None,
        api_key.pk if api_key is not None else None,
        "lookup",
        "flag",
        object_id[:64],
        purpose[:300],
        request.get_full_path()[:500] if request is not None else "",
        audit.client_ip(request) if request is not None else None,
    ))


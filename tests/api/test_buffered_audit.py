"""Buffered audit: a lookup doesn't wait for the database; the writer thread saves every one."""
import time

import pytest

from engage.accounts.models import AuditEvent
from engage.flags import audit
from tests.flags import factories as f


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_writer_thread_saves_every_buffered_lookup(client, monkeypatch):
    monkeypatch.setitem(audit._settings(), "audit", "buffered")
    key = f.api_key()
    for i in range(25):
        assert client.get(f"/api/flags/0770090{i:04d}", HTTP_X_API_KEY=key).status_code == 200
    deadline = time.monotonic() + 5
    while AuditEvent.objects.count() < 25 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert AuditEvent.objects.filter(action="lookup", api_key__name="iccs").count() == 25
    assert audit.BUFFER.pending() == 0
    assert set(AuditEvent.objects.values_list("object_id", flat=True)) == {f"+44770090{i:04d}" for i in range(25)}


@pytest.mark.django_db(transaction=True)
def test_exit_waits_for_the_batch_the_writer_holds(monkeypatch):
    """At exit the writer may have taken a batch off the buffer: close() must not lose it."""
    import threading

    from django.db import connection
    from django.utils import timezone

    ops_class = type(connection.ops)
    original = ops_class.adapt_ipaddressfield_value
    taken = threading.Event()

    def slow_adapt(self, value):  # the writer is mid-batch, its rows already off the buffer
        taken.set()
        time.sleep(0.3)
        return original(self, value)

    monkeypatch.setattr(ops_class, "adapt_ipaddressfield_value", slow_adapt)
    buffer = audit.AuditBuffer()
    for i in range(3):
        buffer.add((timezone.now(), None, None, "lookup", "flag", f"+4477009000{i:02d}", "test", "/api/flags/", "127.0.0.1"))
    assert taken.wait(5)
    assert buffer.pending() == 0
    buffer.close()
    assert AuditEvent.objects.filter(purpose="test").count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_worker_started_by_multiprocessing_flushes_at_exit(monkeypatch):
    """granian's workers are multiprocessing processes: they end with os._exit, skipping atexit.
    What the worker buffered must still be written when it stops."""
    import multiprocessing

    from django.db import connections
    from django.utils import timezone

    monkeypatch.setitem(audit._settings(), "audit_flush_seconds", 60)  # only the exit flush can write

    def worker() -> None:
        for i in range(3):
            audit.BUFFER.add((timezone.now(), None, None, "lookup", "flag", f"+4477009001{i:02d}", "worker exit",
                              "/api/flags/", "127.0.0.1"))

    connections.close_all()  # the child must not share the parent's database connection
    child = multiprocessing.get_context("fork").Process(target=worker)
    child.start()
    child.join(30)
    assert child.exitcode == 0
    assert AuditEvent.objects.filter(purpose="worker exit").count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_writer_keeps_its_connection_while_busy_and_lets_it_go_when_idle(monkeypatch):
    """Reconnecting every tick cost CPU under the GIL (docs/flags.md): one connection for a busy
    spell; an idle server holds none (a new busy spell opens a new one)."""
    import threading

    from django.db.backends.signals import connection_created
    from django.utils import timezone

    monkeypatch.setitem(audit._settings(), "audit_flush_seconds", 0.05)
    opened: list[str] = []

    def on_connect(sender, connection, **kwargs) -> None:
        opened.append(threading.current_thread().name)

    connection_created.connect(on_connect)
    buffer = audit.AuditBuffer()
    try:
        def busy_spell(tag: str) -> None:
            for i in range(12):  # rows arriving across about ten flush intervals
                buffer.add((timezone.now(), None, None, "lookup", "flag", f"+44770090{i:04d}", tag, "/api/flags/", None))
                time.sleep(0.04)
            deadline = time.monotonic() + 5
            while AuditEvent.objects.filter(purpose=tag).count() < 12 and time.monotonic() < deadline:
                time.sleep(0.05)

        busy_spell("busy 1")
        assert opened.count("flag-audit-writer") == 1
        time.sleep(0.3)  # idle ticks: the writer closes its connection
        busy_spell("busy 2")
        assert opened.count("flag-audit-writer") == 2
    finally:
        connection_created.disconnect(on_connect)
        buffer.close()
    assert AuditEvent.objects.filter(purpose__startswith="busy").count() == 24

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

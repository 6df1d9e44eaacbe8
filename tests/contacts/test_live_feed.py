"""The live feed API (`ingest_rows`): same validation and idempotency; a signal per committed batch."""
import pytest

from engage.contacts.ingest import ingest_rows
from engage.contacts.models import Contact, ImportRun, QuarantinedRow
from engage.contacts.signals import contacts_imported


@pytest.mark.postgres
@pytest.mark.django_db
def test_ingest_rows_validates_quarantines_and_signals():
    got = []

    def receiver(sender, contact_ids, source, **kwargs):
        got.append((sorted(contact_ids), source))

    contacts_imported.connect(receiver)
    try:
        rows = [
            {"contact_id": "W1", "channel": "webchat", "started_at": "2025-05-01T09:00:00Z", "name": "Ann"},
            {"contact_id": "W2", "channel": "webchat", "started_at": "not a time"},
        ]
        result = ingest_rows("digital", rows)
        again = ingest_rows("digital", rows[:1])
        deferred = ingest_rows("digital", [{"contact_id": "W3", "channel": "social", "started_at": "2025-05-01T09:05:00Z"}], defer=True)
    finally:
        contacts_imported.disconnect(receiver)
    w1 = Contact.objects.get(sources__source_key="W1")
    assert (result.read, result.imported, result.quarantined, result.contact_ids) == (2, 1, 1, [w1.pk])
    assert result.problems == [(2, "started_at", "unrecognised date/time 'not a time'")]
    assert (again.imported, again.duplicate, again.contact_ids) == (0, 1, [])
    assert deferred.imported == 1
    assert got == [([w1.pk], "digital")]  # none for the duplicate, none when deferred
    assert ImportRun.objects.get(pk=result.run_id).file_name == "api"
    assert QuarantinedRow.objects.get().line_number == 2


def test_unknown_source_is_refused():
    from engage.contacts.ingest import IngestError

    with pytest.raises(IngestError, match="unknown source 'fax'"):
        ingest_rows("fax", [])


@pytest.mark.django_db
def test_non_text_values_are_read_as_text():
    result = ingest_rows("acd", [{"call_id": 77, "line": 999, "arrived_at": "2025-05-01T09:00:00Z", "answered_at": None,
                                  "queue_seconds": 4.5, "talk_seconds": None}], defer=True)
    assert (result.imported, result.quarantined) == (1, 0)
    c = Contact.objects.get()
    assert (c.channel, c.queue_seconds, c.abandoned) == ("999", 4.5, True)

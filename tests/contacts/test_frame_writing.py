"""store.write_frame: a Polars frame's rows go in exactly (PostgreSQL: binary COPY; SQLite: executemany)."""
import datetime as dt

import polars as pl
import pytest

from engage.contacts import store
from engage.contacts.joining import CONTACT_FIELDS
from engage.contacts.models import Contact, ImportRun, SourceRecord

UTC = dt.timezone.utc


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_frame_goes_in_value_for_value_nulls_and_empty_strings_apart():
    from django.db import connection

    run = ImportRun.objects.create(source="calls", file_name="f.csv", file_hash="h", started_at=dt.datetime.now(UTC))
    given = {
        "id": [10, 11],
        "channel": ["999", "101"],
        "arrived_at": ["2025-10-26 01:45:00.250000", "2025-03-30 00:59:59"],  # our naive-UTC text
        "answered_at": [None, "2025-03-30 01:00:00+00:00"],  # as db_time writes it for PostgreSQL
        "queue_seconds": [1.5, None],
        "abandoned": [True, False],
        "name": ["Zoë O'Neil, \"Jr\"\\n", ""],
        "narrative": ["line one\nline two\t\\N", "\\N"],
        "imported_at": ["2025-04-01 00:00:00", "2025-04-01 00:00:00"],
    }
    text = {field: ["", ""] for field in CONTACT_FIELDS if field not in given and field not in ("ended_at", "talk_seconds")}
    contacts = pl.DataFrame({**given, **text, "ended_at": [None, None], "talk_seconds": [None, None]})  # Null dtype
    sources = pl.DataFrame({"contact_id": [10, 11], "system": ["calls", "calls"], "source_key": ["K1", "K2"],
                            "file_name": ["f.csv", "f.csv"], "line_number": [2, None], "run_id": [run.pk, run.pk],
                            "at": ["2025-10-26 01:45:00.250000", None], "phone_e164": ["+447700900123", ""],
                            "link_key": ["K1", ""], "data": ["{}", ""]})
    store.write_frame(connection.cursor(), store.CONTACT, contacts)
    store.write_frame(connection.cursor(), store.SOURCE, sources)
    store.write_frame(connection.cursor(), store.SOURCE, sources.head(0))  # nothing to write: nothing done

    first, second = Contact.objects.order_by("id")
    assert first.arrived_at == dt.datetime(2025, 10, 26, 1, 45, 0, 250000, tzinfo=UTC)
    assert (first.answered_at, second.answered_at) == (None, dt.datetime(2025, 3, 30, 1, 0, tzinfo=UTC))
    assert (first.queue_seconds, second.queue_seconds, first.abandoned, second.abandoned) == (1.5, None, True, False)
    assert (first.name, second.name) == ("Zoë O'Neil, \"Jr\"\\n", "")  # "" stays "", not NULL
    assert (first.narrative, second.narrative) == ("line one\nline two\t\\N", "\\N")  # text, never a NULL marker
    rows = list(SourceRecord.objects.order_by("source_key").values_list("line_number", "at", "phone_e164", "data", "run_id"))
    assert rows == [(2, dt.datetime(2025, 10, 26, 1, 45, 0, 250000, tzinfo=UTC), "+447700900123", "{}", run.pk),
                    (None, None, "", "", run.pk)]


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_column_binary_copy_cannot_send_is_named():
    if not store.is_postgres():
        pytest.skip("binary COPY is PostgreSQL's")
    with pytest.raises(ValueError, match="no binary COPY for a"):
        store._as_column_types(pl.DataFrame({"x": [1]}), {"x": "uuid"})

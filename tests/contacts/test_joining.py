"""Joining calls, ACD and C&C rows into one contact; the result does not depend on import order."""
import datetime as dt
import itertools

import pytest

from engage.contacts.ingest import ingest_file
from engage.contacts.joining import match_incidents
from engage.contacts.models import Contact, SourceRecord
from engage.contacts.sample import write_files

from .conftest import EXAMPLES, clear, snapshot

T0 = dt.datetime(2025, 1, 1, 10, 0, 0)


def at(seconds):
    return T0 + dt.timedelta(seconds=seconds)


def test_closest_preceding_call_wins_and_one_call_joins_one_incident():
    calls = [(at(0), "A"), (at(100), "B")]
    # Two calls close together, two incidents: each takes its closest preceding call.
    assert match_incidents(calls, [(at(120), "I1"), (at(130), "I2")], 900) == {"I1": "B", "I2": "A"}
    # An incident before any call, or beyond the tolerance, has no call.
    assert match_incidents(calls, [(at(-5), "I0")], 900) == {}
    assert match_incidents([(at(0), "A")], [(at(901), "I")], 900) == {}
    assert match_incidents([(at(0), "A")], [(at(900), "I")], 900) == {"I": "A"}
    # A call with no incident stays unmatched; the result depends only on the sets.
    assert match_incidents(list(reversed(calls)), [(at(130), "I2"), (at(120), "I1")], 900) == {"I1": "B", "I2": "A"}


@pytest.mark.postgres
@pytest.mark.django_db
def test_examples_join_into_expected_contacts():
    for source in ("cc", "calls", "acd", "digital"):
        ingest_file(EXAMPLES / f"{source}.csv", source, defer=True)
    groups = {}
    for cid, system, key in SourceRecord.objects.values_list("contact_id", "system", "source_key"):
        groups.setdefault(cid, set()).add(f"{system}:{key}")
    got = sorted(sorted(g) for g in groups.values())
    assert got == sorted([
        ["acd:T1001", "calls:T1001", "cc:CC-20250303-0041"],
        ["acd:T1002", "calls:T1002", "cc:CC-20250303-0052"],
        ["acd:T1003", "calls:T1003"],  # withheld CLI: nothing to join an incident by
        ["acd:T1005", "calls:T1005", "cc:CC-20250303-0077"],  # same number, later call: the later incident
        ["cc:CC-20250303-0090", "digital:W-88121"],  # web chat joined by reference
        ["digital:W-88122"], ["digital:S-30301"],
    ])
    c = Contact.objects.get(incident_number="CC-20250303-0041")
    assert (c.channel, c.phone_e164, c.name, c.queue_seconds, c.abandoned) == ("999", "+447700900123", "Margaret Ellis", 2.0, False)
    # 08:14:01 in London in March is 08:14:01 UTC; ACD's arrival wins over the call log's start.
    assert c.arrived_at == dt.datetime(2025, 3, 3, 8, 14, 1, tzinfo=dt.timezone.utc)
    assert Contact.objects.get(sources__system="calls", sources__source_key="T1003").abandoned is True
    assert Contact.objects.get(sources__system="calls", sources__source_key="T1003").phone_status == "withheld"
    assert not SourceRecord.objects.filter(source_key="T1004").exists()  # outbound: not a contact
    assert Contact.objects.get(reference="CC-20250303-0090").channel == "webchat"


ORDERS = [("calls", "acd", "cc", "digital"), ("cc", "digital", "acd", "calls"), ("digital", "cc", "calls", "acd"),
          ("acd", "cc", "calls", "digital")]


@pytest.mark.postgres
@pytest.mark.django_db
def test_import_order_does_not_matter(tmp_path, small_batches):
    paths = write_files(tmp_path, phone_contacts=400, digital_contacts=120, seed=3)
    results = []
    for order in ORDERS:
        clear()
        for source in order:
            ingest_file(paths[source], source, defer=True)
        results.append(snapshot())
        assert not Contact.objects.filter(sources=None).exists()  # no contact without a source row
    assert all(r == results[0] for r in results[1:])
    # The joins did happen: most incidents sit with a call, calls with their ACD row.
    joined = SourceRecord.objects.filter(system="cc").exclude(contact__sources__system="calls").count()
    assert joined < SourceRecord.objects.filter(system="cc").count() / 2
    assert len(results[0]) < sum(1 for _ in itertools.chain(*(open(p) for p in paths.values())))
    # The no-CLI join took part in every order too: some no-number incidents sit with a call.
    assert SourceRecord.objects.filter(system="cc", phone_e164="", link_key="", contact__sources__system="calls").exists()


@pytest.mark.django_db
def test_later_closer_call_takes_the_incident_from_an_earlier_one(tmp_path, small_batches):
    from .conftest import write_csv
    from engage.contacts.formats import COLUMNS

    inc = {"incident_number": "I1", "created_at": "2025-01-01 10:10:00", "source": "999", "caller_phone": "07700900001"}
    write_csv(tmp_path / "cc.csv", COLUMNS["cc"], [inc])
    call = lambda cid, t: {"call_id": cid, "started_at": t, "direction": "in", "line": "999", "cli": "07700 900001"}  # noqa: E731
    write_csv(tmp_path / "a.csv", COLUMNS["calls"], [call("A", "2025-01-01 10:00:00")])
    write_csv(tmp_path / "b.csv", COLUMNS["calls"], [call("B", "2025-01-01 10:08:00")])
    for name, source in (("cc", "cc"), ("a", "calls"), ("b", "calls")):
        ingest_file(tmp_path / f"{name}.csv", source, defer=True)
    assert set(Contact.objects.get(sources__source_key="I1").sources.values_list("source_key", flat=True)) == {"I1", "B"}
    assert list(Contact.objects.get(sources__system="calls", sources__source_key="A").sources.values_list("source_key", flat=True)) == ["A"]
    assert Contact.objects.count() == 2

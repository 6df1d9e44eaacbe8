"""10,000 generated rows, good and bad mixed: no traceback, and every row accounted for exactly."""
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engage.contacts.formats import COLUMNS
from engage.contacts.ingest import ingest_file
from engage.contacts.models import Contact, QuarantinedRow, SourceRecord

from .conftest import clear, write_csv

EXAMPLES, ROWS = 10, 1000  # 10 files of 1,000 rows: 10,000 rows

EPOCH = dt.datetime(2000, 1, 1)
FORMATS = ["%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M"]
BAD_TIMES = ["yesterday", "31/02/2025 10:00", "2025-13-01 00:00", "0000-00-00", "12:00", "x1", "2025-01-01T25:00:00Z"]
# Strings a CSV writer must quote, odd numbers, unicode: none of them is a reason to lose a row.
ODD = ["", "withheld", "07700 900123", "+44 1632 960001", "999", "abc", "12,5", 'say "hi"', "line\nbreak", "Zoë", "\x00"]

good_time = st.tuples(st.integers(0, 3_000_000_000), st.integers(0, len(FORMATS) - 1)).map(
    lambda p: (EPOCH + dt.timedelta(seconds=p[0])).strftime(FORMATS[p[1]]))
any_end = st.one_of(good_time, st.sampled_from(BAD_TIMES + [""]))  # a bad end time is not fatal
free_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)


@st.composite
def row(draw):
    """(kind, row): kind tells what the importer must do with it."""
    kind = draw(st.sampled_from(["good"] * 6 + ["no_key", "bad_time", "no_time", "outbound", "bad_direction"]))
    r = {
        "call_id": f"K{draw(st.integers(0, 600))}",  # a small pool: duplicates happen
        "started_at": draw(good_time),
        "ended_at": draw(any_end),
        "direction": draw(st.sampled_from(["in", "IN", "inbound", ""])),
        "line": draw(st.sampled_from(["999", "101", "other", *ODD])),
        "cli": draw(st.sampled_from(ODD)),
        "handler_id": draw(free_text),
    }
    if kind == "no_key":
        r["call_id"] = draw(st.sampled_from(["", "   "]))
    elif kind == "bad_time":
        r["started_at"] = draw(st.sampled_from(BAD_TIMES))
    elif kind == "no_time":
        r["started_at"] = ""
    elif kind == "outbound":
        r["direction"] = "out"
    elif kind == "bad_direction":
        r["direction"] = "sideways"
    return kind, r


def expected(rows) -> dict:
    seen, counts = set(), {"read": 0, "imported": 0, "duplicate": 0, "quarantined": 0, "skipped": 0}
    for kind, r in rows:
        counts["read"] += 1
        if kind == "outbound":
            counts["skipped"] += 1
        elif kind != "good":
            counts["quarantined"] += 1
        elif r["call_id"] in seen:
            counts["duplicate"] += 1
        else:
            seen.add(r["call_id"])
            counts["imported"] += 1
    return counts


@pytest.mark.django_db
@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture, HealthCheck.large_base_example])
@given(rows=st.lists(row(), min_size=ROWS, max_size=ROWS))
def test_generated_rows_are_all_accounted_for(tmp_path_factory, rows):
    clear()
    path = write_csv(tmp_path_factory.mktemp("gen") / "calls.csv", COLUMNS["calls"], [r for _, r in rows])
    result = ingest_file(path, "calls", defer=True)
    want = expected(rows)
    assert {k: getattr(result, k) for k in want} == want
    assert result.read == result.imported + result.duplicate + result.quarantined + result.skipped
    assert SourceRecord.objects.count() == Contact.objects.count() == want["imported"]
    assert QuarantinedRow.objects.count() == len(result.problems) == want["quarantined"]

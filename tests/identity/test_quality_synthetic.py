"""End to end on a small realistic force (engage.identity.testdata): F1 against truth."""
import csv

import pytest

from engage.identity import testdata
from engage.identity.evaluation import linkage_quality
from engage.identity.resolve import resolve_full

from .conftest import add_rows

pytestmark = [pytest.mark.django_db]


def test_linkage_quality_on_a_small_synthetic_force(tmp_path):
    people = testdata.people(800, seed=11)
    rows = testdata.contacts(people, seed=11)
    add_rows(rows)
    truth = tmp_path / "truth.csv"
    with truth.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["source", "source_key", "person_id", "person_kind"])
        writer.writeheader()
        writer.writerows(testdata.truth_rows(rows))
    resolve_full()
    q = linkage_quality(truth)
    print(q)
    assert q["rows_matched"] == len(rows)
    assert q["precision"] >= 0.95 and q["recall"] >= 0.95 and q["f1"] >= 0.95
    # Repeat callers are the people that matter: at most a few may be split.
    assert q["split_repeat_callers"] <= max(1, q["repeat_callers"] // 10)

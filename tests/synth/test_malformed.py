"""Malformed rows: a small share, as many as reported, each really malformed, all in truth.csv."""
import datetime as dt
from collections import Counter

from engage.synth.malformed import SPEC

FILES = ("cc", "calls", "acd", "digital")
KEY = {"cc": "incident_number", "calls": "call_id", "acd": "call_id", "digital": "contact_id"}
TIME = {"cc": "created_at", "calls": "started_at", "acd": "arrived_at", "digital": "started_at"}


def test_reported_counts_match_truth(force):
    for name in FILES:
        marked = Counter(t["malformed"] for t in force.truth(name) if t["malformed"])
        reported = {k: v for k, v in force.summary["malformed"][name].items() if v}
        assert dict(marked) == reported, name
    total = sum(force.summary["rows"][name] for name in FILES)
    assert 0.002 <= force.summary["malformed_total"] / total <= 0.005


def test_truth_covers_every_source_row(force):
    for name in FILES:
        rows, truth = force.rows(name), force.truth(name)
        assert len(rows) == len(truth) == force.summary["rows"][name]
        assert [int(t["line"]) for t in truth] == list(range(2, len(rows) + 2))
        for row, t in zip(rows, truth):
            if t["malformed"] != "missing_required":
                assert row[KEY[name]] == t["source_key"]


def test_each_malformed_row_is_really_malformed(force):
    for name in FILES:
        header = list(force.rows(name)[0])
        seen = {}
        for row, t in zip(force.rows(name), force.truth(name)):
            kind = t["malformed"]
            if kind == "bad_date":
                try:
                    dt.datetime.fromisoformat(row[TIME[name]])
                    raise AssertionError(f"{name} line {t['line']}: date parses")
                except ValueError:
                    pass
            elif kind == "missing_required":
                assert any(row[header[c]] == "" for c in SPEC[name]["required"])
            elif kind == "duplicate_key":
                earlier = seen[row[KEY[name]]]
                assert earlier != row, "same key, different content"
            if kind != "duplicate_key":
                seen.setdefault(row[KEY[name]], row)

"""The same call in the call recording and the ACD; incidents a little after their call."""
import datetime as dt
from collections import defaultdict

from engage.identity.phones import normalise

TOLERANCE = 15 * 60  # [ingest] cc_call_tolerance_seconds


def _ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_every_inbound_call_pairs_with_its_acd_row(force):
    calls = {r["call_id"]: r for r, _ in force.clean("calls") if r["direction"] == "in"}
    acd = {r["call_id"]: r for r, _ in force.clean("acd")}
    # Malformed rows (bad keys, bad dates, duplicates) lose their partner; nothing else may.
    bad_keys = {t["source_key"] for s in ("calls", "acd") for t in force.truth(s) if t["malformed"]}
    assert set(calls) - bad_keys == set(acd) - bad_keys
    assert len(set(calls) & set(acd)) > 0.99 * len(acd)
    for call_id in set(calls) & set(acd):
        c, a = calls[call_id], acd[call_id]
        assert c["line"] == a["line"] and c["started_at"] == a["arrived_at"] and c["ended_at"] == a["ended_at"]


def test_same_person_behind_both_rows_of_a_call(force):
    calls = {r["call_id"]: t["person_id"] for r, t in force.clean("calls")}
    for r, t in force.clean("acd"):
        if r["call_id"] in calls:
            assert calls[r["call_id"]] == t["person_id"]


def test_outbound_calls_are_callbacks_only_in_the_call_log(force):
    out = [r for r, _ in force.clean("calls") if r["direction"] == "out"]
    acd = {r["call_id"] for r, _ in force.clean("acd")}
    assert out, "callbacks to abandoned 999 calls exist"
    assert not any(r["call_id"] in acd for r in out)
    assert all(normalise(r["cli"]).status == "present" for r in out)


def test_phone_incidents_join_a_call_within_the_tolerance(force):
    calls_by_number = defaultdict(list)
    for r, _ in force.clean("calls"):
        phone = normalise(r["cli"])
        if r["direction"] == "in" and phone.e164:
            calls_by_number[phone.e164].append(_ts(r["started_at"]))
    checked = joined = 0
    for r, t in force.clean("cc"):
        phone = normalise(r["caller_phone"])
        if r["source"] not in ("999", "101") or not phone.e164:
            continue
        checked += 1
        created = _ts(r["created_at"])
        if any(0 <= (created - s).total_seconds() <= TOLERANCE for s in calls_by_number[phone.e164]):
            joined += 1
    assert checked > 1000
    # Unjoined: the call's row was malformed, or the CLI was withheld but the caller
    # gave a number to the handler.
    assert joined / checked > 0.97


def test_most_999_and_some_101_calls_become_incidents(force):
    answered = defaultdict(int)
    for r, _ in force.clean("acd"):
        if r["abandoned"] == "N":
            answered[r["line"]] += 1
    incidents = defaultdict(int)
    for r, _ in force.clean("cc"):
        incidents[r["source"]] += 1
    assert 0.6 < incidents["999"] / answered["999"] < 0.95
    assert 0.25 < incidents["101"] / answered["101"] < 0.6
    assert incidents["online"] and incidents["webchat"] and incidents["social"] and incidents["other"]


def test_digital_incidents_reference_their_incident(force):
    numbers = {r["incident_number"]: r for r, _ in force.clean("cc")}
    refs = [r for r, _ in force.clean("digital") if r["reference"]]
    assert refs
    found = [numbers[r["reference"]] for r in refs if r["reference"] in numbers]
    assert len(found) > 0.95 * len(refs)
    channel = {"webchat": "webchat", "online": "online", "social": "social"}
    by_ref = {r["reference"]: r for r in refs}
    assert all(cc["source"] == channel[by_ref[cc["incident_number"]]["channel"]] for cc in found)

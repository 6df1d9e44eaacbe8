"""Profiles, recent counts and the triage suggestion."""

import pytest

from engage.detection.counts import recent_contacts
from engage.detection.profile import caller_profile
from engage.detection.triage import score, suggest

from .factories import at, caller, contact


@pytest.mark.django_db
@pytest.mark.postgres
def test_profile_counts_everything_a_coordinator_reads():
    who = caller("Dee Smith", "+447700900010")
    # Monday 23 March 2026 (GMT) 09:30 and Tuesday 31 March (BST) 08:30 UTC = 09:30 local.
    contact(at(3, 9, 30), who, "999", opening_code="MENTAL_HEALTH", grade="IMMEDIATE", queue_seconds=2,
            talk_seconds=300, name="Dee Smith", address="1 High St", postcode="CB1 2AB")
    contact(at(11, 8, 30), who, "101", opening_code="MENTAL_HEALTH", grade="PRIORITY", queue_seconds=5,
            talk_seconds=100, name="D Smith", address="1 High Street", postcode="CB1 2AB")
    contact(at(11, 9), who, "999", abandoned=True, phone_e164="+441632960010", opening_code="SILENT_CALL")
    p = caller_profile(who.pk)
    assert p["contacts"] == 3 and p["by_channel"] == {"101": 1, "999": 2}
    assert p["heatmap"]["counts"][0][9] == 1  # Monday 09:xx local
    assert p["heatmap"]["counts"][1][9] == 1  # Tuesday 09:30 BST is 08:30 UTC
    assert p["heatmap"]["counts"][1][10] == 1
    assert sum(map(sum, p["heatmap"]["counts"])) == 3
    assert p["subjects"][0] == {"subject": "MENTAL_HEALTH", "contacts": 2}
    assert {g["grade"] for g in p["grades"]} == {"IMMEDIATE", "PRIORITY"}
    assert p["abandoned"] == 1
    assert p["handling_seconds"] == {"queue": 7.0, "talk": 400.0, "total": 407.0}
    assert {n["number"] for n in p["numbers"]} == {"+447700900010", "+441632960010"}
    assert {n["name"] for n in p["names"]} == {"Dee Smith", "D Smith"}
    assert [w["contacts"] for w in p["weekly"]] == [1, 2]
    assert p["first_contact"] < p["last_contact"]
    import json

    json.dumps(p)  # JSON-ready


@pytest.mark.django_db
@pytest.mark.postgres
def test_recent_contacts_counts_24_hours_and_7_days():
    who, other = caller("E"), caller("F")
    now = at(10, 12)
    for moment in (at(10, 12), at(9, 13), at(9, 12), at(4, 12, 1), at(3, 12), at(10, 13)):
        contact(moment, who)
    contact(at(10, 11), other)
    # (now - 24h, now]: 10d12h, 9d13h; (now - 7d, now]: also 9d12h? no (exactly 24h ago), 4d12h01
    assert recent_contacts(who.pk, now) == {"24h": 2, "7d": 4}


def test_triage_scores_are_transparent():
    vulnerable = [{"opening_code": "MENTAL_HEALTH", "narrative": "caller feels low and alone"}] * 4
    s = score(vulnerable + [{"opening_code": "ADMIN"}])
    assert s.kind == "vulnerable"
    assert s.scores["vulnerable"] > s.scores["nuisance"] >= 0
    assert any("4 of 5 contacts with opening code MENTAL_HEALTH" in line for line in s.evidence)
    assert any("'alone'" in line for line in s.evidence)
    victim = score([{"opening_code": "HARASSMENT", "narrative": "neighbour shouting abuse at caller again"}] * 3)
    assert victim.kind == "targeted_victim"
    nuisance = score([{"opening_code": "SILENT_CALL", "abandoned": True}, {"opening_code": "HOAX"}] * 3)
    assert nuisance.kind == "nuisance"
    assert score([{"opening_code": "LOST_PROPERTY"}] * 5).kind == ""
    assert score([]).kind == ""


def test_triage_weights_come_from_configuration():
    conf = {"min_score": 0.1, "vulnerable": {"opening_codes": {"THEFT": 1}}, "targeted_victim": {}, "nuisance": {}}
    assert score([{"opening_code": "theft"}], conf).kind == "vulnerable"


@pytest.mark.django_db
def test_suggest_reads_the_callers_contacts():
    who = caller("G")
    for day in range(4):
        contact(at(day), who, opening_code="HOAX", closing_code="HOAX_CONFIRMED")
    contact(at(-400), who, opening_code="SELF_HARM")  # outside the look-back from the last contact
    s = suggest(who.pk)
    assert s.kind == "nuisance" and s.contacts == 4
    assert suggest(caller("nobody").pk).kind == ""
    assert suggest(who.pk, now=at(-399)).kind == "vulnerable"

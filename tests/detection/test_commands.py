"""The detection commands: readable tables, JSON/CSV, and one-line errors for bad input."""
import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from engage.contacts.models import SourceRecord
from engage.detection import incremental
from engage.detection.models import Episode
from engage.detection.store import Context

from .factories import at, caller, contact


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def repeaters(db):
    vulnerable, nuisance, ordinary = caller("Vic", "+447700900020"), caller("Nia", "+447700900021"), caller("Ord")
    ids, truth = [], []
    for h in range(6):
        c = contact(at(20, h), vulnerable, opening_code="SELF_HARM", narrative="wants to end it")
        ids.append(c.pk)
        truth.append(("cc", f"V{h}", "p-vic", "vulnerable", c))
    for h in range(7):
        c = contact(at(21, h), nuisance, opening_code="HOAX")
        ids.append(c.pk)
        truth.append(("cc", f"N{h}", "p-nia", "nuisance", c))
    c = contact(at(21, 3), ordinary, opening_code="THEFT")
    ids.append(c.pk)
    truth.append(("cc", "O1", "p-ord", "ordinary", c))
    for source, key, *_rest, c in truth:
        SourceRecord.objects.create(contact=c, system=source, source_key=key, file_name="t.csv")
    incremental.process(ids, Context.load())
    return vulnerable, nuisance, ordinary, truth


@pytest.mark.postgres
def test_callers_repeat_lists_the_repeat_callers(repeaters):
    vulnerable, nuisance, ordinary, _ = repeaters
    table = run("callers", "--repeat")
    assert "Vic" in table and "Nia" in table and "Ord" not in table
    data = json.loads(run("callers", "--repeat", "--json"))
    rows = {r["caller_id"]: r for r in data["callers"]}
    assert set(rows) == {vulnerable.pk, nuisance.pk}
    assert rows[nuisance.pk]["contacts_since"] == 7 and rows[nuisance.pk]["rule_hits"] == {"engage": 1}
    assert rows[vulnerable.pk]["suggested"] == "vulnerable" and rows[nuisance.pk]["suggested"] == "nuisance"
    assert json.loads(run("callers", "--repeat", "--json", "--since", "2026-04-11"))["callers"][0]["caller_id"] == nuisance.pk
    parsed = list(csv.DictReader(io.StringIO(run("callers", "--repeat", "--csv"))))
    assert {int(r["caller_id"]) for r in parsed} == {vulnerable.pk, nuisance.pk}
    assert json.loads(run("callers", "--repeat", "--json", "--since", "2027-01-01"))["callers"] == []


@pytest.mark.postgres
def test_profile_by_id_or_number(repeaters):
    vulnerable, *_ = repeaters
    text = run("profile", str(vulnerable.pk))
    assert "Vic" in text and "SELF_HARM" in text and "Vulnerable repeat caller" in text
    data = json.loads(run("profile", "07700 900020", "--json"))
    assert data["caller"]["id"] == vulnerable.pk and data["suggestion"]["kind"] == "vulnerable"
    with pytest.raises(CommandError, match="no caller with id or number '999999'"):
        run("profile", "999999")


def test_evaluate_prints_triage_confusion(repeaters, tmp_path):
    *_, truth = repeaters
    path = tmp_path / "truth.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["source", "source_key", "person_id", "person_kind"])
        w.writerows(row[:4] for row in truth)
    data = json.loads(run("evaluate", "--truth", str(path), "--json"))
    triage = data["triage"]
    assert triage["assessed"] == 2 and triage["accuracy"] == 1.0
    assert triage["confusion"]["vulnerable"]["vulnerable"] == 1 and triage["confusion"]["nuisance"]["nuisance"] == 1
    assert triage["true_repeat_people"] == 2 and triage["true_repeat_people_detected"] == 2
    assert "precision" in data["linkage"]
    assert "confusion matrix" in run("evaluate", "--truth", str(path))
    with pytest.raises(CommandError, match="no such file"):
        run("evaluate", "--truth", str(tmp_path / "missing.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="missing column"):
        run("evaluate", "--truth", str(bad))


@pytest.mark.postgres
def test_detect_catch_up_and_full(repeaters):
    assert json.loads(run("detect", "--json"))["contacts"] == 0  # the fixture evaluated everything
    data = json.loads(run("detect", "--full", "--json"))
    assert data["episodes"]["engage"]["episodes"] == 2 == Episode.objects.filter(rule="engage").count()
    assert "Episodes by rule" in run("detect")


@pytest.mark.django_db
@pytest.mark.parametrize("args, message", [
    (("callers", "--repeat", "--since", "last tuesday"), "--since: 'last tuesday' is not a date"),
    (("locations", "--top", "0"), "--top: must be at least 1"),
    (("locations", "--since", "2026-02-01", "--until", "2026-01-01"), "--until: must be after --since"),
])
def test_bad_input_is_one_clear_line(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_commands_run_as_the_engage_cli_without_traceback(db):
    import subprocess

    from engage.testing import engage_command, subprocess_env

    done = subprocess.run(engage_command() + ["callers", "--repeat", "--since", "nope"], capture_output=True,
                          text=True, env=subprocess_env(), timeout=60)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "--since: 'nope' is not a date" in done.stderr

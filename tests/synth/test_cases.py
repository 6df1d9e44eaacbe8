"""`engage synth-cases`: ground-truth interventions become cases for the impact pages."""
import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from engage.cases.models import Case
from engage.contacts.models import Contact, SourceRecord
from engage.identity.models import Caller

PEOPLE = """person_id,name,person_kind,numbers,postcode,shared_number,intervention_date,intervention,meets_criterion,address
P0000001,Ann Lee,vulnerable,+447700900001,CB1 2AB,,2026-08-10,mental health team,Y,"1 Mill Road, Cambridge"
P0000002,Bob Ray,nuisance,+447700900002,PE1 2AB,,2026-08-12,community protection notice,Y,"2 High Street, Peterborough"
P0000003,Cy Fox,targeted_victim,+447700900003,CB4 2AB,,,,Y,"3 Fen Road, Cambridge"
P0000004,Di Kay,vulnerable,+447700900004,CB4 2AB,,2026-08-11,personal visit,Y,"4 Fen Road, Cambridge"
"""


@pytest.fixture
def folder(tmp_path):
    truth = ["source,source_key,person_id,person_kind,line,malformed"]
    for person, kind, n in (("P0000001", "vulnerable", 3), ("P0000002", "nuisance", 2),
                            ("P0000003", "targeted_victim", 2)):
        truth += [f"acd,{person}-{k},{person},{kind},{k + 2}," for k in range(n)]
    truth.append("acd,P0000004-0,P0000004,vulnerable,9,")  # never imported
    (tmp_path / "people.csv").write_text(PEOPLE)
    (tmp_path / "truth.csv").write_text("\n".join(truth) + "\n")
    return tmp_path


def _import(person: str, contacts: int, caller: Caller) -> None:
    for k in range(contacts):
        contact = Contact.objects.create(channel="101", arrived_at=timezone.now(), caller=caller)
        SourceRecord.objects.create(contact=contact, system="acd", source_key=f"{person}-{k}", file_name="acd.csv")


@pytest.mark.postgres
@pytest.mark.django_db
def test_intervened_people_get_a_case_with_triage_and_intervention(folder):
    ann, bob, cy = (Caller.objects.create(display_name=n) for n in ("Ann Lee", "Bob Ray", "Cy Fox"))
    _import("P0000001", 3, ann)
    _import("P0000002", 2, bob)
    _import("P0000003", 2, cy)
    out = StringIO()
    call_command("synth-cases", str(folder), "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["intervened_people"] == 3 and summary["cases"] == 2 and summary["no_caller"] == 1
    case = Case.objects.get(caller=ann)
    assert case.triage == "vulnerable"
    assert [(i.kind, i.started_on) for i in case.interventions.all()] == [("mental_health", dt.date(2026, 8, 10))]
    assert Case.objects.get(caller=bob).interventions.get().kind == "cpn"
    assert not Case.objects.filter(caller=cy).exists(), "not intervened in: no case"

    call_command("synth-cases", str(folder), "--json", stdout=StringIO())  # twice: nothing doubles
    assert Case.objects.count() == 2
    assert sum(c.interventions.count() for c in Case.objects.all()) == 2


@pytest.mark.django_db
def test_missing_files_are_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="people.csv: no such file"):
        call_command("synth-cases", str(tmp_path))

"""New contacts are attached to callers as they are imported (contacts_imported receiver)."""
import pytest

from engage.contacts.ingest import ingest_rows
from engage.contacts.models import Contact
from engage.identity.models import Caller
from engage.identity.resolve import resolve_incremental

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def cc(number: str, created: str, name: str = "", phone: str = "", address: str = "", postcode: str = "") -> dict:
    return {"incident_number": number, "created_at": created, "source": "101", "caller_name": name,
            "caller_phone": phone, "caller_address": address, "caller_postcode": postcode,
            "location": "", "opening_code": "ASB", "grade": "3", "closing_code": "NFA", "narrative": ""}


def caller_for(incident: str) -> int | None:
    return Contact.objects.get(incident_number=incident).caller_id


def test_import_attaches_by_number_at_once():
    result = ingest_rows("cc", [cc("I-1", "2026-01-05 09:00:00", "Rita Vale", "07700 900801", "5 Park Lane", "CB21 4AA")])
    assert result.imported == 1
    first = caller_for("I-1")
    assert first is not None
    caller = Caller.objects.get(pk=first)
    assert (caller.primary_number, caller.display_name, caller.postcode, caller.area_code) == (
        "+447700900801", "Rita Vale", "CB21 4AA", "SCA")
    ingest_rows("cc", [cc("I-2", "2026-01-05 10:00:00", phone="+447700900801"),
                       cc("I-3", "2026-01-05 10:05:00", phone="07700 900802")])
    assert caller_for("I-2") == first
    assert caller_for("I-3") not in (None, first)


def test_withheld_contact_attaches_by_exact_name_and_postcode():
    ingest_rows("cc", [cc("I-10", "2026-01-05 09:00:00", "Rita Vale", "07700 900810", "5 Park Lane", "CB21 4AA")])
    ingest_rows("cc", [cc("I-11", "2026-01-05 11:00:00", "RITA VALE", "Withheld", "5 Park Ln", "cb21 4aa"),
                       cc("I-12", "2026-01-05 11:30:00", "Rita Vael", "Withheld", "5 Park Lane", "CB21 4AA"),
                       cc("I-13", "2026-01-05 11:40:00", "", "Withheld")])
    assert caller_for("I-11") == caller_for("I-10")
    assert caller_for("I-12") is None  # a misspelling waits for Splink in `engage resolve`
    assert caller_for("I-13") is None
    resolve_incremental()
    assert caller_for("I-12") == caller_for("I-10")
    assert caller_for("I-13") is None  # nothing identifying: stays unresolved


def test_shared_number_is_not_attached_by_number():
    from engage.identity.models import SharedNumber

    SharedNumber.objects.create(e164="+441632960820", label="Oak House care home")
    ingest_rows("cc", [cc("I-20", "2026-01-05 09:00:00", "Ada Brown", "01632 960820"),
                       cc("I-21", "2026-01-05 09:10:00", "Bill Stone", "01632 960820")])
    assert caller_for("I-20") is None and caller_for("I-21") is None

"""POST /api/contacts: auth, validation, quarantine and idempotency through the API."""
import datetime as dt

import pytest
from django.utils import timezone

from engage.contacts.models import Contact, ImportRun, QuarantinedRow, SourceRecord
from tests.flags import factories as f

pytestmark = pytest.mark.django_db
URL = "/api/contacts"


def call(call_id: str, minutes_ago: int = 5, cli: str = "07700 900123", line: str = "101") -> dict:
    start = timezone.localtime() - dt.timedelta(minutes=minutes_ago)
    return {"call_id": call_id, "started_at": f"{start:%Y-%m-%d %H:%M:%S}",
            "ended_at": f"{start + dt.timedelta(minutes=3):%Y-%m-%d %H:%M:%S}", "direction": "in", "line": line,
            "cli": cli, "handler_id": "H017"}


def push(client, key, body):
    return client.post(URL, body, content_type="application/json", HTTP_X_API_KEY=key)


@pytest.fixture
def key():
    return f.api_key("acd", can_read_flags=False, can_push_contacts=True)


@pytest.mark.postgres
def test_batch_goes_in_and_a_repeat_push_adds_nothing(client, key):
    body = {"source": "calls", "rows": [call("T1"), call("T2", cli="01632 960555")]}
    r = push(client, key, body)
    assert r.status_code == 200
    out = r.json()
    assert (out["read"], out["imported"], out["duplicate"], out["quarantined"]) == (2, 2, 0, 0)
    assert len(out["contact_ids"]) == 2 and out["problems"] == []
    assert set(Contact.objects.values_list("phone_e164", flat=True)) == {"+447700900123", "+441632960555"}
    again = push(client, key, body).json()
    assert (again["imported"], again["duplicate"]) == (0, 2)
    assert Contact.objects.count() == 2 and SourceRecord.objects.filter(system="calls").count() == 2
    assert ImportRun.objects.filter(source="calls").count() == 2


@pytest.mark.postgres
def test_bad_rows_are_quarantined_and_reported_good_rows_still_go_in(client, key):
    rows = [call("T10"), {**call("T11"), "started_at": "31/02/2025 25:00"}, call("T12")]
    out = push(client, key, {"source": "calls", "rows": rows}).json()
    assert (out["imported"], out["quarantined"]) == (2, 1)
    assert [(p["row"], p["field"]) for p in out["problems"]] == [(1, "started_at")]
    q = QuarantinedRow.objects.get()
    assert q.field == "started_at" and q.file_name.startswith("api:acd:")
    # A second push with its own bad first row keeps both quarantined rows.
    push(client, key, {"source": "calls", "rows": [{**call("T13"), "started_at": "never"}]})
    assert QuarantinedRow.objects.count() == 2


def test_one_contact_is_a_batch_of_one(client, key):
    out = push(client, key, {"source": "calls", "rows": [call("T20")]}).json()
    assert out["imported"] == 1 and Contact.objects.get().phone_e164 == "+447700900123"


@pytest.mark.parametrize("body", [
    {"rows": [{"call_id": "x"}]},  # no source
    {"source": "fax", "rows": [{"call_id": "x"}]},  # unknown source
    {"source": "calls", "rows": []},  # nothing to push
    {"source": "calls", "rows": "T1,2025-03-03"},  # not a list
    {"source": "calls", "rows": [{"call_id": {"nested": 1}}]},  # not a scalar
])
def test_malformed_body_is_422(client, key, body):
    assert push(client, key, body).status_code == 422
    assert Contact.objects.count() == 0


def test_not_json_is_rejected_not_a_500(client, key):
    r = client.post(URL, "{not json", content_type="application/json", HTTP_X_API_KEY=key)
    assert r.status_code == 422, r.content


def test_too_many_rows_is_422(client, key):
    r = push(client, key, {"source": "calls", "rows": [call(f"T{i}") for i in range(1001)]})
    assert r.status_code == 422 and Contact.objects.count() == 0


def test_push_needs_a_key_with_push_permission(client):
    body = {"source": "calls", "rows": [call("T30")]}
    assert client.post(URL, body, content_type="application/json").status_code == 401
    read_only = f.api_key("iccs")
    assert push(client, read_only, body).status_code == 403
    assert Contact.objects.count() == 0

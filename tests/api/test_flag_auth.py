"""GET /api/flags/{number}: API-key auth (401/403), revocation, one audit row per call."""
import pytest

from engage.accounts.models import ApiKey, AuditEvent
from engage.flags import auth
from tests.flags import factories as f

pytestmark = pytest.mark.django_db
URL = "/api/flags/07700%20900123"


@pytest.mark.postgres
def test_valid_key_gets_the_flag_and_each_call_is_audited(client):
    caller = f.caller_with_contacts()
    case = f.case_for(caller)
    key = f.api_key("iccs")
    for _ in range(3):
        r = client.get(URL, HTTP_X_API_KEY=key, HTTP_X_PURPOSE="999 call in progress")
        assert r.status_code == 200
    body = r.json()
    assert body["flagged"] is True and body["caller_id"] == caller.pk and body["case_id"] == case.pk
    assert body["guidance"] == case.guidance and body["risk_level"] == "high"
    assert body["contacts_24h"] == 1 and body["contacts_7d"] == 3 and body["blocked"] is False
    events = AuditEvent.objects.filter(action="lookup", object_type="flag")
    assert events.count() == 3
    event = events.first()
    assert event.api_key.name == "iccs" and event.object_id == f.NUMBER and event.user is None
    assert event.purpose == f"999 call in progress; caller {caller.pk}" and event.path.startswith("/api/flags/")


def test_no_key_or_unknown_key_is_401_and_not_audited(client):
    assert client.get(URL).status_code == 401
    assert client.get(URL, HTTP_X_API_KEY="not-a-key").status_code == 401
    assert AuditEvent.objects.count() == 0


def test_key_without_flag_permission_is_403(client):
    key = f.api_key("acd-feed", can_read_flags=False, can_push_contacts=True)
    r = client.get(URL, HTTP_X_API_KEY=key)
    assert r.status_code == 403 and "can_read_flags" in r.json()["detail"]


def test_deactivated_key_stops_working_once_the_cache_expires(client, monkeypatch):
    key = f.api_key("iccs")
    assert client.get(URL, HTTP_X_API_KEY=key).status_code == 200
    ApiKey.objects.filter(name="iccs").update(active=False)
    # Still cached for up to api_key_cache_seconds ...
    assert client.get(URL, HTTP_X_API_KEY=key).status_code == 200
    # ... then refused: simulate the TTL passing.
    clock = auth.time.monotonic() + 3600
    monkeypatch.setattr(auth.time, "monotonic", lambda: clock)
    assert client.get(URL, HTTP_X_API_KEY=key).status_code == 401


def test_withheld_number_is_200_not_flagged_with_its_status(client):
    key = f.api_key()
    body = client.get("/api/flags/withheld", HTTP_X_API_KEY=key).json()
    assert body["phone_status"] == "withheld" and body["flagged"] is False and body["e164"] == ""
    assert AuditEvent.objects.get().object_id == "withheld"


def test_plus_sign_and_spaces_in_the_path(client):
    f.case_for(f.caller_with_contacts())
    key = f.api_key()
    for path in ["/api/flags/%2B447700900123", "/api/flags/+44%207700%20900123", "/api/flags/00447700900123"]:
        assert client.get(path, HTTP_X_API_KEY=key).json()["flagged"] is True, path

"""The production entry point (engage.wsgi) answers GET /api/flags/ exactly as the API does."""
import json
from urllib.parse import unquote_to_bytes, urlsplit

import pytest
from django.test import RequestFactory

from engage.accounts.models import AuditEvent
from engage.flags import fastpath
from engage.wsgi import application
from tests.flags import factories as f

pytestmark = pytest.mark.django_db
URL = "/api/flags/07700%20900123"


@pytest.fixture(autouse=True)
def _keep_the_test_transaction(monkeypatch):
    """As Django's test client does (it disconnects close_old_connections from the request
    signals): the test's transaction must outlive the request."""
    monkeypatch.setattr(fastpath, "close_old_connections", lambda: None)


def _wsgi_get(url: str, **headers):
    environ = RequestFactory().get(url, **headers).environ
    # As a WSGI server gives it (the request built above has already decoded it): bytes as latin-1.
    environ["PATH_INFO"] = unquote_to_bytes(urlsplit(url).path).decode("iso-8859-1")
    answer = {}

    def start_response(status, response_headers):
        answer["status"], answer["headers"] = int(status.split()[0]), dict(response_headers)

    body = b"".join(application(environ, start_response))
    return answer["status"], json.loads(body), answer["headers"]


@pytest.mark.postgres
def test_same_answer_and_audit_as_the_api_endpoint(client):
    caller = f.caller_with_contacts()
    f.case_for(caller)
    key = f.api_key("iccs")
    via_django = client.get(URL, HTTP_X_API_KEY=key, HTTP_X_PURPOSE="999 call")
    status, body, headers = _wsgi_get(URL, HTTP_X_API_KEY=key, HTTP_X_PURPOSE="999 call")
    assert status == 200 and body == via_django.json() and body["flagged"] is True
    assert headers["Content-Type"] == "application/json"
    first, second = AuditEvent.objects.filter(action="lookup").order_by("id")
    assert (first.api_key_id, first.object_id, first.purpose) == (second.api_key_id, second.object_id, second.purpose)


def test_same_refusals_as_the_api_endpoint(client):
    no_push = f.api_key("acd-feed", can_read_flags=False, can_push_contacts=True)
    for headers in ({}, {"HTTP_X_API_KEY": "not-a-key"}, {"HTTP_X_API_KEY": no_push}):
        via_django = client.get(URL, **headers)
        status, body, _ = _wsgi_get(URL, **headers)
        assert (status, body) == (via_django.status_code, via_django.json())
    assert AuditEvent.objects.count() == 0


def test_other_requests_go_to_django(client):
    status, _, _ = _wsgi_get("/api/ping")
    assert status == 200


@pytest.mark.parametrize("number", ["%C3%A9t%C3%A9", "07700%C2%A0900123", "%FF%FE"])
def test_a_percent_encoded_number_is_decoded_as_django_decodes_it(client, number):
    key = f.api_key("iccs")
    via_django = client.get(f"/api/flags/{number}", HTTP_X_API_KEY=key)
    status, body, _ = _wsgi_get(f"/api/flags/{number}", HTTP_X_API_KEY=key)
    assert (status, body) == (via_django.status_code, via_django.json())

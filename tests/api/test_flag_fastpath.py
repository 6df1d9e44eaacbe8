"""The production entry point (engage.wsgi) answers GET /api/flags/ exactly as the API does."""
import json

import pytest
from django.core import signals
from django.db import close_old_connections
from django.test import RequestFactory

from engage.accounts.models import AuditEvent
from engage.wsgi import application
from tests.flags import factories as f

pytestmark = pytest.mark.django_db
URL = "/api/flags/07700%20900123"


def _wsgi_get(url: str, **headers):
    environ = RequestFactory().get(url, **headers).environ
    answer = {}

    def start_response(status, response_headers):
        answer["status"], answer["headers"] = int(status.split()[0]), dict(response_headers)

    # As Django's test client does: the test's transaction must outlive the request.
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    try:
        body = b"".join(application(environ, start_response))
    finally:
        for signal in (signals.request_started, signals.request_finished):
            signal.connect(close_old_connections)
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

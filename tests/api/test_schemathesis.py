"""Schemathesis over the whole API, with a valid API key: 0 server errors (5xx).

Also: the schema is served, and the docs page needs no network (no CDN assets).
"""
import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.openapi import from_wsgi
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.flags import factories as f

pytestmark = pytest.mark.django_db
MAX_EXAMPLES = 40


def test_schema_and_offline_docs(client):
    schema = client.get("/api/openapi.json").json()
    assert {"/api/flags/{number}", "/api/contacts"} <= set(schema["paths"])
    assert "/api/ping" not in schema["paths"]
    html = client.get("/api/docs").content.decode()
    assert "/api/flags/{number}" in html and "X-API-Key" in html
    assert "cdn" not in html.lower() and "https://" not in html


def _run_operation(operation, key: str) -> int:
    strategy = operation.as_strategy()
    calls = []

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), derandomize=True)
    @given(case=strategy)
    def check(case):
        response = case.call(headers={"X-API-Key": key})
        calls.append(response.status_code)
        case.validate_response(
            response, checks=[not_a_server_error, status_code_conformance, response_schema_conformance]
        )

    check()
    return len(calls)


@pytest.fixture
def wsgi_app():
    """Django's WSGI app, keeping the test's connection open between requests (as the test client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.postgres
def test_no_server_errors_anywhere_in_the_api(wsgi_app):
    caller = f.caller_with_contacts()
    f.block_for(f.case_for(caller))
    key = f.api_key("schemathesis", can_read_flags=True, can_push_contacts=True)
    schema = from_wsgi("/api/openapi.json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 2
    for operation in operations:
        assert _run_operation(operation, key) > 0, operation.label

"""GET /api/flags/{number} served ahead of Django's middleware stack.

This is the call ICCS makes as the phone rings. The full stack (sessions, CSRF,
messages, WhiteNoise, ninja's routing) costs several times the lookup itself
(docs/benchmarks.md), so the WSGI entry point answers this one route directly: the same
key check (`auth.key_for`), the same lookup and audit (`api.flag_payload`), the same
JSON. Everything else goes to Django. The OpenAPI schema still describes the route
through the ninja endpoint.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable

from django.core.handlers.wsgi import WSGIRequest
from django.db import close_old_connections

from engage.flags import auth
from engage.flags.api import flag_payload

PREFIX = "/api/flags/"
log = logging.getLogger(__name__)


def wrap(django_app: Callable) -> Callable:
    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        rest = path[len(PREFIX):]  # as the server gives it (bytes as latin-1); decoded in _serve
        if environ.get("REQUEST_METHOD") != "GET" or not path.startswith(PREFIX) or not rest or "/" in rest:
            return django_app(environ, start_response)
        return _serve(environ, start_response)

    return application


def _serve(environ: dict, start_response: Callable) -> Iterable[bytes]:
    # What Django's request_started/request_finished receivers do for this path: keep the
    # connection handling (CONN_MAX_AGE, health checks) as it is, without the signal dispatch.
    close_old_connections()
    request = WSGIRequest(environ)
    number = request.path_info[len(PREFIX):]  # decoded as Django decodes it
    try:
        status, body = _answer(request, number)
    except Exception:  # a server fault: logged, answered like Django would (500), never a hang
        log.exception("flag lookup failed for %r", number)
        status, body = "500 Internal Server Error", {"detail": "Internal server error"}
    finally:
        close_old_connections()
    data = json.dumps(body).encode()
    start_response(status, [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(data))),
        ("X-Content-Type-Options", "nosniff"),
        ("Cache-Control", "no-store"),
    ])
    return [data]


def _answer(request: WSGIRequest, number: str) -> tuple[str, dict]:
    plain_key = request.META.get("HTTP_X_API_KEY", "")
    api_key = auth.key_for(plain_key) if plain_key else None
    if api_key is None:
        return "401 Unauthorized", {"detail": "Unauthorized"}
    if not api_key.can_read_flags:
        return "403 Forbidden", {"detail": "This API key lacks the can_read_flags permission"}
    return "200 OK", flag_payload(request, number, api_key)

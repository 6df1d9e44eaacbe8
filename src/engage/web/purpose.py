"""Purpose of access: asked the first time a record is opened in a session, then remembered.

Every consultation is then audited with that purpose (DPA 2018 Part 3, s.62 logging).
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from engage.accounts import audit

PURPOSES = [
    "Reviewing a new repeat-caller episode",
    "Managing the case (triage, referral, interventions)",
    "Safeguarding / THRIVE risk review",
    "Preparing for a performance meeting or panel",
    "Responding to a live call from this person",
    "Deciding on a call block",
]
SESSION_KEY = "engage_purposes"


def _key(object_type: str, object_id: object) -> str:
    return f"{object_type}:{object_id}"


def remembered(request: HttpRequest, object_type: str, object_id: object) -> str:
    return request.session.get(SESSION_KEY, {}).get(_key(object_type, object_id), "")


def remember(request: HttpRequest, object_type: str, object_id: object, purpose: str) -> None:
    purposes = dict(request.session.get(SESSION_KEY, {}))
    purposes[_key(object_type, object_id)] = purpose[:300]
    request.session[SESSION_KEY] = purposes


def consult(request: HttpRequest, object_type: str, object_id: object, action: str = "view") -> HttpResponse | str:
    """Audit a consultation and return its purpose, or the purpose form if none given yet.

    A view does: `purpose = consult(...)`; `if isinstance(purpose, HttpResponse): return purpose`.
    """
    purpose = remembered(request, object_type, object_id)
    if not purpose:
        return render(
            request,
            "web/purpose.html",
            {"object_type": object_type, "object_id": object_id, "next": request.get_full_path(), "purposes": PURPOSES},
        )
    audit.record(request, action, object_type, object_id, purpose)
    return purpose

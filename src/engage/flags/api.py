"""The flag API (ICCS / C&C, as the phone rings) and the live contact feed.

    GET  /api/flags/{number}   X-API-Key with can_read_flags
    POST /api/contacts         X-API-Key with can_push_contacts
"""
from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Literal, Union

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from engage.flags import auth
from engage.flags.audit import record_lookup
from engage.flags.lookup import lookup_number, settings

router = Router(tags=["flags"])

DEFAULT_PURPOSE = "incoming call"


class BlockOut(Schema):
    id: int
    target_kind: str
    target: str
    status: str
    review_on: dt.date | None
    expires_on: dt.date | None


class FlagOut(Schema):
    number: str = Field(description="The number as given")
    e164: str = Field(description="E.164 form; empty unless phone_status is 'present'")
    phone_status: str = Field(description="present, withheld, unavailable or invalid")
    flagged: bool
    reasons: list[str] = Field(description="Why flagged: case (live case with guidance), episode, block")
    shared_number: str = Field(description="Label when the number is a known shared number (care home, ...)")
    caller_id: int | None
    caller_name: str
    case_id: int | None
    case_status: str
    triage: str
    guidance: str
    risk_level: str
    episode_id: int | None
    episode_rule: str
    episode_status: str
    blocked: bool
    block: BlockOut | None
    contacts_24h: int
    contacts_7d: int


class ErrorOut(Schema):
    detail: str


@router.get(
    "/flags/{number}",
    response={200: FlagOut, 401: ErrorOut, 403: ErrorOut},
    auth=auth.read_flags,
    summary="Is the caller on this number flagged?",
)
def get_flag(request: HttpRequest, number: str):
    """The flag for a number in any common format ("07700 900123", "+44 7700 900123",
    "00447700900123"). A withheld, unavailable or invalid number is not an error: it
    returns 200, flagged false, with its `phone_status`. Every call is audited; an
    optional `X-Purpose` header records why (default "incoming call")."""
    # Already JSON-ready and shaped as FlagOut (schemathesis checks it against the schema):
    # skipping ninja's per-response validation keeps this path short.
    return HttpResponse(json.dumps(flag_payload(request, number, request.auth)), content_type="application/json")


def flag_payload(request: HttpRequest, number: str, api_key) -> dict:
    """Look the number up and audit the lookup: the whole of GET /api/flags/{number}
    once the key is checked (also served by engage.flags.fastpath)."""
    flag = lookup_number(number)
    purpose = request.META.get("HTTP_X_PURPOSE") or DEFAULT_PURPOSE  # not .headers: it parses them all
    if flag.caller_id:
        purpose = f"{purpose}; caller {flag.caller_id}"
    record_lookup(request, flag.e164 or number, purpose, api_key=api_key)
    return flag.as_dict()


Scalar = Union[str, int, float, bool, None]


class PushIn(Schema):
    source: Literal["cc", "calls", "acd", "digital"] = Field(description="Which system's canonical format the rows use")
    rows: list[dict[str, Scalar]] = Field(
        min_length=1, max_length=1000, description="Rows keyed by the source's canonical field names (docs/formats.md)"
    )


class Problem(Schema):
    row: int = Field(description="0-based index of the row in `rows`")
    field: str
    reason: str


class PushOut(Schema):
    run_id: int | None
    read: int
    imported: int
    duplicate: int
    quarantined: int
    contact_ids: list[int]
    problems: list[Problem]


def _as_text(value: Scalar) -> str:
    """The same text a CSV export would carry: importers validate text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    return str(value)


@router.post(
    "/contacts",
    response={200: PushOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    auth=auth.push_contacts,
    summary="Push contacts as they happen (live feed)",
)
def push_contacts(request: HttpRequest, body: PushIn):
    """One contact or a batch from the force's telephony/ACD or C&C integration, in the
    canonical field names of `source`. Same validation, quarantine and idempotency as
    file import: a row already received (same source key) counts as duplicate; a bad row
    is quarantined and reported in `problems`; good rows go in. Detection runs at once."""
    limit = int(settings().get("max_push_rows", 1000))
    if len(body.rows) > limit:
        raise HttpError(422, f"at most {limit} rows per request")
    from engage.contacts.ingest import IngestError, ingest_rows

    rows = [{str(k): _as_text(v) for k, v in row.items()} for row in body.rows]
    # One "file" per push: quarantined rows are kept per (file, line), so a later push's
    # bad row 1 must not overwrite an earlier one's. The key's name says who sent it.
    file_name = f"api:{request.auth.name}:{timezone.now():%Y%m%dT%H%M%S}:{uuid.uuid4().hex[:8]}"
    try:
        result = ingest_rows(body.source, rows, file_name=file_name, defer=False)
    except (IngestError, ValueError) as exc:  # a batch-level problem: the client's fault
        raise HttpError(422, str(exc)) from exc
    return {
        "run_id": result.run_id,
        "read": result.read,
        "imported": result.imported,
        "duplicate": result.duplicate,
        "quarantined": result.quarantined,
        "contact_ids": list(result.contact_ids),
        "problems": [{"row": _row_index(line), "field": field, "reason": reason} for line, field, reason in result.problems],
    }


def _row_index(line: int) -> int:
    """ingest_rows numbers problems by 1-based position in `rows`; the API answers 0-based."""
    return max(int(line) - 1, 0)

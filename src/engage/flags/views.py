"""The handler's incoming-call page: type (or receive, `?number=`) a number, see the flag."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from engage.accounts.permissions import permission_required
from engage.flags.audit import record_lookup
from engage.flags.lookup import lookup_number


# Who may look a number up (the control room) is the "flags.handler" row of
# engage.accounts.permissions.PERMISSIONS; CSU officers and analysts see cases
# through their own screens, limited to their areas (docs/security.md).
@permission_required("flags.handler")
def handler(request: HttpRequest) -> HttpResponse:
    number = (request.GET.get("number") or "").strip()[:64]
    flag = None
    if number:
        flag = lookup_number(number)
        purpose = "incoming call (handler screen)"
        if flag.caller_id:
            purpose += f"; caller {flag.caller_id}"
        record_lookup(request, flag.e164 or number, purpose, buffered=False)
    return render(request, "flags/handler.html", {"number": number, "flag": flag})

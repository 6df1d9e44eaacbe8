"""A CSU officer's caseload: live cases of their own areas and reviews due."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from engage.accounts import audit
from engage.accounts.permissions import areas_of, permission_required
from engage.cases import services


@permission_required("csu.caseload")
def caseload(request: HttpRequest) -> HttpResponse:
    areas = areas_of(request.user)
    load = services.caseload(areas)
    audit.record(request, "view", "contact_list", "csu-caseload", f"caseload {','.join(areas)}")
    return render(request, "web/csu.html", {
        "areas": [(a, services.area_name(a)) for a in areas],
        "cases": load["cases"],
        "due": {c.pk for c in load["due"]},
        "due_count": len(load["due"]),
        "awaiting": load["awaiting_acceptance"],
        "today": services.today(),
    })

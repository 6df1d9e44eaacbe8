"""The dashboard: what needs doing today, for the signed-in role."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from engage.accounts.models import Role
from engage.accounts.permissions import areas_of, permission_required, role_of
from engage.cases import services
from engage.cases.models import Case


@permission_required("dashboard")
def home(request: HttpRequest) -> HttpResponse:
    role = role_of(request.user)
    ctx: dict = {"role": role}
    if role in (Role.COORDINATOR, Role.INSPECTOR, Role.ANALYST):
        ctx.update(
            new_episodes=services.new_episodes().count(),
            live_cases=services.live_cases().count(),
            due_reviews=services.due_review_count(),
            blocks_awaiting=services.blocks_awaiting_decision().count(),
            blocks_due=services.blocks_due_review().count(),
            by_status={s.label: Case.objects.filter(status=s).count() for s in Case.Status},
        )
    if role == Role.CSU:
        load = services.caseload(areas_of(request.user))
        ctx.update(areas=[services.area_name(a) for a in areas_of(request.user)], caseload=len(load["cases"]), due=len(load["due"]))
    return render(request, "web/dashboard.html", ctx)

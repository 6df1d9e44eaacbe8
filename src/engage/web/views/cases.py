"""The case page and its actions: triage, referral, interventions, THRIVE, guidance, status, block request."""
from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from engage.accounts.permissions import can, permission_required
from engage.cases import services
from engage.cases.models import Case
from engage.web import forms
from engage.web.purpose import consult
from engage.web.views.common import attempt, form_errors, get_case
from engage.web.views.review import suggestion_for


@permission_required("case.view")
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case(request, pk)
    purpose = consult(request, "case", case.pk)
    if isinstance(purpose, HttpResponse):
        return purpose
    reviews = list(case.risk_reviews.order_by("-at"))
    ctx = {
        "case": case,
        "purpose": purpose,
        "suggestion": suggestion_for(case.caller_id),
        "area": services.area_name(case.area_code) if case.area_code else "",
        "history": case.history.select_related("by").order_by("at", "pk"),
        "referrals": case.referrals.select_related("by").order_by("-at"),
        "interventions": case.interventions.select_related("by").order_by("-started_on", "-pk"),
        "reviews": reviews,
        "next_review": reviews[0].next_review_on if reviews else None,
        "blocks": case.blocks.order_by("-requested_at"),
        "active_block": services.active_block_for(case.caller),
        "episodes": case.episodes.order_by("-created_at"),
        "forms": {
            "triage": forms.TriageForm(initial={"triage": case.triage or None}),
            "refer": forms.ReferForm(initial={"area_code": case.area_code}),
            "intervention": forms.InterventionForm(),
            "risk": forms.RiskReviewForm(),
            "guidance": forms.GuidanceForm(initial={"guidance": case.guidance}),
            "status": forms.StatusForm(initial={"status": case.status}),
            "block": forms.BlockRequestForm(initial={"target": case.caller.primary_number}),
        },
        "can": {a: can(request.user, f"case.{a}") for a in ("triage", "refer", "accept", "intervention", "risk_review", "guidance", "status")}
        | {"block": can(request.user, "block.request"), "caller": can(request.user, "caller.view")},
    }
    return render(request, "web/case.html", ctx)


def _case_action(form_class, run: Callable[[HttpRequest, Case, dict], object], success: str):
    """A POST-only view: validate the form, call the service, go back to the case page."""

    def view(request: HttpRequest, pk: int) -> HttpResponse:
        case = get_case(request, pk)
        back = f"/cases/{case.pk}/"
        form = form_class(request.POST)
        if not form.is_valid():
            return form_errors(request, form, back)
        return attempt(request, lambda: run(request, case, form.cleaned_data), success, back)

    return require_POST(view)


triage = permission_required("case.triage")(_case_action(
    forms.TriageForm, lambda r, c, d: services.decide_triage(c, d["triage"], d["reason"], r.user), "Triage decision recorded."))
refer = permission_required("case.refer")(_case_action(
    forms.ReferForm, lambda r, c, d: services.refer(c, r.user, d["note"], d["area_code"] or None), "Referred to the CSU."))
accept = permission_required("case.accept")(_case_action(
    forms.EmptyForm, lambda r, c, d: services.accept_referral(c, r.user), "Referral accepted into your caseload."))
intervention = permission_required("case.intervention")(_case_action(
    forms.InterventionForm,
    lambda r, c, d: services.add_intervention(c, r.user, d["kind"], d["started_on"], d["ended_on"], d["outcome"]),
    "Intervention logged."))
risk_review = permission_required("case.risk_review")(_case_action(
    forms.RiskReviewForm,
    lambda r, c, d: services.add_risk_review(c, r.user, **d),
    "Risk review recorded."))
guidance = permission_required("case.guidance")(_case_action(
    forms.GuidanceForm, lambda r, c, d: services.set_guidance(c, d["guidance"], r.user), "Handling guidance saved."))
status = permission_required("case.status")(_case_action(
    forms.StatusForm, lambda r, c, d: services.change_status(c, d["status"], r.user, d["note"]), "Status changed."))
request_block = permission_required("block.request")(_case_action(
    forms.BlockRequestForm,
    lambda r, c, d: services.request_block(c, r.user, d["target_kind"], d["target"], d["rationale"]),
    "Block requested: it waits for an inspector's decision."))

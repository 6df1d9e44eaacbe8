"""Call blocks: the inspector's queue (authorise / refuse), blocks in force and due review."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from engage.accounts import audit
from engage.accounts.permissions import can, permission_required
from engage.cases import services
from engage.cases.models import CallBlock
from engage.web.forms import BlockDecisionForm, BlockRenewForm
from engage.web.views.common import attempt, form_errors


@permission_required("block.view")
def queue(request: HttpRequest) -> HttpResponse:
    services.expire_blocks()
    audit.record(request, "view", "contact_list", "blocks", "call block queue")
    return render(request, "web/blocks.html", {
        "awaiting": services.blocks_awaiting_decision(),
        "active": services.active_blocks().select_related("case__caller", "decided_by").order_by("review_on"),
        "due": {b.pk for b in services.blocks_due_review()},
        "recent": CallBlock.objects.exclude(status__in=[CallBlock.Status.REQUESTED, CallBlock.Status.AUTHORISED])
        .select_related("case__caller", "decided_by").order_by("-decided_at", "-requested_at")[:30],
        "can_decide": can(request.user, "block.decide"),
        "decision_form": BlockDecisionForm(),
        "renew_form": BlockRenewForm(),
    })


@require_POST
@permission_required("block.decide")
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    block = get_object_or_404(CallBlock, pk=pk)
    form = BlockDecisionForm(request.POST)
    if not form.is_valid():
        return form_errors(request, form, "/blocks/")
    d = form.cleaned_data
    authorise = d["decision"] == "authorise"
    return attempt(
        request,
        lambda: services.decide_block(block, request.user, authorise, d["note"], d["review_on"]),
        f"Block {block.pk} {'authorised' if authorise else 'refused'}.",
        "/blocks/",
    )


@require_POST
@permission_required("block.decide")
def renew(request: HttpRequest, pk: int) -> HttpResponse:
    block = get_object_or_404(CallBlock, pk=pk)
    form = BlockRenewForm(request.POST)
    if not form.is_valid():
        return form_errors(request, form, "/blocks/")
    d = form.cleaned_data
    if d["action"] == "lift":
        return attempt(request, lambda: services.lift_block(block, request.user, d["note"]), f"Block {block.pk} lifted.", "/blocks/")
    return attempt(request, lambda: services.renew_block(block, request.user, d["note"], d["review_on"]), f"Block {block.pk} renewed.", "/blocks/")

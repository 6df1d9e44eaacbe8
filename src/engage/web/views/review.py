"""The review queue: new episodes, oldest first, with the triage suggestion and its evidence."""
from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from engage.accounts import audit
from engage.accounts.permissions import can, permission_required
from engage.cases import services
from engage.detection.models import Episode
from engage.web.forms import ReasonForm
from engage.web.views.common import attempt, form_errors

PAGE_SIZE = 25  # each row computes a triage suggestion


def suggestion_for(caller_id: int | None):
    """engage.detection.triage.suggest, or None when there is no caller or it fails."""
    if caller_id is None:
        return None
    try:
        from engage.detection.triage import suggest
    except ImportError:
        return None
    try:
        return suggest(caller_id)
    except Exception:  # advisory only: a failing suggestion must not hide the queue
        return None


@permission_required("review.view")
def queue(request: HttpRequest) -> HttpResponse:
    page = Paginator(services.new_episodes(), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"episode": e, "suggestion": suggestion_for(e.caller_id)} for e in page]
    audit.record(request, "view", "contact_list", "review-queue", f"review queue page {page.number}")
    return render(request, "web/review.html", {"rows": rows, "page": page, "total": page.paginator.count, "can_decide": can(request.user, "review.decide")})


@require_POST
@permission_required("review.decide")
def open_case(request: HttpRequest, pk: int) -> HttpResponse:
    episode = get_object_or_404(Episode, pk=pk)
    try:
        case = services.open_case(episode, request.user, reason=request.POST.get("reason", ""))
    except services.CaseError as exc:
        messages.error(request, str(exc))
        return redirect("/review/")
    messages.success(request, f"Case {case.pk} opened for {case.caller}.")
    return redirect(f"/cases/{case.pk}/")


@require_POST
@permission_required("review.decide")
def dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    episode = get_object_or_404(Episode, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return form_errors(request, form, "/review/")
    return attempt(request, lambda: services.dismiss_episode(episode, request.user, form.cleaned_data["reason"]), f"Episode {pk} dismissed.", "/review/")

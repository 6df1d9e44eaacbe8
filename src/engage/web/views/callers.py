"""Caller profile: charts, linked numbers/addresses, contact timeline, merge/split controls."""
from __future__ import annotations

import csv

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from engage.accounts import audit
from engage.accounts.permissions import area_allowed, can, permission_required
from engage.cases import services
from engage.cases.models import Case
from engage.contacts.models import Contact
from engage.identity.models import Caller
from engage.web import charts
from engage.web.forms import MergeForm, SplitForm
from engage.web.purpose import consult
from engage.web.views.common import form_errors, get_caller
from engage.web.views.review import suggestion_for

TIMELINE_LIMIT = 300


def profile_for(caller_id: int) -> dict:
    """Detection's caller profile (JSON-ready dict)."""
    from engage.detection.profile import caller_profile

    return caller_profile(caller_id)


def _listed(profile: dict, key: str) -> list[str]:
    """["+4477... (12)", ...] from detection's ranked lists ([{"number": .., "contacts": n}])."""
    return [f"{label} ({n})" if n else label for label, n in charts.pairs(profile.get(key)) if label]


def _grid(heatmap) -> list[list[int]]:
    if isinstance(heatmap, dict):
        heatmap = heatmap.get("counts")
    return heatmap or [[0] * 24 for _ in range(7)]


@permission_required("caller.view")
def profile(request: HttpRequest, pk: int) -> HttpResponse:
    caller = get_caller(request, pk)
    if getattr(caller, "merged_into_id", None):  # identity keeps merged-away callers as pointers
        messages.info(request, f"Caller {caller.pk} was merged into caller {caller.merged_into_id}.")
        return redirect(f"/callers/{caller.merged_into_id}/")
    purpose = consult(request, "caller", caller.pk)
    if isinstance(purpose, HttpResponse):
        return purpose
    data = profile_for(caller.pk)
    contacts = Contact.objects.filter(caller=caller).order_by("-arrived_at")
    ctx = {
        "caller": caller,
        "purpose": purpose,
        "profile": data,
        "numbers": _listed(data, "numbers"),
        "names": _listed(data, "names"),
        "addresses": _listed(data, "addresses"),
        "by_channel": charts.pairs(data.get("by_channel")),
        "heatmap": charts.heatmap(_grid(data.get("heatmap"))),
        "weekly": charts.weekly(data.get("weekly")),
        "subjects": charts.subjects(data.get("subjects")),
        "timeline": contacts[:TIMELINE_LIMIT],
        "contact_total": contacts.count(),
        "cases": [c for c in Case.objects.filter(caller=caller).order_by("-opened_at") if area_allowed(request.user, [c.area_code])],
        "episodes": caller.episodes.order_by("-created_at")[:20],
        "suggestion": suggestion_for(caller.pk),
        "active_block": services.active_block_for(caller),
        "area": services.area_name(services.area_for_caller(caller)),
        "can_merge": can(request.user, "caller.merge"),
        "can_export": can(request.user, "caller.export"),
        "merge_form": MergeForm(),
    }
    return render(request, "web/caller.html", ctx)


@permission_required("caller.export")
def contacts_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The caller's contact list as CSV: an export of personal data, audited with its purpose."""
    caller = get_caller(request, pk)
    purpose = consult(request, "caller", caller.pk, action="export")
    if isinstance(purpose, HttpResponse):
        return purpose
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="caller-{caller.pk}-contacts.csv"'
    writer = csv.writer(response)
    fields = ["id", "arrived_at", "channel", "phone_e164", "name", "address", "postcode", "subject", "grade", "incident_number", "abandoned"]
    writer.writerow(fields)
    for c in Contact.objects.filter(caller=caller).order_by("arrived_at").iterator():
        writer.writerow([getattr(c, f).isoformat() if f == "arrived_at" else getattr(c, f) for f in fields])
    return response


@require_POST
@permission_required("caller.merge")
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    caller = get_caller(request, pk)
    back = f"/callers/{caller.pk}/"
    form = MergeForm(request.POST)
    if not form.is_valid():
        return form_errors(request, form, back)
    other = form.cleaned_data["other_id"]
    if other == caller.pk or not Caller.objects.filter(pk=other).exists():
        messages.error(request, f"Caller {other} cannot be merged into caller {caller.pk}.")
        return redirect(back)
    from engage.identity.resolve import merge_callers

    try:
        merge_callers(caller.pk, other, request.user, form.cleaned_data["reason"])
    except ValueError as exc:  # identity's refusal, e.g. a caller with no contacts
        messages.error(request, f"Cannot merge: {exc}.")
        return redirect(back)
    audit.record(request, "change", "caller", caller.pk, f"merge caller {other}: {form.cleaned_data['reason']}")
    messages.success(request, f"Caller {other} merged into caller {caller.pk}.")
    return redirect(back)


@require_POST
@permission_required("caller.merge")
def split(request: HttpRequest, pk: int) -> HttpResponse:
    caller = get_caller(request, pk)
    back = f"/callers/{caller.pk}/"
    form = SplitForm({"contact_ids": ",".join(request.POST.getlist("contact_ids")), "reason": request.POST.get("reason", "")})
    if not form.is_valid():
        return form_errors(request, form, back)
    ids = form.cleaned_data["contact_ids"]
    if Contact.objects.filter(pk__in=ids, caller=caller).count() != len(set(ids)):
        messages.error(request, "Only this caller's contacts can be split off.")
        return redirect(back)
    from engage.identity.resolve import split_contacts

    try:
        result = split_contacts(ids, request.user, form.cleaned_data["reason"])
    except ValueError as exc:
        messages.error(request, f"Cannot split: {exc}.")
        return redirect(back)
    audit.record(request, "change", "caller", caller.pk, f"split {len(ids)} contacts: {form.cleaned_data['reason']}")
    new_id = getattr(result, "pk", result)
    messages.success(request, f"{len(ids)} contacts split off" + (f" into caller {new_id}." if isinstance(new_id, int) else "."))
    return redirect(back)

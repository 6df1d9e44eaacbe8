"""The audit log for administrators: search and CSV export."""
from __future__ import annotations

import csv
from datetime import datetime, time

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from engage.accounts import audit
from engage.accounts.models import AuditEvent
from engage.accounts.permissions import permission_required
from engage.web.forms import AuditSearchForm


def search(data: dict) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("user", "api_key").order_by("-at", "-pk")
    if q := data.get("q"):
        events = events.filter(Q(user__username__icontains=q) | Q(object_id__icontains=q) | Q(purpose__icontains=q) | Q(api_key__name__icontains=q))
    for field in ("action", "object_type", "object_id"):
        if data.get(field):
            events = events.filter(**{field: data[field]})
    tz = timezone.get_current_timezone()
    if data.get("since"):
        events = events.filter(at__gte=datetime.combine(data["since"], time.min, tz))
    if data.get("until"):
        events = events.filter(at__lte=datetime.combine(data["until"], time.max, tz))
    return events


@permission_required("audit.view")
def audit_view(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    events = search(data)
    if request.GET.get("format") == "csv":
        audit.record(request, "export", "audit_log", "", "audit log export")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="engage-audit.csv"'
        writer = csv.writer(response)
        writer.writerow(["at", "user", "api_key", "action", "object_type", "object_id", "purpose", "path", "ip"])
        for e in events.iterator():
            writer.writerow([e.at.isoformat(), e.user.username if e.user else "", e.api_key.name if e.api_key else "",
                             e.action, e.object_type, e.object_id, e.purpose, e.path, e.ip or ""])
        return response
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "web/audit.html", {"form": form, "page": page, "query": query.urlencode()})

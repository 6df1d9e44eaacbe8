"""Agenda for the daily and monthly performance meetings: page, CSV and PDF (WeasyPrint)."""
from __future__ import annotations

import csv

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from engage.accounts import audit
from engage.accounts.permissions import permission_required
from engage.cases import services


def agenda_rows(agenda: services.Agenda) -> list[list[str]]:
    """The agenda as flat rows (section, reference, subject, detail, date) for CSV."""
    rows = []
    for e in agenda.new_episodes:
        rows.append(["new episode", f"episode {e.pk}", str(e.caller or e.place_key), f"{e.rule}: {e.contact_count} contacts", e.created_at.date().isoformat()])
    for c in agenda.due_reviews:
        rows.append(["case due review", f"case {c.pk}", str(c.caller), f"{c.get_status_display()}, risk {c.get_risk_level_display()}", (c.next_review_on.isoformat() if c.next_review_on else "never reviewed")])
    for b in agenda.blocks_awaiting:
        rows.append(["block awaiting decision", f"block {b.pk}", str(b.case.caller), f"{b.get_target_kind_display()} {b.target}", b.requested_at.date().isoformat()])
    for b in agenda.blocks_due:
        rows.append(["block due review", f"block {b.pk}", str(b.case.caller), f"{b.get_target_kind_display()} {b.target}", b.review_on.isoformat()])
    return rows


@permission_required("meetings.view")
def agenda_view(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "daily")
    kind = kind if kind in ("daily", "monthly") else "daily"
    fmt = request.GET.get("format", "html")
    agenda = services.agenda(kind)
    ctx = {"agenda": agenda, "kind": kind}
    if fmt == "csv":
        audit.record(request, "export", "export", f"agenda-{kind}-csv", f"{kind} performance meeting")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="engage-{kind}-agenda-{agenda.on}.csv"'
        writer = csv.writer(response)
        writer.writerow(["section", "reference", "subject", "detail", "date"])
        writer.writerows(agenda_rows(agenda))
        return response
    if fmt == "pdf":
        from engage.impact.pdf import html_to_pdf

        audit.record(request, "export", "export", f"agenda-{kind}-pdf", f"{kind} performance meeting")
        html = render_to_string("web/agenda_print.html", ctx, request=request)
        pdf, _ = html_to_pdf(html, base_url=request.build_absolute_uri("/"))
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="engage-{kind}-agenda-{agenda.on}.pdf"'
        return response
    audit.record(request, "view", "contact_list", f"agenda-{kind}", f"{kind} performance meeting")
    return render(request, "web/meetings.html", ctx)

"""Impact pages: before/after, repeat callers' share, DiD, the monthly report (HTML/PDF), what-if."""
from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from engage.accounts.audit import record
from engage.impact.measures import LIMITS, did_estimate, intervened_before_after, repeat_share_by_month
from engage.impact.report import _from_first_data, monthly_report, render_pdf
from engage.service.levels import latest_month, months_back
from engage.service.views import _next_month, chosen_month
from engage.accounts.permissions import permission_required


@permission_required("impact.view")
def overview(request: HttpRequest) -> HttpResponse:
    from engage.impact.cache import cached, data_version

    month = chosen_month(request)
    version = data_version()
    ba = cached("before_after", intervened_before_after, version)
    record(request, "view", "contact_list", "", "impact: intervened callers before/after")
    return render(request, "impact/overview.html", {
        "month": month, "before_after": ba,
        "share": _from_first_data(cached(f"share:{month}", lambda: repeat_share_by_month(month), version),
                                  lambda r: r["contacts"]) if month else [],
        "did": cached("did", did_estimate, version), "limits": LIMITS,
    })


def _report(request: HttpRequest) -> dict:
    month = chosen_month(request)
    if not month:
        raise Http404("no contacts imported yet")
    return monthly_report(month)


@permission_required("impact.view")
def report_page(request: HttpRequest) -> HttpResponse:
    report = _report(request)
    month = report["data"]["month"]
    return render(request, "impact/report_page.html", {**report, "previous": months_back(month, 2)[0], "next": _next_month(month)})


@permission_required("impact.view")
def report_pdf(request: HttpRequest) -> HttpResponse:
    from engage.impact.cache import cached_pdf

    month = chosen_month(request)
    if not month:
        raise Http404("no contacts imported yet")
    body = cached_pdf(month, lambda version: pdf_bytes(monthly_report(month, version)))
    record(request, "export", "report", month, "monthly performance report PDF")
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="engage-report-{month}.pdf"'
    return response


def pdf_bytes(report: dict) -> bytes:
    return render_pdf(report)


@permission_required("impact.view")
def whatif_page(request: HttpRequest) -> HttpResponse:
    from engage.impact.demand import whatif

    try:
        reduce = max(0.0, min(100.0, float(request.GET.get("reduce", "50"))))
        days = max(1, min(28, int(request.GET.get("days", "7"))))
    except ValueError:
        raise Http404("reduce and days must be numbers") from None
    result = None
    if latest_month():
        try:
            result = whatif(reduce_repeat=reduce, days=days)
        except ValueError:
            result = None
    return render(request, "impact/whatif.html", {"result": result, "reduce": reduce, "days": days})

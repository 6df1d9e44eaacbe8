"""The monthly performance report: one dictionary of figures, rendered as HTML and PDF."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from django.db.models import Count
from django.template.loader import render_to_string

from engage.config import section
from engage.impact import svg
from engage.impact.measures import LIMITS, did_estimate, intervened_before_after, repeat_share_by_month
from engage.service.aggregate import local_day_bounds, month_bounds
from engage.service.callbacks import monthly_figures
from engage.service.levels import service_report
from engage.service.online import recorded_within


def repeat_callers_found(month: str) -> dict:
    """Episodes whose rule was crossed in the month (last contact in it), by rule and status."""
    from engage.detection.models import Episode

    start, end = local_day_bounds(*month_bounds(month))
    eps = Episode.objects.filter(last_contact_at__gte=start, last_contact_at__lt=end)
    callers = eps.filter(subject=Episode.Subject.CALLER)
    earlier = set(
        Episode.objects.filter(subject=Episode.Subject.CALLER, last_contact_at__lt=start).values_list("caller_id", flat=True)
    )
    ids = set(callers.values_list("caller_id", flat=True))
    return {
        "episodes": eps.count(),
        "caller_episodes": callers.count(),
        "location_episodes": eps.filter(subject=Episode.Subject.LOCATION).count(),
        "callers": len(ids),
        "new_callers": len(ids - earlier),
        "by_rule": dict(Counter(callers.values_list("rule", flat=True))),
        "by_status": dict(Counter(eps.values_list("status", flat=True))),
    }


def cases_summary(month: str) -> dict:
    from engage.cases.models import Case, CallBlock, Referral

    start, end = local_day_bounds(*month_bounds(month))
    by_status = dict(Case.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    blocks = dict(CallBlock.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {
        "by_status": {label: by_status.get(value, 0) for value, label in Case.Status.choices},
        "opened": Case.objects.filter(opened_at__gte=start, opened_at__lt=end).count(),
        "closed": Case.objects.filter(closed_at__gte=start, closed_at__lt=end).count(),
        "referrals": Referral.objects.filter(at__gte=start, at__lt=end).count(),
        "blocks": {label: blocks.get(value, 0) for value, label in CallBlock.Status.choices},
        "blocks_requested": CallBlock.objects.filter(requested_at__gte=start, requested_at__lt=end).count(),
        "blocks_decided": CallBlock.objects.filter(decided_at__gte=start, decided_at__lt=end).count(),
    }


def monthly_report(month: str, version: str | None = None) -> dict:
    """The report's figures and charts; `version` if the caller has just read the data version."""
    from engage.service.aggregate import one_report

    with one_report():
        return _monthly_report(month, version)


def _monthly_report(month: str, version: str | None) -> dict:
    service = service_report(month)
    service["online_reports"] = recorded_within(month)
    service["callbacks"] = monthly_figures(month)
    from engage.impact.cache import cached, data_version

    version = version or data_version()
    ba = cached("before_after", intervened_before_after, version)
    data = {
        "month": month,
        "force": section("force").get("name", ""),
        "service": service,
        "repeat_callers": repeat_callers_found(month),
        "cases": cases_summary(month),
        "impact": {
            "before_after": {w: {k: v for k, v in d.items() if k != "rows"} for w, d in ba.items()},
            "share_by_month": cached(f"share:{month}", lambda: repeat_share_by_month(month), version),
            "did": cached("did", did_estimate, version),
            "limits": LIMITS,
        },
    }
    # Months before the data begins say nothing: leave them out of the trend tables.
    data["service"]["volumes"] = _from_first_data(data["service"]["volumes"], lambda r: sum(v for k, v in r.items() if k != "month"))
    data["impact"]["share_by_month"] = _from_first_data(data["impact"]["share_by_month"], lambda r: r["contacts"])
    return {"data": data, "charts": charts(data)}


def _from_first_data(rows: list[dict], size) -> list[dict]:
    for i, row in enumerate(rows):
        if size(row):
            return rows[i:]
    return rows[-1:]


def charts(data: dict) -> dict[str, str]:
    s = data["service"]
    out = {}
    for line in ("999", "101"):
        t = s["targets"][line]
        by_day = s["lines"][line]["by_day"]
        out[f"sl_day_{line}"] = svg.bars(
            [d[8:] for d in by_day], [None if v["service_level"] is None else 100 * v["service_level"] for v in by_day.values()],
            f"{line}: % answered within {t['seconds']} s, by day", unit="%", target=100 * t["share"], ymax=100,
            target_label=f"target {100 * t['share']:.0f}%",
        )
        by_month = s["lines"][line]["by_month"]
        out[f"sl_month_{line}"] = svg.bars(
            [m[2:] for m in by_month], [None if v["service_level"] is None else 100 * v["service_level"] for v in by_month.values()],
            f"{line}: % answered within {t['seconds']} s, by month", unit="%", target=100 * t["share"], ymax=100,
            target_label=f"target {100 * t['share']:.0f}%",
        )
    share = data["impact"]["share_by_month"]
    out["repeat_share"] = svg.lines(
        [r["month"][2:] for r in share],
        {"% of contacts": [None if r["contact_share"] is None else 100 * r["contact_share"] for r in share],
         "% of handler hours": [None if r["hours_share"] is None else 100 * r["hours_share"] for r in share]},
        "Repeat callers' share of demand, by month", unit="%",
    )
    vols = s["volumes"]
    out["volumes"] = svg.lines(
        [r["month"][2:] for r in vols], {k: [r[k] for r in vols] for k in ("Calls to 999", "Calls to 101", "Web chats")},
        "Contacts by month",
    )
    return {k: svg.data_uri(v) for k, v in out.items()}


def render_html(report: dict, standalone: bool = False) -> str:
    return render_to_string("impact/monthly_report.html", {**report, "standalone": standalone})


def render_pdf(report: dict) -> bytes:
    """The report as PDF bytes (WeasyPrint, loaded on first use: engage.impact.pdf)."""
    from engage.impact.pdf import html_to_pdf

    body, _ = html_to_pdf(render_html(report, standalone=True), base_url=str(Path.cwd()))
    return body

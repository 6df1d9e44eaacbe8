"""Service pages: service levels, monthly volumes (CSV), the abandoned-999 callback worklist."""
from __future__ import annotations

import csv
import re

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from engage.accounts.audit import record
from engage.accounts.permissions import permission_required
from engage.service import callbacks, charts
from engage.service.levels import monthly_volumes, months_back, service_report, latest_month
from engage.service.models import CallbackTask
from engage.service.online import recorded_within

PAGE_SIZE = 100  # the worklist shows the most urgent first; the rest wait their turn
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def chosen_month(request: HttpRequest) -> str:
    month = request.GET.get("month") or latest_month()
    if month is None:
        return ""
    if not MONTH_RE.match(month):
        raise Http404("month must be YYYY-MM")
    return month


@permission_required("service.view")
def levels(request: HttpRequest) -> HttpResponse:
    month = chosen_month(request)
    context = {"month": month}
    if month:
        report = service_report(month)
        charts_html = {}
        for line, data in report["lines"].items():
            t = report["targets"][line]
            label = f"{line}: answered within {t['seconds']} s"
            charts_html[line] = [
                charts.service_level_chart(data["by_month"], t["share"], f"{label}, by month", f"sl-month-{line}", kind="line"),
                charts.service_level_chart({d[8:]: v for d, v in data["by_day"].items()}, t["share"], f"{label}, by day of {month}", f"sl-day-{line}"),
                charts.service_level_chart(data["by_hour"], t["share"], f"{label}, by hour of day", f"sl-hour-{line}"),
                charts.service_level_chart(data["by_dow"], t["share"], f"{label}, by day of week", f"sl-dow-{line}"),
                charts.wait_chart(data["by_hour"], t["seconds"], f"{line}: waits by hour of day", f"wait-hour-{line}"),
            ]
        context.update(
            report=report, charts=charts_html, online=recorded_within(month), callbacks=callbacks.monthly_figures(month),
            previous=months_back(month, 2)[0], next=_next_month(month),
        )
    return render(request, "service/levels.html", context)


def _next_month(month: str) -> str:
    year, mon = (int(x) for x in month.split("-"))
    return f"{year + (mon == 12):04d}-{mon % 12 + 1:02d}"


@permission_required("service.view")
def volumes_csv(request: HttpRequest) -> HttpResponse:
    month = chosen_month(request)
    months = int(request.GET.get("months", "12")) if request.GET.get("months", "12").isdigit() else 12
    rows = monthly_volumes(months_back(month, months)[0], month) if month else []
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="volumes-{month or "none"}.csv"'
    write_volumes_csv(response, rows)
    return response


def write_volumes_csv(out, rows: list[dict]) -> None:
    from engage.service.levels import VOLUME_COLUMNS

    writer = csv.writer(out)
    writer.writerow(["month"] + [label for _, label in VOLUME_COLUMNS])
    for row in rows:
        writer.writerow([row["month"]] + [row[label] for _, label in VOLUME_COLUMNS])


@permission_required("service.callbacks")
def callback_list(request: HttpRequest) -> HttpResponse:
    show_closed = request.GET.get("closed") == "1"
    queue = callbacks.worklist(include_closed=show_closed)
    tasks = list(queue[:PAGE_SIZE])
    total = queue.count() if len(tasks) == PAGE_SIZE else len(tasks)
    record(request, "view", "callback_worklist", "", "abandoned 999 callbacks")
    month = latest_month()
    return render(
        request,
        "service/callbacks.html",
        {
            "tasks": tasks,
            "total": total,
            "show_closed": show_closed,
            "outcomes": [c for c in CallbackTask.Outcome.choices if c[0]],
            "target_minutes": callbacks.callback_target().total_seconds() / 60,
            "figures": callbacks.monthly_figures(month) if month else None,
            "now": timezone.now(),
        },
    )


@require_POST
@permission_required("service.callbacks")
def callback_start(request: HttpRequest, task_id: int) -> HttpResponse:
    task = get_object_or_404(CallbackTask, pk=task_id)
    callbacks.start(task, request.user)
    record(request, "change", "callback_task", task.pk, "callback started")
    return redirect("service:callbacks")


@require_POST
@permission_required("service.callbacks")
def callback_outcome(request: HttpRequest, task_id: int) -> HttpResponse:
    task = get_object_or_404(CallbackTask, pk=task_id)
    outcome = request.POST.get("outcome", "")
    try:
        callbacks.record_outcome(
            task, request.user, outcome, note=request.POST.get("note", "")[:2000],
            incident_number=request.POST.get("incident_number", "")[:64],
        )
    except ValueError as exc:
        messages.error(request, f"Callback {task.pk}: {exc}")
        return redirect("service:callbacks")
    record(request, "change", "callback_task", task.pk, f"callback outcome: {outcome}")
    messages.success(request, f"Callback {task.pk}: {task.get_outcome_display()}")
    return redirect("service:callbacks")


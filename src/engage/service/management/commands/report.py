"""`engage report service|monthly --month YYYY-MM`: the service report or the monthly performance report."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class Command(BaseCommand):
    # A data command: the system checks would load every app's URLs and API (about 0.5 s
    # of each run) and concern none of it (`engage check` runs them).
    requires_system_checks = []
    help = (
        "Reports. `engage report service --month 2025-03 [--json|--csv]`: service levels (999 within 10 s, "
        "101 within 30 s), waits, abandoned rate, monthly volumes, online reports recorded within 24 h, "
        "abandoned-999 callbacks. `engage report monthly --month 2025-03 [--pdf out.pdf] [--html out.html] "
        "[--json]`: the monthly performance report. Without --month, the latest month with contacts."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", choices=["service", "monthly"], help="which report")
        parser.add_argument("--month", help="YYYY-MM (local calendar month); default: the latest with contacts")
        out = parser.add_mutually_exclusive_group()
        out.add_argument("--json", action="store_true", help="print the figures as JSON")
        out.add_argument("--csv", action="store_true", help="service: print the monthly volumes table as CSV")
        parser.add_argument("--pdf", metavar="FILE", help="monthly: write the report as PDF")
        parser.add_argument("--html", metavar="FILE", help="monthly: write the report as a standalone HTML file")
        parser.add_argument("--rebuild", action="store_true", help="recompute the service aggregate from all contacts first")

    def handle(self, *args, **opts) -> None:
        from engage.service.aggregate import rebuild_all
        from engage.service.levels import latest_month

        month = opts["month"] or latest_month()
        if month is None:
            raise CommandError("no contacts imported yet: nothing to report (run `engage import` first)")
        if not MONTH_RE.match(month):
            raise CommandError(f"--month: {month!r} is not YYYY-MM")
        if opts["rebuild"]:
            rebuild_all()
        if opts["kind"] == "service":
            if opts["pdf"] or opts["html"]:
                raise CommandError("--pdf/--html belong to `engage report monthly`")
            self.service(month, opts)
        else:
            if opts["csv"]:
                raise CommandError("--csv belongs to `engage report service`")
            self.monthly(month, opts)

    def service(self, month: str, opts: dict) -> None:
        from engage.service.callbacks import monthly_figures
        from engage.service.levels import service_report
        from engage.service.online import recorded_within
        from engage.service.views import write_volumes_csv

        report = service_report(month)
        if opts["csv"]:
            write_volumes_csv(sys.stdout, report["volumes"])
            return
        report["online_reports"] = recorded_within(month)
        report["callbacks"] = monthly_figures(month)
        if opts["json"]:
            self.stdout.write(json.dumps(report, indent=2, default=str))
            return
        print_service(report, self.stdout)

    def monthly(self, month: str, opts: dict) -> None:
        from engage.impact.cache import cached_pdf
        from engage.impact.report import monthly_report, render_html
        from engage.impact.views import pdf_bytes

        if opts["pdf"]:
            path = Path(opts["pdf"])
            if not path.parent.exists():
                raise CommandError(f"--pdf: folder {path.parent} does not exist")
            body = cached_pdf(month, lambda version: pdf_bytes(monthly_report(month, version)))
            path.write_bytes(body)
            self.stderr.write(f"wrote {path} ({len(body):,} bytes)")
            if not opts["html"] and not opts["json"]:
                return
        report = monthly_report(month)
        if opts["html"]:
            Path(opts["html"]).write_text(render_html(report, standalone=True))
            self.stderr.write(f"wrote {opts['html']}")
        if opts["json"]:
            self.stdout.write(json.dumps(report["data"], indent=2, default=str))
        elif not opts["pdf"] and not opts["html"]:
            print_service(report["data"]["service"], self.stdout)


def _pct(v) -> str:
    return "–" if v is None else f"{100 * v:.1f}%"


def _s(v) -> str:
    return "–" if v is None else f"{v:.1f}"


def print_service(report: dict, out=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out)
    table = Table(title=f"Service levels {report['month']} (Europe/London)")
    for col in ("Line", "Target", "Service level", "Offered", "Answered", "Abandoned", "Abandoned %", "Mean s", "Median s", "P90 s"):
        table.add_column(col, justify="right")
    for line, data in report["lines"].items():
        t, o = report["targets"][line], data["overall"]
        table.add_row(line, f"{100 * t['share']:.0f}% in {t['seconds']} s", _pct(o["service_level"]), str(o["offered"]),
                      str(o["answered"]), str(o["abandoned"]), _pct(o["abandoned_rate"]), _s(o["mean_wait"]),
                      _s(o["median_wait"]), _s(o["p90_wait"]))
    console.print(table)
    vol = Table(title="Monthly volumes")
    for col in report["volumes"][0].keys():
        vol.add_column(col, justify="right")
    for row in report["volumes"]:
        vol.add_row(*[str(v) for v in row.values()])
    console.print(vol)
    if "online_reports" in report:
        o = report["online_reports"]
        console.print(f"Online reports recorded within {o['hours']:.0f} h: {_pct(o['share'])} of {o['reports']}")
    if "callbacks" in report:
        c = report["callbacks"]
        console.print(
            f"Abandoned 999 calls: {c['abandoned_999']}; called back within {c['target_minutes']:.0f} min: "
            f"{_pct(c['within_target_share'])}; handler minutes {c['handler_minutes']:.0f}"
        )

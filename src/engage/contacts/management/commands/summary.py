"""`engage summary`: contacts by channel and month, quarantine, import runs and time."""
from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from engage.contacts.management.console import console as Console
from rich.table import Table

from engage import config
from engage.contacts.models import Channel, Contact, ImportRun, QuarantinedRow


def summary() -> dict:
    """The figures `engage summary` shows (months are calendar months in the force's zone)."""
    zone = ZoneInfo(config.section("force").get("timezone", "Europe/London"))
    by_month: dict[str, dict[str, int]] = {}
    rows = (Contact.objects.annotate(month=TruncMonth("arrived_at", tzinfo=zone))
            .values("month", "channel").annotate(n=Count("id")).order_by("month"))
    for row in rows:
        month = row["month"].strftime("%Y-%m")
        by_month.setdefault(month, {})[row["channel"]] = row["n"]
    runs = ImportRun.objects.all()
    totals = runs.aggregate(read=Sum("rows_read"), imported=Sum("rows_imported"), duplicate=Sum("rows_duplicate"),
                            quarantined=Sum("rows_quarantined"), skipped=Sum("rows_skipped"))
    seconds = sum((r.ended_at - r.started_at).total_seconds() for r in runs.exclude(ended_at=None).only("started_at", "ended_at"))
    return {
        "contacts": Contact.objects.count(),
        "by_month": by_month,
        "by_channel": {r["channel"]: r["n"] for r in Contact.objects.values("channel").annotate(n=Count("id"))},
        "quarantined_rows": QuarantinedRow.objects.count(),
        "quarantined_by_reason": {
            r["reason"]: r["n"] for r in QuarantinedRow.objects.values("reason").annotate(n=Count("id")).order_by("-n")[:10]
        },
        "import_runs": runs.count(),
        "import_runs_by_status": {r["status"]: r["n"] for r in runs.values("status").annotate(n=Count("id"))},
        "rows": {k: v or 0 for k, v in totals.items()},
        "import_seconds": round(seconds, 2),
    }


class Command(BaseCommand):
    requires_system_checks = []  # a data command: other apps' URL/template checks do not concern it
    help = "Summary of the contact store: contacts by channel and month, quarantined rows, import runs and time."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print as JSON")

    def handle(self, *args, **opts):
        data = summary()
        if opts["json"]:
            self.stdout.write(json.dumps(data, indent=2))
            return
        console = Console()
        channels = [c for c in Channel.values if c in data["by_channel"]]
        table = Table(title=f"Contacts by channel and month ({data['contacts']:,} contacts)")
        table.add_column("month")
        for c in channels:
            table.add_column(c, justify="right")
        table.add_column("total", justify="right", style="bold")
        for month, counts in data["by_month"].items():
            table.add_row(month, *(f"{counts.get(c, 0):,}" for c in channels), f"{sum(counts.values()):,}")
        table.add_row("all", *(f"{data['by_channel'].get(c, 0):,}" for c in channels), f"{data['contacts']:,}", style="bold")
        console.print(table)
        rows = data["rows"]
        runs = Table(title="Imports")
        for col in ("runs", "rows read", "imported", "duplicate", "quarantined", "skipped", "import time"):
            runs.add_column(col, justify="right")
        runs.add_row(f"{data['import_runs']:,}", f"{rows['read']:,}", f"{rows['imported']:,}", f"{rows['duplicate']:,}",
                     f"{rows['quarantined']:,}", f"{rows['skipped']:,}", f"{data['import_seconds']:.1f} s")
        console.print(runs)
        if data["quarantined_by_reason"]:
            q = Table(title=f"Quarantined rows ({data['quarantined_rows']:,}; `engage quarantine` lists them)")
            q.add_column("reason")
            q.add_column("rows", justify="right")
            for reason, n in data["quarantined_by_reason"].items():
                q.add_row(reason, f"{n:,}")
            console.print(q)

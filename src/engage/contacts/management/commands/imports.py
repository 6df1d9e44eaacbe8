"""`engage imports`: the import runs, newest first."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand
from engage.contacts.management.console import console as Console
from rich.table import Table

from engage.contacts.models import ImportRun

FIELDS = ["id", "source", "file_name", "status", "started_at", "ended_at", "rows_read", "rows_imported",
          "rows_duplicate", "rows_quarantined", "rows_skipped", "file_hash", "column_map", "message"]


class Command(BaseCommand):
    requires_system_checks = []  # a data command: other apps' URL/template checks do not concern it
    help = "List import runs (file, hash, counts, start, end, status), newest first."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=50, help="how many runs to show (default 50)")
        parser.add_argument("--json", action="store_true", help="print as JSON")

    def handle(self, *args, **opts):
        runs = list(ImportRun.objects.order_by("-started_at", "-id").values(*FIELDS)[: opts["limit"]])
        if opts["json"]:
            self.stdout.write(json.dumps(runs, indent=2, default=str))
            return
        table = Table(title="Import runs")
        for col in ("run", "source", "file", "status", "started (UTC)", "seconds", "read", "imported", "dup", "quar", "skip", "hash"):
            table.add_column(col)
        for r in runs:
            secs = (r["ended_at"] - r["started_at"]).total_seconds() if r["ended_at"] else None
            table.add_row(
                str(r["id"]), r["source"], r["file_name"][-50:], r["status"], r["started_at"].strftime("%Y-%m-%d %H:%M:%S"),
                "" if secs is None else f"{secs:.1f}", f"{r['rows_read']:,}", f"{r['rows_imported']:,}",
                f"{r['rows_duplicate']:,}", f"{r['rows_quarantined']:,}", f"{r['rows_skipped']:,}", r["file_hash"][:12],
            )
        Console().print(table)

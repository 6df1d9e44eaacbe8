"""`engage quarantine [--run ID] [--csv OUT]`: rows that could not be imported, and why."""
from __future__ import annotations

import csv
import json

from django.core.management.base import BaseCommand, CommandError
from engage.contacts.management.console import console as Console
from rich.table import Table

from engage.contacts.models import ImportRun, QuarantinedRow

FIELDS = ["run_id", "source", "file_name", "line_number", "field", "reason", "raw"]


class Command(BaseCommand):
    requires_system_checks = []  # a data command: other apps' URL/template checks do not concern it
    help = "List quarantined rows (file, line, field, reason), or export them with --csv OUT."

    def add_arguments(self, parser):
        parser.add_argument("--run", type=int, help="only rows of this import run (see `engage imports`)")
        parser.add_argument("--csv", metavar="OUT", help="write all matching rows to this CSV file")
        parser.add_argument("--limit", type=int, default=100, help="rows to show on screen (default 100)")
        parser.add_argument("--json", action="store_true", help="print as JSON")

    def handle(self, *args, **opts):
        rows = QuarantinedRow.objects.order_by("run_id", "file_name", "line_number", "field")
        if opts["run"] is not None:
            if not ImportRun.objects.filter(pk=opts["run"]).exists():
                raise CommandError(f"no import run {opts['run']} (see `engage imports`)")
            rows = rows.filter(run_id=opts["run"])
        if opts["csv"]:
            try:
                with open(opts["csv"], "w", newline="", encoding="utf-8") as f:
                    writer = csv.writer(f)
                    writer.writerow(FIELDS)
                    n = 0
                    for row in rows.values_list(*FIELDS).iterator(chunk_size=5000):
                        writer.writerow(row)
                        n += 1
            except OSError as exc:
                raise CommandError(f"{opts['csv']}: cannot write: {exc.strerror}") from None
            self.stdout.write(f"{n} quarantined rows written to {opts['csv']}")
            return
        shown = list(rows.values(*FIELDS)[: opts["limit"]])
        if opts["json"]:
            self.stdout.write(json.dumps(shown, indent=2))
            return
        total = rows.count()
        table = Table(title=f"Quarantined rows ({total:,}{'' if total <= len(shown) else f', first {len(shown)}'})")
        for col in ("run", "file", "line", "field", "reason"):
            table.add_column(col)
        for r in shown:
            table.add_row(str(r["run_id"]), r["file_name"][-40:], str(r["line_number"]), r["field"], r["reason"])
        Console().print(table)

"""`engage callers --repeat`: current repeat callers with counts and rule hits."""
from __future__ import annotations

from django.core.management.base import BaseCommand
from rich.console import Console
from rich.table import Table

from engage.detection.reports import default_since, repeat_callers

from ._common import local, parse_when, to_csv, to_json


class Command(BaseCommand):
    help = ("List repeat callers: callers with a detection episode still running on or after --since "
            "(default: [detection] current_days before the latest contact), with their contacts since "
            "then, episodes per rule and the suggested triage class.")

    def add_arguments(self, parser):
        parser.add_argument("--repeat", action="store_true", help="repeat callers (the only listing so far; implied)")
        parser.add_argument("--since", metavar="DATE", help="YYYY-MM-DD or YYYY-MM-DDTHH:MM (local time)")
        fmt = parser.add_mutually_exclusive_group()
        fmt.add_argument("--json", action="store_true", help="print JSON")
        fmt.add_argument("--csv", action="store_true", help="print CSV")
        parser.add_argument("--no-suggest", action="store_true", help="skip the triage suggestion (faster)")

    def handle(self, *args, repeat=False, since=None, json=False, csv=False, no_suggest=False, **options):
        since_at = parse_when(since, "--since") or default_since()
        rows = repeat_callers(since_at, suggest=not no_suggest) if since_at else []
        if json:
            self.stdout.write(to_json({"since": since_at, "callers": rows}))
            return
        if csv:
            self.stdout.write(to_csv(rows), ending="")
            return
        table = Table(title=f"Repeat callers since {since_at:%Y-%m-%d %H:%M}" if since_at else "Repeat callers (no contacts)")
        for col in ("caller", "name", "number", "area", "contacts since", "total", "rule hits", "last contact", "suggested"):
            table.add_column(col, justify="right" if col in ("caller", "contacts since", "total") else "left")
        for r in rows:
            hits = ", ".join(f"{k} x{v}" for k, v in r["rule_hits"].items())
            table.add_row(str(r["caller_id"]), r["name"], r["number"], r["area"], str(r["contacts_since"]),
                          str(r["contacts_total"]), hits, local(r["last_contact"]), r.get("suggested") or "-")
        console = Console(file=self.stdout, width=150)
        console.print(table)
        console.print(f"{len(rows)} repeat callers")

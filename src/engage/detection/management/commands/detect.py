"""`engage detect [--full]`: evaluate contacts against the detection rules."""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from rich.console import Console
from rich.table import Table

from engage.detection.models import Episode
from engage.detection.rules import RuleError, load_rules

from ._common import to_json


class Command(BaseCommand):
    help = ("Evaluate contacts against the detection rules ([[detection.rules]], docs/rules.md) and "
            "update episodes. By default only contacts not yet evaluated (imported with --defer, or "
            "whose caller or place changed since); --full recomputes every episode from every "
            "contact with DuckDB, keeping episode ids and review status where they still overlap.")

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="recompute everything (batch, DuckDB)")
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args, full=False, json=False, **options):
        try:
            rules = load_rules()
        except RuleError as exc:
            raise CommandError(f"configuration: {exc}") from None
        started = time.perf_counter()
        if full:
            from engage.detection.batch import run_full

            stats = run_full(rules)
        else:
            from engage.detection.incremental import pending_contact_ids, process

            stats = {"contacts": process(pending_contact_ids())}
        stats["seconds"] = round(time.perf_counter() - started, 2)
        per_rule = {r["rule"]: r for r in Episode.objects.values("rule").annotate(n=Count("id")).order_by("rule")}
        new = dict(Episode.objects.filter(status=Episode.Status.NEW).values_list("rule").annotate(n=Count("id")))
        stats["episodes"] = {rule: {"episodes": row["n"], "new": new.get(rule, 0)} for rule, row in per_rule.items()}
        if json:
            self.stdout.write(to_json(stats))
            return
        console = Console(file=self.stdout, width=110)
        mode = "full recomputation" if full else "catch-up"
        console.print(f"Detection ({mode}): {stats['contacts']} contacts evaluated in {stats['seconds']} s")
        table = Table(title="Episodes by rule")
        for col in ("rule", "subject", "definition", "episodes", "new"):
            table.add_column(col, justify="right" if col in ("episodes", "new") else "left")
        for rule in rules:
            row = stats["episodes"].get(rule.name, {"episodes": 0, "new": 0})
            table.add_row(rule.name, rule.subject, rule.describe(), str(row["episodes"]), str(row["new"]))
        console.print(table)

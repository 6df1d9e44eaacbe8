"""`engage callbacks [--refresh]`: the abandoned-999 callback worklist."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    # A data command: the system checks would load every app's URLs and API (about 0.5 s
    # of each run) and concern none of it (`engage check` runs them).
    requires_system_checks = []
    help = (
        "List the abandoned-999 callback worklist (highest risk, then oldest, first). --refresh creates a task "
        "for every abandoned 999 call that has none (idempotent) and re-scores open tasks."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--refresh", action="store_true", help="create missing tasks and re-score open ones")
        parser.add_argument("--all", action="store_true", help="include closed tasks")
        parser.add_argument("--limit", type=int, default=50, help="rows to show (default 50)")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **opts) -> None:
        from engage.service.callbacks import create_tasks, reassess_open, worklist

        if opts["refresh"]:
            created = create_tasks()
            rescored = reassess_open()
            self.stderr.write(f"callbacks: {created} created, {rescored} re-scored")
        tasks = list(worklist(include_closed=opts["all"])[: max(0, opts["limit"])])
        rows = [
            {
                "task": t.pk, "arrived_at": t.contact.arrived_at.isoformat(), "number": t.contact.phone_e164 or t.contact.phone_status,
                "priority": t.priority, "reasons": t.reasons, "status": t.status, "outcome": t.outcome,
            }
            for t in tasks
        ]
        if opts["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        from rich.console import Console
        from rich.table import Table

        table = Table(title="Abandoned 999 callbacks")
        for col in ("Task", "Arrived (UTC)", "Number", "Priority", "Why", "Status"):
            table.add_column(col)
        for r in rows:
            table.add_row(str(r["task"]), r["arrived_at"][:19], r["number"], str(r["priority"]), "; ".join(r["reasons"]), r["status"])
        Console(file=self.stdout).print(table)

"""engage blocks: list call blocks; --expire marks authorised blocks past their date expired."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand
from rich.console import Console
from rich.table import Table

from engage.cases import services
from engage.cases.models import CallBlock


class Command(BaseCommand):
    help = (
        "List call blocks awaiting a decision, in force, and due review. --expire marks authorised "
        "blocks whose review date has passed without renewal as expired (run daily; blocks are also "
        "treated as lapsed on read, so a late run never leaves a block in force)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--expire", action="store_true", help="expire authorised blocks past their date")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **opts) -> None:
        expired = services.expire_blocks() if opts["expire"] else None
        due = {b.pk for b in services.blocks_due_review()}
        blocks = CallBlock.objects.filter(status__in=[CallBlock.Status.REQUESTED, CallBlock.Status.AUTHORISED]).order_by("pk")
        rows = [{"block": b.pk, "case": b.case_id, "kind": b.target_kind, "target": b.target, "status": b.status,
                 "review_on": b.review_on.isoformat() if b.review_on else None, "due_review": b.pk in due} for b in blocks]
        if opts["json"]:
            self.stdout.write(json.dumps({"expired": expired, "blocks": rows}))
            return
        if expired is not None:
            self.stdout.write(f"{expired} block(s) expired.")
        table = Table(title="Call blocks awaiting a decision or in force")
        for col in ("block", "case", "kind", "target", "status", "review_on", "due_review"):
            table.add_column(col)
        for r in rows:
            table.add_row(*[str(v if v is not None else "") for v in r.values()])
        Console(file=self.stdout, width=140).print(table)

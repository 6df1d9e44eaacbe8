"""engage retention: anonymise closed cases and delete old contacts after the configured periods."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand
from rich.console import Console
from rich.table import Table

from engage.cases import retention


class Command(BaseCommand):
    help = (
        "Apply the retention periods in [retention] (closed_case_years, contacts_years): anonymise "
        "closed cases and delete old contacts (and callers left with nothing), reporting counts. "
        "--dry-run reports the same counts and changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count only; change nothing")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **opts) -> None:
        report = retention.run(dry_run=opts["dry_run"])
        if opts["json"]:
            self.stdout.write(json.dumps(report.as_dict()))
            return
        verb = "would be" if report.dry_run else "were"
        table = Table(title="Retention" + (" (dry run: nothing changed)" if report.dry_run else ""))
        table.add_column("what")
        table.add_column("count", justify="right")
        table.add_column("rule")
        table.add_row(f"closed cases {verb} anonymised", str(report.cases_anonymised), f"closed before {report.case_cutoff[:10]}")
        table.add_row(f"contacts {verb} deleted", str(report.contacts_deleted), f"arrived before {report.contact_cutoff[:10]}, no live case")
        table.add_row(f"callers {verb} deleted", str(report.callers_deleted), "no contacts and no cases left")
        Console(file=self.stdout, width=120).print(table)

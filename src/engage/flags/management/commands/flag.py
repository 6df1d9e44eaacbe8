"""engage flag: look a number up as the handler's screen would (audited)."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from engage.flags.audit import record_lookup
from engage.flags.lookup import lookup_number


class Command(BaseCommand):
    help = (
        "Show whether the caller on NUMBER (any common format) is flagged: caller, case, "
        "guidance, risk, active block, contacts in the last 24 hours and 7 days. "
        "Each lookup is written to the audit log with --purpose. docs/flags.md."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("numbers", nargs="+", metavar="NUMBER", help='e.g. "07700 900123" or +447700900123')
        parser.add_argument("--purpose", required=True, help="why you are looking (recorded in the audit log)")
        parser.add_argument("--json", action="store_true", help="print JSON, one object per number")

    def handle(self, *args, numbers: list[str], purpose: str, **opts) -> None:
        if not purpose.strip():
            raise CommandError("--purpose must say why you are looking")
        flags = []
        for number in numbers:
            flag = lookup_number(number)
            record_lookup(None, flag.e164 or number, f"{purpose} (engage flag)", buffered=False)
            flags.append(flag)
        if opts["json"]:
            self.stdout.write(json.dumps([f.as_dict() for f in flags], indent=2))
            return
        table = Table(title="Flags")
        for column in ("number", "flagged", "why", "caller", "case", "risk", "block", "24 h", "7 d", "guidance"):
            table.add_column(column)
        for f in flags:
            table.add_row(
                f.e164 or f"{f.number} ({f.phone_status})",
                "[bold red]FLAGGED[/]" if f.flagged else "no",
                ", ".join(f.reasons),
                str(f.caller_id or "") + (f" shared: {f.shared_number}" if f.shared_number else ""),
                f"{f.case_id} {f.case_status}" if f.case_id else "",
                f.risk_level,
                f"{f.block.target_kind} until {f.block.expires_on or 'review'}" if f.block else "",
                str(f.contacts_24h),
                str(f.contacts_7d),
                f.guidance,
            )
        Console(file=self.stdout, width=160).print(table)

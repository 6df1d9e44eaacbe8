"""`engage synth`: write a synthetic force's source files with ground truth."""
from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.table import Table

from engage.synth.force import DEFAULT_START, generate


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--start: '{text}' is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = ("Generate a synthetic force: cc.csv, calls.csv, acd.csv, digital.csv in the canonical "
            "formats (docs/formats.md), truth.csv (the person behind every source row) and people.csv. "
            "Volumes follow Cambridgeshire's published figures (docs/synth.md). "
            "The same seed gives byte-identical files.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=90, help="days to generate (default 90)")
        parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
        parser.add_argument("--out", required=True, help="directory to write the files into")
        parser.add_argument("--start", type=_date, default=DEFAULT_START,
                            help=f"first day, YYYY-MM-DD (default {DEFAULT_START.isoformat()})")
        parser.add_argument("--scale", type=float, default=1.0,
                            help="multiply volumes and populations (default 1.0 = a mid-sized force, "
                                 "~175k contacts in 90 days; 5.8 gives ~1 million)")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args, **opts) -> None:
        if opts["days"] < 1:
            raise CommandError("--days must be at least 1")
        if opts["seed"] < 0:
            raise CommandError("--seed must be 0 or more")
        if not opts["scale"] > 0:
            raise CommandError("--scale must be greater than 0")
        try:
            summary = generate(opts["out"], opts["days"], opts["seed"], start=opts["start"], scale=opts["scale"])
        except OSError as exc:
            raise CommandError(f"--out {opts['out']}: {exc.strerror or exc}") from None
        if opts["json"]:
            self.stdout.write(json.dumps(summary, indent=2))
            return
        self._print(summary)

    def _print(self, s: dict) -> None:
        console = Console(file=self.stdout, width=100)
        console.print(f"[bold]Synthetic force[/bold] {s['start']} to {s['end']} ({s['days']} days), "
                      f"seed {s['seed']}, scale {s['scale']:g}: {s['contacts']:,} contacts "
                      f"in {s['seconds']:.1f} s -> {s['out']}")
        files = Table(title="Rows per file")
        files.add_column("file")
        files.add_column("rows", justify="right")
        for name, n in s["rows"].items():
            files.add_row(f"{name}.csv", f"{n:,}")
        console.print(files)
        channels = Table(title="Contacts by channel")
        channels.add_column("channel")
        channels.add_column("contacts", justify="right")
        channels.add_column("per day", justify="right")
        for name, n in s["contacts_by_channel"].items():
            channels.add_row(name, f"{n:,}", f"{n / s['days']:,.0f}")
        channels.add_row("abandoned 999", f"{s['abandoned_999']:,}", f"{s['abandoned_999'] / s['days']:.1f}")
        console.print(channels)
        repeat = Table(title="Repeat callers (ground truth)")
        repeat.add_column("kind")
        repeat.add_column("people", justify="right")
        repeat.add_column("meet the criterion", justify="right")
        repeat.add_column("intervened in", justify="right")
        for kind, n in s["repeat_callers"].items():
            repeat.add_row(kind, str(n), str(s["repeat_callers_meeting_criterion"][kind]),
                           str(s["repeat_callers_intervened"][kind]))
        repeat.add_row("shared numbers", str(s["shared_numbers"]), "", "")
        console.print(repeat)
        bad = Table(title=f"Malformed rows injected ({s['malformed_total']})")
        bad.add_column("file")
        kinds = ["bad_date", "bad_number", "missing_required", "duplicate_key"]
        for k in kinds:
            bad.add_column(k, justify="right")
        for name, counts in s["malformed"].items():
            bad.add_row(f"{name}.csv", *(str(counts[k]) if k in counts else "-" for k in kinds))
        console.print(bad)

"""`engage synth-cases DIR`: record a synthetic force's true interventions as cases (demo)."""
from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.table import Table

from engage.synth.cases import record_interventions


class Command(BaseCommand):
    help = ("Demo data: for every person in DIR/people.csv with an intervention_date, open a case "
            "for the caller holding most of their imported contacts (via DIR/truth.csv), record the "
            "true triage and the intervention. Run after `engage import` of the synth files. "
            "Safe to run twice.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", help="the --out directory of `engage synth`")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args, **opts) -> None:
        folder = Path(opts["folder"])
        for name in ("people.csv", "truth.csv"):
            if not (folder / name).is_file():
                raise CommandError(f"{folder / name}: no such file (run `engage synth --out {folder}` first)")
        try:
            summary = record_interventions(folder)
        except (KeyError, ValueError) as exc:
            raise CommandError(f"{folder}: not a synth output ({exc})") from None
        if opts["json"]:
            self.stdout.write(json.dumps(summary, indent=2))
            return
        table = Table(title="Ground-truth interventions recorded as cases")
        table.add_column("measure")
        table.add_column("value", justify="right")
        for key in ("intervened_people", "cases", "interventions_added", "no_caller"):
            table.add_row(key.replace("_", " "), str(summary[key]))
        for kind, n in summary["by_kind"].items():
            table.add_row(f"cases: {kind}", str(n))
        Console(file=self.stdout, width=100).print(table)

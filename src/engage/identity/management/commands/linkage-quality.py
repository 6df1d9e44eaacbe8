"""`engage linkage_quality --truth truth.csv`: pairwise precision/recall/F1 of callers."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from engage.identity.evaluation import linkage_quality


class Command(BaseCommand):
    help = ("Score caller resolution against a ground-truth CSV (columns source, source_key, "
            "person_id, person_kind), e.g. the truth.csv written by `engage synth`: pairwise "
            "precision, recall and F1 over contacts, and the true repeat callers split over "
            "more than one caller.")

    def add_arguments(self, parser):
        parser.add_argument("--truth", required=True, metavar="FILE", help="truth.csv")
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args, truth, json=False, **options):
        try:
            scores = linkage_quality(truth)
        except FileNotFoundError as exc:
            raise CommandError(f"{truth}: no such file") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise CommandError(str(exc)) from exc
        if json:
            self.stdout.write(json_dumps(scores))
            return
        table = Table(title="Linkage quality")
        table.add_column("measure")
        table.add_column("value", justify="right")
        for key, value in scores.items():
            table.add_row(key.replace("_", " "), f"{value:.4f}" if isinstance(value, float) else str(value))
        Console(file=self.stdout, width=100).print(table)


def json_dumps(data: dict) -> str:
    return json.dumps(data, indent=2)

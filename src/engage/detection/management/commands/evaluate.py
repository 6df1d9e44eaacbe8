"""`engage evaluate --truth truth.csv`: linkage quality (identity) and triage agreement."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from engage.detection.evaluation import PREDICTED, triage_quality

from ._common import to_json


class Command(BaseCommand):
    help = ("Score Engage against ground truth (truth.csv from `engage synth`: source, source_key, "
            "person_id, person_kind): caller linkage quality (identity's pairwise precision, recall, "
            "F1 and split repeat callers) and, for every caller detected as a repeat caller, the "
            "triage suggestion against the true kind of the person behind most of its contacts "
            "(accuracy and confusion matrix).")

    def add_arguments(self, parser):
        parser.add_argument("--truth", required=True, metavar="FILE", help="truth.csv")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--callers", action="store_true", help="also list each detected caller (JSON only)")

    def handle(self, *args, truth, json=False, callers=False, **options):
        try:
            linkage = _linkage(truth)
            triage = triage_quality(truth)
        except FileNotFoundError:
            raise CommandError(f"{truth}: no such file") from None
        except (ValueError, UnicodeDecodeError, KeyError) as exc:
            raise CommandError(f"{truth}: {exc}") from None
        if not callers:
            triage.pop("callers")
        if json:
            self.stdout.write(to_json({"linkage": linkage, "triage": triage}))
            return
        console = Console(file=self.stdout, width=110)
        if linkage is not None:
            table = Table(title="Linkage quality (identity)")
            table.add_column("measure")
            table.add_column("value", justify="right")
            for key, value in linkage.items():
                table.add_row(key.replace("_", " "), f"{value:.4f}" if isinstance(value, float) else str(value))
            console.print(table)
        else:
            console.print("Linkage quality: engage.identity.evaluation.linkage_quality is not available")
        console.print(f"Triage: {triage['assessed']} detected repeat callers assessed, accuracy {triage['accuracy']:.1%}; "
                      f"{triage['true_repeat_people_detected']} of {triage['true_repeat_people']} true repeat people detected, "
                      f"{triage['detected_ordinary']} detected callers are ordinary people")
        matrix = Table(title="Triage confusion matrix (rows: truth, columns: suggested)")
        matrix.add_column("truth \\ suggested")
        for p in PREDICTED:
            matrix.add_column(p, justify="right")
        for truth_kind, row in triage["confusion"].items():
            matrix.add_row(truth_kind, *[str(row.get(p, 0)) for p in PREDICTED])
        console.print(matrix)


def _linkage(truth: str) -> dict | None:
    try:
        from engage.identity.evaluation import linkage_quality
    except ImportError:
        return None
    return linkage_quality(truth)

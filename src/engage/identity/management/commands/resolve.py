"""`engage resolve`: resolve contacts into callers (docs/identity.md)."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from engage.identity import resolve


class Command(BaseCommand):
    help = (
        "Resolve contacts into callers. By default only contacts with no caller yet are "
        "resolved (plus those on numbers newly found to be shared); --full rebuilds every "
        "contact's caller, keeping caller ids where a cluster allows. Coordinator overrides "
        "(merge, split, not the same) are honoured in both modes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="rebuild every contact's caller")
        parser.add_argument("--train", metavar="MODEL_JSON",
                            help="estimate the Splink model's m/u values from this data (EM) and save "
                                 "them to MODEL_JSON; set [identity] model_path to use it")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, full=False, train=None, json=False, **options):
        if train:
            return self._train(train, json)
        result = resolve.resolve_full() if full else resolve.resolve_incremental()
        self._print(result.as_dict(), json)

    def _train(self, path: str, as_json: bool) -> None:
        from engage.identity.linkage import train

        records = resolve._rows()
        shared = resolve.shared_numbers()
        clustering_keys = {resolve._signature(r, shared, set()) for r in records if resolve._identifying(r, shared)}
        if len(clustering_keys) < 100:
            raise CommandError(f"too few distinct contacts to train on ({len(clustering_keys)}); import data first")
        frame = resolve._frame(sorted(clustering_keys))
        cfg = resolve.identity_config()
        try:
            train(frame, float(cfg["probability_two_random_records_match"]), path)
        except OSError as exc:
            raise CommandError(f"{path}: cannot write the model ({exc.strerror})") from exc
        self._print({"model": path, "signatures": len(frame)}, as_json)

    def _print(self, data: dict, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(data, indent=2, default=str))
            return
        table = Table(title="Caller resolution")
        table.add_column("measure")
        table.add_column("value", justify="right")
        for key, value in data.items():
            if isinstance(value, dict):
                value = ", ".join(f"{k} {v:.1f}s" for k, v in value.items())
            elif isinstance(value, float):
                value = f"{value:.1f}"
            table.add_row(key.replace("_", " "), str(value))
        Console(file=self.stdout, width=120).print(table)

"""`engage import --source cc [--map MAP.toml] [--defer] FILE...` or `engage import calls=FILE acd=FILE ...`."""
from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console

from engage.contacts.management.console import console as wide_console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TransferSpeedColumn
from rich.table import Table

from engage.contacts.colmap import MapError, load_map
from engage.contacts.formats import SOURCES
from engage.contacts.ingest import IngestError, ingest_files


class Command(BaseCommand):
    requires_system_checks = []  # a data command: other apps' URL/template checks do not concern it
    help = (
        "Import contact exports: cc (C&C incidents), calls (call recording log), acd, digital. "
        "Files in the canonical formats of docs/formats.md load as they are; a force's own export "
        "loads through a column map (--map ourforce.toml, or the name of a shipped map such as 'nopd'). "
        "Re-importing a file adds nothing twice; bad rows go to quarantine (`engage quarantine`). "
        "Without --source, name each file's source: `engage import calls=calls.csv acd=acd.csv` "
        "(one run for all, cheaper for big loads)."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="CSV file(s) to import, or SOURCE=FILE")
        parser.add_argument("--source", choices=SOURCES, help="which source system the files come from")
        parser.add_argument("--map", dest="column_map", metavar="MAP.toml", help="column map for a non-canonical export")
        parser.add_argument("--defer", action="store_true",
                            help="do not notify identity/detection per batch (run `engage resolve`/`engage detect` after)")
        parser.add_argument("--json", action="store_true", help="print the results as JSON")

    def handle(self, *args, **opts):
        console = Console(stderr=True)
        try:
            cmap = load_map(opts["column_map"], opts["source"]) if opts["column_map"] else None
        except MapError as exc:
            raise CommandError(str(exc)) from None
        files = _files(opts["files"], opts["source"])
        if cmap and any(source != cmap.source for _, source in files):
            raise CommandError(f"{cmap.name}: a column map for {cmap.source} cannot read files of another source")
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TransferSpeedColumn(),
                      TimeElapsedColumn(), console=console, transient=True,
                      disable=opts["json"] or not console.is_terminal) as progress:
            tasks: dict[str, int] = {}

            def update(path: str, done: int, total: int) -> None:
                if path not in tasks:
                    tasks[path] = progress.add_task(path, total=None)
                progress.update(tasks[path], completed=done, total=total)

            try:
                results = ingest_files(files, cmap, defer=opts["defer"], progress=update)
            except (IngestError, MapError) as exc:
                raise CommandError(str(exc)) from None
        if opts["json"]:
            self.stdout.write(json.dumps([_as_dict(r) for r in results], indent=2))
            return
        table = Table(title="Import")
        for col in ("run", "file", "source", "read", "imported", "duplicate", "quarantined", "skipped", "seconds", "rows/s"):
            table.add_column(col, justify="right" if col not in ("file", "source") else "left")
        for r in results:  # files of one plan share its time: shown once, in the total row
            seconds, rate = ("", "") if r.one_load else (f"{r.seconds:.1f}", f"{r.read / r.seconds if r.seconds else 0:,.0f}")
            table.add_row(str(r.run_id), Path(r.file_name).name, r.source, f"{r.read:,}", f"{r.imported:,}", f"{r.duplicate:,}",
                          f"{r.quarantined:,}", f"{r.skipped:,}", seconds, rate)
        if len(results) > 1:
            total = lambda name: sum(getattr(r, name) for r in results)  # noqa: E731
            seconds = max(r.seconds for r in results) if all(r.one_load for r in results) else total("seconds")
            table.add_section()
            table.add_row("", "total", "", *(f"{total(n):,}" for n in ("read", "imported", "duplicate", "quarantined", "skipped")),
                          f"{seconds:.1f}", f"{total('read') / seconds if seconds else 0:,.0f}")
        wide_console().print(table)
        if any(r.quarantined for r in results):
            wide_console().print("Quarantined rows: [bold]engage quarantine --run RUN[/bold]")


def _as_dict(r) -> dict:
    return {
        "run_id": r.run_id, "file": r.file_name, "source": r.source, "read": r.read, "imported": r.imported,
        "duplicate": r.duplicate, "quarantined": r.quarantined, "skipped": r.skipped, "seconds": round(r.seconds, 3),
        "one_load": r.one_load,
        "contacts": len(set(r.contact_ids)), "problems": [list(p) for p in r.problems[:1000]],
    }


def _files(args: list[str], source: str | None) -> list[tuple[str, str]]:
    """(path, source) per FILE argument: --source for all, else each written SOURCE=FILE."""
    if source:
        return [(arg, source) for arg in args]
    files = []
    for arg in args:
        name, sep, path = arg.partition("=")
        if not sep or name not in SOURCES:
            raise CommandError(f"{arg}: give --source, or write each file as SOURCE=FILE ({', '.join(SOURCES)})")
        files.append((path, name))
    return files

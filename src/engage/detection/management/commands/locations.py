"""`engage locations`: the places with the most contacts in a window."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from engage import config
from engage.detection.reports import busiest_places

from ._common import local, parse_when, to_csv, to_json


class Command(BaseCommand):
    help = ("List the places with the most contacts (incidents) between --since and --until. A place "
            "is a normalised location or address (engage.detection.places.place_key): one place "
            "written differently, or an intersection written either way round, counts once.")

    def add_arguments(self, parser):
        parser.add_argument("--since", metavar="DATE", help="from this date (local), inclusive")
        parser.add_argument("--until", metavar="DATE", help="to this date (local), exclusive")
        parser.add_argument("--top", type=int, metavar="N", help="how many places (default [detection] location_top)")
        parser.add_argument("--channel", action="append", metavar="CH", help="count only this channel (repeatable)")
        fmt = parser.add_mutually_exclusive_group()
        fmt.add_argument("--json", action="store_true", help="print JSON")
        fmt.add_argument("--csv", action="store_true", help="print CSV")

    def handle(self, *args, since=None, until=None, top=None, channel=None, json=False, csv=False, **options):
        top = top if top is not None else int(config.section("detection").get("location_top", 20))
        if top < 1:
            raise CommandError("--top: must be at least 1")
        since_at, until_at = parse_when(since, "--since"), parse_when(until, "--until")
        if since_at and until_at and until_at <= since_at:
            raise CommandError("--until: must be after --since")
        rows = busiest_places(since_at, until_at, top, channel)
        if json:
            self.stdout.write(to_json({"since": since_at, "until": until_at, "places": rows}))
            return
        if csv:
            self.stdout.write(to_csv(rows), ending="")
            return
        table = Table(title="Places with the most contacts")
        for col in ("#", "place", "contacts", "written as", "episodes", "first", "last"):
            table.add_column(col, justify="right" if col in ("#", "contacts", "episodes") else "left")
        for i, r in enumerate(rows, 1):
            written = "; ".join(r["written_as"]) + (f" (+{r['spellings'] - 3})" if r["spellings"] > 3 else "")
            table.add_row(str(i), r["place_key"], str(r["contacts"]), written, str(r["episodes"]),
                          local(r["first_contact"]), local(r["last_contact"]))
        Console(file=self.stdout, width=160).print(table)

"""`engage profile CALLER`: a caller's profile (Rich), or JSON."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table

from engage.detection.profile import caller_profile
from engage.detection.triage import suggest

from ._common import local, to_json

SHADES = " .:-=+*#%@"


def resolve_caller(text: str) -> int:
    """A caller id, or a phone number (any format) of a caller."""
    from engage.contacts.models import Contact
    from engage.identity.models import Caller
    from engage.identity.phones import normalise

    if text.isdigit() and Caller.objects.filter(pk=int(text)).exists():
        return int(text)
    e164 = normalise(text).e164
    if e164:
        found = Caller.objects.filter(primary_number=e164).values_list("pk", flat=True).first()
        found = found or Contact.objects.filter(phone_e164=e164, caller__isnull=False) \
            .values_list("caller_id", flat=True).order_by("-arrived_at").first()
        if found:
            return found
    raise CommandError(f"CALLER: no caller with id or number {text!r}")


class Command(BaseCommand):
    help = ("Show a caller's profile: contacts by channel, day x hour heatmap (local time), subjects "
            "and grades, weekly trend, abandoned calls, handling time, numbers, names and addresses, "
            "episodes and the triage suggestion. CALLER is a caller id or a phone number.")

    def add_arguments(self, parser):
        parser.add_argument("caller", metavar="CALLER", help="caller id or phone number")
        parser.add_argument("--json", action="store_true", help="print the profile as JSON")

    def handle(self, *args, caller, json=False, **options):
        caller_id = resolve_caller(caller.strip())
        profile = caller_profile(caller_id)
        profile["suggestion"] = suggest(caller_id).as_dict()
        if json:
            self.stdout.write(to_json(profile))
            return
        console = Console(file=self.stdout, width=120)
        c = profile["caller"]
        head = (f"[b]Caller {c['id']}[/b] {c['display_name']}  {c['primary_number']}  {c['postcode']}  area {c['area_code'] or '-'}\n"
                f"{profile['contacts']} contacts, first {local(profile['first_contact'])}, last {local(profile['last_contact'])}; "
                f"abandoned {profile['abandoned']}; handling {profile['handling_seconds']['total'] / 3600:.1f} h "
                f"(queue {profile['handling_seconds']['queue']:.0f} s, talk {profile['handling_seconds']['talk']:.0f} s)")
        console.print(Panel(head, title="Profile"))
        console.print(Group(_counts("Channel", profile["by_channel"]), _ranked("Subjects", profile["subjects"], "subject"),
                            _ranked("Grades", profile["grades"], "grade")))
        console.print(_heatmap(profile["heatmap"]))
        weeks = profile["weekly"][-16:]
        if weeks:
            trend = Table(title="Weekly contacts (last 16 weeks)")
            trend.add_column("week of")
            trend.add_column("contacts", justify="right")
            trend.add_column("")
            top = max(w["contacts"] for w in weeks) or 1
            for w in weeks:
                trend.add_row(w["week"], str(w["contacts"]), "#" * round(30 * w["contacts"] / top))
            console.print(trend)
        for title, key, field in (("Numbers", "numbers", "number"), ("Names", "names", "name"), ("Addresses", "addresses", "address")):
            console.print(_ranked(title, profile[key][:8], field))
        eps = Table(title="Episodes")
        for col in ("rule", "from", "to", "contacts", "status"):
            eps.add_column(col)
        for e in profile["episodes"]:
            eps.add_row(e["rule"], local(e["first_contact"]), local(e["last_contact"]), str(e["contacts"]), e["status"])
        console.print(eps)
        s = profile["suggestion"]
        console.print(Panel("\n".join(s["evidence"]), title=f"Suggested: {s['label']} (a suggestion; the coordinator decides)"))


def _counts(title: str, counts: dict) -> Table:
    table = Table(title=title)
    table.add_column(title.lower())
    table.add_column("contacts", justify="right")
    for k, v in counts.items():
        table.add_row(k, str(v))
    return table


def _ranked(title: str, rows: list[dict], field: str) -> Table:
    table = Table(title=title)
    table.add_column(field)
    table.add_column("contacts", justify="right")
    for r in rows:
        table.add_row(str(r[field]), str(r["contacts"]))
    return table


def _heatmap(heat: dict) -> Table:
    table = Table(title=f"Day x hour ({heat['timezone']})")
    table.add_column("")
    for h in heat["hours"]:
        table.add_column(f"{h:02d}", justify="center", min_width=2)
    top = max(max(row) for row in heat["counts"]) or 1
    for day, row in zip(heat["days"], heat["counts"]):
        table.add_row(day, *[SHADES[min(9, -(-9 * v // top))] if v else "" for v in row])
    return table

"""engage apikey: issue an API key for a machine client (ICCS, C&C, telephony)."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from engage.accounts.models import ApiKey


class Command(BaseCommand):
    help = (
        "Issue an API key named NAME and print it once (only its SHA-256 is stored). "
        "Keys read flags; --push also lets the client POST contacts. --revoke disables a key; "
        "--rotate replaces an existing key (the old one stops working at once); "
        "with no NAME, list the keys."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", nargs="?", help="the client's name, e.g. iccs or storm")
        parser.add_argument("--push", action="store_true", help="allow POST /api/contacts (the live feed)")
        parser.add_argument("--no-flags", action="store_true", help="do not allow GET /api/flags/{number}")
        parser.add_argument("--revoke", action="store_true", help="deactivate the key NAME")
        parser.add_argument("--rotate", action="store_true", help="issue a new key for NAME, replacing its old one")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, name=None, **opts) -> None:
        if not name:
            return self._list(opts["json"])
        if opts["revoke"]:
            if not ApiKey.objects.filter(name=name).update(active=False):
                raise CommandError(f"no API key named {name!r}")
            self.stdout.write(f"API key {name} revoked.")
            return
        permissions = {"can_read_flags": not opts["no_flags"], "can_push_contacts": opts["push"]}
        key_obj = ApiKey.objects.filter(name=name).first()
        if key_obj and not opts["rotate"]:
            raise CommandError(f"an API key named {name!r} exists: --rotate it, revoke it or choose another name")
        if key_obj:
            key = key_obj.rotate(**permissions)
        else:
            key_obj, key = ApiKey.issue(name, **permissions)
        if opts["json"]:
            self.stdout.write(json.dumps({"name": name, "key": key, "push": key_obj.can_push_contacts, "flags": key_obj.can_read_flags}))
            return
        self.stdout.write(f"API key for {name} (shown once, only its hash is kept):\n{key}")

    def _list(self, as_json: bool) -> None:
        rows = [{"name": k.name, "prefix": k.prefix, "flags": k.can_read_flags, "push": k.can_push_contacts,
                 "active": k.active, "created": k.created_at.isoformat()} for k in ApiKey.objects.order_by("name")]
        if as_json:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        table = Table(title="API keys")
        for col in ("name", "prefix", "flags", "push", "active", "created"):
            table.add_column(col)
        for r in rows:
            table.add_row(*[str(v) for v in r.values()])
        Console(file=self.stdout, width=120).print(table)

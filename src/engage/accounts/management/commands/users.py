"""engage users: list users, add one with a role, or create the demo set (one per role)."""
from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from engage.accounts.models import Role
from engage.accounts.users import create_user, demo_users


class Command(BaseCommand):
    help = (
        "List users and their roles; `--add NAME --role ROLE [--areas CAM,PET]` creates one "
        "(a password is generated and printed once); `--demo` creates one user per role "
        "(CSU officers for two different areas) and prints their passwords."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--demo", action="store_true", help="create or reset the demo users, one per role")
        parser.add_argument("--add", metavar="NAME", help="create (or update) the user NAME")
        parser.add_argument("--role", choices=Role.values, help="role for --add")
        parser.add_argument("--areas", default="", help="comma-separated CSU area codes for --add")
        parser.add_argument("--email", default="", help="e-mail address for --add (coordinators get new-episode e-mails)")
        parser.add_argument("--password", help="password for --add (default: generated); for --demo, one shared password")
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def handle(self, *args, **opts) -> None:
        if opts["demo"]:
            rows = []
            for username, role, name, areas in demo_users():
                user, password = create_user(username, role, areas=areas, full_name=name, password=opts["password"],
                                             email=f"{username}@engage.invalid")
                rows.append({"username": username, "role": role, "areas": areas, "password": password})
            return self._print(rows, opts["json"], "Demo logins (http://127.0.0.1:8000/login/)")
        if opts["add"]:
            if not opts["role"]:
                raise CommandError("--add needs --role (one of: " + ", ".join(Role.values) + ")")
            areas = [a.strip().upper() for a in opts["areas"].split(",") if a.strip()]
            try:
                _, password = create_user(opts["add"], opts["role"], areas=areas, email=opts["email"], password=opts["password"])
            except ValueError as exc:
                raise CommandError(f"--add {opts['add']}: {exc}")
            return self._print([{"username": opts["add"], "role": opts["role"], "areas": areas, "password": password}],
                               opts["json"], "User created (the password is shown once)")
        users = get_user_model().objects.select_related("profile").order_by("username")
        rows = [{"username": u.username, "role": getattr(getattr(u, "profile", None), "role", ""),
                 "areas": getattr(getattr(u, "profile", None), "area_codes", []), "active": u.is_active,
                 "last_login": u.last_login.isoformat() if u.last_login else None} for u in users]
        self._print(rows, opts["json"], "Users")

    def _print(self, rows: list[dict], as_json: bool, title: str) -> None:
        if as_json:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        table = Table(title=title)
        for key in rows[0].keys() if rows else ["username", "role"]:
            table.add_column(key)
        for row in rows:
            table.add_row(*[", ".join(v) if isinstance(v, list) else str(v) for v in row.values()])
        Console(file=self.stdout, width=120).print(table)

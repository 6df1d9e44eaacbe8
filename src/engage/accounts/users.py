"""Creating users with a role (and CSU areas); the demo set of one user per role."""
from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.db import transaction

from engage import config
from engage.accounts.models import Profile, Role


def new_password() -> str:
    return secrets.token_urlsafe(12)


def known_areas() -> set[str]:
    return {a["code"] for a in config.load().get("areas", [])}


@transaction.atomic
def create_user(username: str, role: str, *, areas: list[str] | None = None, email: str = "",
                password: str | None = None, full_name: str = "") -> tuple[object, str]:
    """Create or update a user with a role; returns (user, the plain password, set now)."""
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r} (one of {', '.join(Role.values)})")
    areas = areas or []
    unknown = set(areas) - known_areas()
    if unknown:
        raise ValueError(f"unknown area code(s) {', '.join(sorted(unknown))} (see [[areas]] in the configuration)")
    if role == Role.CSU and not areas:
        raise ValueError("a CSU officer needs at least one area (--areas)")
    password = password or new_password()
    first, _, last = full_name.partition(" ")
    user, _ = get_user_model().objects.update_or_create(
        username=username, defaults={"email": email, "first_name": first, "last_name": last, "is_active": True}
    )
    user.set_password(password)  # Django's hasher (PBKDF2 by default)
    user.save()
    Profile.objects.update_or_create(user=user, defaults={"role": role, "area_codes": areas})
    return user, password


def demo_users() -> list[tuple[str, str, str, list[str]]]:
    """(username, role, full name, areas): one per role, CSU officers in two different areas."""
    codes = [a["code"] for a in config.load().get("areas", [])] or ["CAM", "PET"]
    first, second = codes[0], codes[-1]
    return [
        ("handler", Role.HANDLER, "Hana Handler", []),
        ("coordinator", Role.COORDINATOR, "Cora Coordinator", []),
        ("inspector", Role.INSPECTOR, "Ian Inspector", []),
        (f"csu_{first.lower()}", Role.CSU, f"Sam {first} CSU", [first]),
        (f"csu_{second.lower()}", Role.CSU, f"Pat {second} CSU", [second]),
        ("analyst", Role.ANALYST, "Ana Analyst", []),
        ("admin", Role.ADMIN, "Ada Admin", []),
    ]

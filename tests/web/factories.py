"""Small, explicit test data for the web, accounts and cases tests (no randomness)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone as dt_tz

from engage.accounts.models import Role
from engage.accounts.users import create_user
from engage.cases import services
from engage.cases.models import Case
from engage.contacts.models import Channel, Contact, PhoneStatus
from engage.detection.models import Episode
from engage.identity.models import Caller

PASSWORD = "correct-horse-battery"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=dt_tz.utc)


def make_user(username: str, role: str, areas: list[str] | None = None, email: str = ""):
    user, _ = create_user(username, role, areas=areas or [], password=PASSWORD, email=email)
    return user


def make_users(specs: list[tuple[str, str, list[str], str]]) -> list:
    """Many users at once (the permission table builds a world per cell, so this is hot)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from engage.accounts.models import Profile

    hashed = make_password(PASSWORD)
    User = get_user_model()
    users = User.objects.bulk_create(User(username=u, password=hashed, email=e) for u, _, _, e in specs)
    if users and users[0].pk is None:  # backends that don't return ids from bulk_create
        users = list(User.objects.filter(username__in=[s[0] for s in specs]).order_by("pk"))
    Profile.objects.bulk_create(Profile(user=user, role=role, area_codes=areas) for user, (_, role, areas, _) in zip(users, specs))
    return users


def make_caller(name: str, number: str, postcode: str, area: str, contacts: int = 6, start: datetime = T0) -> Caller:
    caller = Caller.objects.create(display_name=name, primary_number=number, postcode=postcode, area_code=area)
    Contact.objects.bulk_create(
        Contact(
            channel=Channel.NON_EMERGENCY if i % 2 else Channel.EMERGENCY,
            arrived_at=start + timedelta(hours=i),
            phone_raw=number, phone_e164=number, phone_status=PhoneStatus.PRESENT,
            name=name, address=f"1 High Street, {postcode}", postcode=postcode,
            subject="Concern for welfare" if i % 3 else "Noise", caller=caller,
        )
        for i in range(contacts)
    )
    return caller


def make_episode(caller: Caller, rule: str = "5_in_a_day") -> Episode:
    contacts = list(caller.contacts.order_by("arrived_at"))
    episode = Episode.objects.create(
        caller=caller, rule=rule, window_start=contacts[0].arrived_at, window_end=contacts[-1].arrived_at,
        first_contact_at=contacts[0].arrived_at, last_contact_at=contacts[-1].arrived_at, contact_count=len(contacts),
    )
    episode.contacts.set(contacts)
    return episode


@dataclass
class World:
    """Two areas (CAM, PET), a caller in each with a case, a new episode, a requested block."""

    users: dict
    cam_caller: Caller
    pet_caller: Caller
    cam_case: Case
    pet_case: Case
    episode: Episode
    block: object


def make_world() -> World:
    specs = [
        ("handler", Role.HANDLER, [], ""),
        ("coordinator", Role.COORDINATOR, [], "coord@engage.invalid"),
        ("inspector", Role.INSPECTOR, [], ""),
        ("csu_cam", Role.CSU, ["CAM"], ""),
        ("analyst", Role.ANALYST, [], ""),
        ("admin", Role.ADMIN, [], ""),
        ("csu_pet", Role.CSU, ["PET"], ""),
    ]
    made = make_users(specs)
    users = {(spec[1] if spec[0] != "csu_pet" else "csu_pet"): user for spec, user in zip(specs, made)}
    coordinator = users[Role.COORDINATOR]
    cam = make_caller("Alice Example", "+447700900001", "CB1 2AB", "CAM")
    pet = make_caller("Bob Example", "+447700900002", "PE1 1AA", "PET")
    cam_case = services.open_case(make_episode(cam), coordinator, reason="test")
    pet_case = services.open_case(make_episode(pet), coordinator, reason="test")
    new_caller = make_caller("Carol Example", "+447700900003", "CB2 1AA", "CAM", start=T0 + timedelta(days=1))
    episode = make_episode(new_caller)
    block = services.request_block(cam_case, coordinator, "number", "07700 900001", "Nuisance calls tie up 999 lines")
    return World(users, cam, pet, cam_case, pet_case, episode, block)

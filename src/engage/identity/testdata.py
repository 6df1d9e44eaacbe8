"""A small, seeded generator of contacts with the true person behind each one.

For identity's tests and the linkage benchmark: people with one or two numbers,
withheld calls, misspelt and abbreviated names and addresses, households (same
surname and address, different people), and shared numbers (care homes) used by many
residents. Numbers come from Ofcom's drama ranges while they last; beyond that
(benchmark scale) from the spare country code +999, which no real line can have.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from faker.providers.person.en_GB import Provider as PersonProvider

FIRST = sorted(set(PersonProvider.first_names_male) | set(PersonProvider.first_names_female))
LAST = sorted(set(PersonProvider.last_names))
STREET_SUFFIX = ["Road", "Street", "Avenue", "Lane", "Close", "Drive", "Gardens", "Court", "Crescent", "Way"]
ABBREV = {"Road": "Rd", "Street": "St", "Avenue": "Ave", "Lane": "Ln", "Close": "Cl", "Drive": "Dr",
          "Gardens": "Gdns", "Court": "Ct", "Crescent": "Cres", "Way": "Way"}
DISTRICTS = ["CB1", "CB2", "CB3", "CB4", "CB21", "CB22", "CB6", "CB7", "PE13", "PE15", "PE19", "PE27", "PE1", "PE2"]
KINDS = ["vulnerable", "targeted_victim", "nuisance"]


@dataclass
class Person:
    person_id: str
    kind: str
    first: str
    last: str
    address: str
    postcode: str
    numbers: list[str] = field(default_factory=list)
    shared_number: str = ""


@dataclass
class Row:
    key: str
    person_id: str
    person_kind: str
    phone_raw: str
    name: str
    address: str
    postcode: str


class _Numbers:
    def __init__(self) -> None:
        self.drama = [f"07700 900{i:03d}" for i in range(1000)] + [f"01632 960{i:03d}" for i in range(1000)]
        self.used = 0

    def next(self) -> str:
        self.used += 1
        if self.used <= len(self.drama):
            return self.drama[self.used - 1]
        return f"+999{self.used:09d}"


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    op = rng.random()
    if op < 0.4:
        return word[:i] + word[i + 1:]  # drop a letter
    if op < 0.7:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]  # swap two
    return word[:i] + rng.choice("aeiou") + word[i + 1:]  # wrong vowel


def _postcode(rng: random.Random) -> str:
    return f"{rng.choice(DISTRICTS)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXY')}{rng.choice('ABDEFGHJLNPQRSTUWXY')}"


def _address(rng: random.Random) -> str:
    return f"{rng.randint(1, 199)} {rng.choice(LAST)} {rng.choice(STREET_SUFFIX)}"


def people(n: int, seed: int = 7, repeat_share: float = 0.03, care_homes: int | None = None) -> list[Person]:
    rng = random.Random(seed)
    numbers = _Numbers()
    out: list[Person] = []
    care_homes = max(1, n // 400) if care_homes is None else care_homes
    homes = [(numbers.next(), f"{rng.choice(LAST)} House, {rng.randint(1, 99)} {rng.choice(LAST)} Road", _postcode(rng))
             for _ in range(care_homes)]
    while len(out) < n:
        pid = f"P{len(out) + 1:07d}"
        kind = rng.choice(KINDS) if rng.random() < repeat_share else "ordinary"
        roll = rng.random()
        if roll < 0.04 and homes:
            number, address, postcode = rng.choice(homes)
            out.append(Person(pid, kind, rng.choice(FIRST), rng.choice(LAST), address, postcode, [], number))
            continue
        person = Person(pid, kind, rng.choice(FIRST), rng.choice(LAST), _address(rng), _postcode(rng), [numbers.next()])
        if rng.random() < 0.15:
            person.numbers.append(numbers.next())  # a mobile and a landline
        out.append(person)
        if rng.random() < 0.08 and len(out) < n:
            # A household: same surname and address, another person with their own number.
            out.append(Person(f"P{len(out) + 1:07d}", "ordinary", rng.choice(FIRST), person.last,
                              person.address, person.postcode, [numbers.next()]))
    return out


def contacts(persons: list[Person], seed: int = 7, per_ordinary: tuple[int, int] = (1, 3),
             per_repeat: tuple[int, int] = (10, 40)) -> list[Row]:
    """Rows as a control room records them: a number (or withheld), sometimes a name,
    sometimes an address; misspelt, abbreviated, initials."""
    rng = random.Random(seed + 1)
    rows: list[Row] = []
    for person in persons:
        low, high = per_repeat if person.kind != "ordinary" else per_ordinary
        for _ in range(rng.randint(low, high)):
            rows.append(_contact(rng, person, len(rows)))
    rng.shuffle(rows)
    return rows


def _contact(rng: random.Random, person: Person, index: int) -> Row:
    if person.shared_number:
        phone = person.shared_number
    elif rng.random() < 0.08:
        phone = rng.choice(["Withheld", "PRIVATE", "unavailable"])
    else:
        phone = rng.choice(person.numbers)
    withheld = not person.shared_number and not any(c.isdigit() for c in phone)
    # Calls-only rows (no incident) carry no name; a withheld call that is recorded at all
    # comes with a name and address (it became an incident).
    named = withheld or person.shared_number or rng.random() < 0.7
    name = address = postcode = ""
    if named:
        first, last = person.first, person.last
        roll = rng.random()
        if roll < 0.08:
            last = _typo(rng, last)
        elif roll < 0.14:
            first = _typo(rng, first)
        elif roll < 0.18:
            first = first[0]
        name = f"{first} {last}" if rng.random() < 0.8 else f"{last.upper()}, {first}"
        if rng.random() < 0.05:
            name = f"Mr {name}" if "," not in name else name
        if withheld or rng.random() < 0.75:
            address = person.address
            if rng.random() < 0.35:
                for full, short in ABBREV.items():
                    address = address.replace(full, short)
            if rng.random() < 0.2:
                address = address.lower()
            postcode = person.postcode if rng.random() < 0.85 else person.postcode.replace(" ", "").lower()
    return Row(f"T{index + 1:08d}", person.person_id, person.kind, phone, name, address, postcode)


def truth_rows(rows: list[Row], system: str = "cc") -> list[dict]:
    return [{"source": system, "source_key": r.key, "person_id": r.person_id, "person_kind": r.person_kind} for r in rows]

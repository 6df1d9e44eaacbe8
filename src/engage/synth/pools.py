"""Pools of names, streets, postcodes and drama-range phone numbers, built once per run.

Faker (en_GB) is called a few thousand times to fill the pools; rows then pick from
them with NumPy, so a million contacts never call Faker per row.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from faker import Faker

# Ofcom's numbers reserved for drama (never a real person's): (national prefix,
# spaced prefix, first, last). Each gives 1,000 numbers.
DRAMA_RANGES: tuple[tuple[str, str, int, int], ...] = (
    ("07700900", "07700 900", 0, 999),
    ("01632960", "01632 960", 0, 999),
    ("01134960", "0113 496 0", 0, 999),
    ("01144960", "0114 496 0", 0, 999),
    ("01154960", "0115 496 0", 0, 999),
    ("01164960", "0116 496 0", 0, 999),
    ("01174960", "0117 496 0", 0, 999),
    ("01184960", "0118 496 0", 0, 999),
    ("01214960", "0121 496 0", 0, 999),
    ("01314960", "0131 496 0", 0, 999),
    ("01414960", "0141 496 0", 0, 999),
    ("01514960", "0151 496 0", 0, 999),
    ("01614960", "0161 496 0", 0, 999),
    ("02079460", "020 7946 0", 0, 999),
    ("01914980", "0191 498 0", 0, 999),
    ("02896496", "028 9649 6", 0, 999),
    ("02920180", "029 2018 0", 0, 999),
)
# E.164 prefixes of the ranges above, for checks (tests, docs).
DRAMA_E164_PREFIXES = tuple("+44" + national[1:] for national, _, _, _ in DRAMA_RANGES)

WITHHELD_SPELLINGS = ("Withheld", "PRIVATE", "")

# Streets: Cambridgeshire-flavoured names plus Faker surnames; British suffixes.
_STREET_NAMES = (
    "Mill", "Church", "High", "Station", "Victoria", "Newmarket", "Histon", "Mill", "Hills",
    "Cherry Hinton", "Huntingdon", "Chesterton", "Mill Hill", "London", "Park", "Queens",
    "Kings", "Orchard", "Manor", "School", "Green", "Bridge", "Ely", "Broad", "West",
    "North", "Lincoln", "Thorpe", "Lime", "Willow", "Oak", "Fen", "Abbey", "Castle",
)
_STREET_SUFFIXES = ("Road", "Street", "Lane", "Avenue", "Close", "Drive", "Way", "Court",
                    "Crescent", "Gardens", "Place", "Grove", "Terrace", "Walk", "Green", "Row")
# Postcode districts (from default_config.toml [[areas]], CB and PE only) and their towns,
# weighted roughly by population.
DISTRICTS: tuple[tuple[str, str, float], ...] = (
    ("CB1", "Cambridge", 6), ("CB2", "Cambridge", 4), ("CB3", "Cambridge", 2),
    ("CB4", "Cambridge", 5), ("CB5", "Cambridge", 2),
    ("CB21", "Sawston", 1.5), ("CB22", "Great Shelford", 1.5), ("CB23", "Cambourne", 2),
    ("CB24", "Histon", 2), ("CB25", "Waterbeach", 1),
    ("CB6", "Ely", 2), ("CB7", "Soham", 1.5), ("CB8", "Newmarket", 1.5),
    ("PE1", "Peterborough", 5), ("PE2", "Peterborough", 5), ("PE3", "Peterborough", 3),
    ("PE4", "Peterborough", 3), ("PE5", "Peterborough", 0.5), ("PE6", "Peterborough", 1),
    ("PE7", "Peterborough", 3), ("PE8", "Peterborough", 0.5),
    ("PE13", "Wisbech", 2), ("PE14", "Wisbech", 1), ("PE15", "March", 2), ("PE16", "Chatteris", 1),
    ("PE19", "St Neots", 3), ("PE26", "Ramsey", 1), ("PE27", "St Ives", 2),
    ("PE28", "Huntingdon", 1.5), ("PE29", "Huntingdon", 2.5),
)
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # letters used in the inward code
LANDMARKS = ("Tesco car park", "bus station", "railway station", "the shopping centre",
             "the leisure centre", "the park", "the market square", "McDonald's car park",
             "Co-op", "the recreation ground", "Lidl car park", "the cemetery")

# Nicknames and short forms seen in real records ("Jonathan"/"Jon").
NICKNAMES = {
    "Jonathan": "Jon", "John": "Jack", "William": "Bill", "Robert": "Bob", "Richard": "Rick",
    "Michael": "Mike", "Christopher": "Chris", "Anthony": "Tony", "Thomas": "Tom",
    "James": "Jim", "David": "Dave", "Daniel": "Dan", "Matthew": "Matt", "Andrew": "Andy",
    "Stephen": "Steve", "Steven": "Steve", "Joseph": "Joe", "Samuel": "Sam", "Benjamin": "Ben",
    "Alexander": "Alex", "Nicholas": "Nick", "Peter": "Pete", "Edward": "Ted", "Kenneth": "Ken",
    "Elizabeth": "Liz", "Margaret": "Maggie", "Katherine": "Kate", "Catherine": "Cathy",
    "Jennifer": "Jenny", "Rebecca": "Becky", "Victoria": "Vicky", "Samantha": "Sam",
    "Patricia": "Pat", "Susan": "Sue", "Deborah": "Debbie", "Jacqueline": "Jackie",
    "Christine": "Chris", "Alexandra": "Alex", "Kimberley": "Kim", "Natalie": "Nat",
    "Abigail": "Abby", "Charlotte": "Charlie", "Frederick": "Fred", "Gerald": "Gerry",
}
ABBREVIATIONS = {"Road": "Rd", "Street": "St", "Avenue": "Ave", "Lane": "Ln", "Close": "Cl",
                 "Drive": "Dr", "Court": "Ct", "Crescent": "Cres", "Gardens": "Gdns",
                 "Place": "Pl", "Grove": "Gr", "Terrace": "Terr"}


@dataclass
class Pools:
    first_names: list[str]
    last_names: list[str]
    streets: list[str]
    districts: list[str]
    towns: list[str]
    district_weights: np.ndarray


def build_pools(seed: int) -> Pools:
    """Names and streets from Faker en_GB, seeded: the same seed gives the same pools."""
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    first = sorted({fake.first_name() for _ in range(4000)})
    last = sorted({fake.last_name() for _ in range(4000)})
    street_bases = sorted(set(_STREET_NAMES) | {fake.last_name() for _ in range(400)})
    rng = np.random.default_rng(seed + 1)
    streets = sorted({f"{street_bases[i]} {_STREET_SUFFIXES[j]}"
                      for i, j in zip(rng.integers(0, len(street_bases), 1500),
                                      rng.integers(0, len(_STREET_SUFFIXES), 1500))})
    weights = np.array([w for _, _, w in DISTRICTS], dtype=float)
    return Pools(first, last, streets, [d for d, _, _ in DISTRICTS], [t for _, t, _ in DISTRICTS],
                 weights / weights.sum())


def postcodes(rng: np.random.Generator, districts: np.ndarray, pools: Pools) -> list[str]:
    """A postcode ("CB1 2AB") in each given district index."""
    digits = rng.integers(0, 10, len(districts))
    letters = rng.integers(0, len(_INWARD_LETTERS), (len(districts), 2))
    return [f"{pools.districts[d]} {n}{_INWARD_LETTERS[a]}{_INWARD_LETTERS[b]}"
            for d, n, (a, b) in zip(districts.tolist(), digits.tolist(), letters.tolist())]


class Numbers:
    """The drama-range numbers, indexed 0..N-1, each printable in several formats."""

    def __init__(self) -> None:
        self.national: list[str] = []
        self.spaced: list[str] = []
        for national, spaced, first, last in DRAMA_RANGES:
            width = 11 - len(national)
            for n in range(first, last + 1):
                tail = str(n).zfill(width)
                self.national.append(national + tail)
                self.spaced.append(spaced + tail)
        self.e164 = ["+44" + n[1:] for n in self.national]
        self._formats = (self.spaced, self.e164, self.national)

    def index(self, national_prefix: str, first: int, count: int) -> list[int]:
        """Indices of `count` numbers of the range starting national_prefix, from `first`."""
        start = next(i for i, n in enumerate(self.national) if n.startswith(national_prefix))
        return list(range(start + first, start + first + count))

    def render(self, idx: np.ndarray, style: np.ndarray) -> list[str]:
        """Numbers as written: style 0 "07700 900123", 1 "+447700900123", 2 "07700900123"."""
        fmts = self._formats
        return [fmts[s][i] for i, s in zip(idx.tolist(), style.tolist())]


def typo(word: str, rng: np.random.Generator) -> str:
    """One plausible keying slip: a dropped, doubled or swapped letter."""
    if len(word) < 4:
        return word + word[-1]
    pos = int(rng.integers(1, len(word) - 1))
    kind = int(rng.integers(0, 3))
    if kind == 0:
        return word[:pos] + word[pos + 1:]
    if kind == 1:
        return word[:pos] + word[pos] + word[pos:]
    return word[:pos] + word[pos + 1] + word[pos] + word[pos + 2:]


def name_variants(first: str, last: str, rng: np.random.Generator) -> list[str]:
    """How handlers write one person's name: canonical first, then misspellings and short forms."""
    variants = [f"{first} {last}"]
    if first in NICKNAMES:
        variants.append(f"{NICKNAMES[first]} {last}")
    variants.append(f"{typo(first, rng)} {last}")
    variants.append(f"{first} {typo(last, rng)}")
    variants.append(f"{first[0]} {last}")
    variants.append(f"{last.upper()}, {first}")
    return variants


def address_variants(number: int, street: str, town: str, flat: int) -> list[str]:
    """One address written several ways: abbreviated, without town, flat number bare."""
    words = street.split(" ")
    abbreviated = " ".join(words[:-1] + [ABBREVIATIONS.get(words[-1], words[-1])])
    if flat:
        return [f"Flat {flat}, {number} {street}, {town}", f"{flat}, {number} {abbreviated}, {town}",
                f"Flat {flat} {number} {abbreviated}", f"{flat}/{number} {street}".lower()]
    return [f"{number} {street}, {town}", f"{number} {abbreviated}, {town}",
            f"{number} {abbreviated}", f"{number} {street}".upper()]

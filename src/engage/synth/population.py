"""The people of the synthetic force and the contacts each of them makes.

Three populations: repeat callers (vulnerable, repeatedly targeted victims, nuisance),
people behind shared numbers (care homes, hospitals, payphones), and the ordinary
public who contact once or twice. Each returns a `Segment` of contacts (column arrays).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np

from . import codes, criterion
from .pools import LANDMARKS, Pools, address_variants, name_variants, postcodes
from .profiles import (CH_101, CH_999, CH_ONLINE, CH_OTHER, CH_SOCIAL, CH_WEBCHAT, KIND_HOURLY,
                       WITHHELD_101_PUBLIC, cli_hidden, hourly_for)

ORDINARY, VULNERABLE, TARGETED, NUISANCE = "ordinary", "vulnerable", "targeted_victim", "nuisance"
REPEAT_KINDS = (VULNERABLE, TARGETED, NUISANCE)

# Repeat callers at scale 1 (a few hundred over 90 days; Kent managed 230+ at once).
REPEAT_COUNTS = {VULNERABLE: 110, TARGETED: 80, NUISANCE: 60}
# Share of each kind who stay just below the criterion (the near misses).
BELOW_SHARE = 0.15
# Baseline contacts a day (median) outside crises, and crisis frequency (per 30 days).
BASE_RATE = {VULNERABLE: 0.25, TARGETED: 0.18, NUISANCE: 0.3}
BURSTS_PER_30_DAYS = {VULNERABLE: 0.8, TARGETED: 0.6, NUISANCE: 0.9}
# Channel mix: 999, 101, webchat, online report, social media.
KIND_CHANNELS = {
    VULNERABLE: (0.36, 0.54, 0.07, 0.0, 0.03),
    TARGETED: (0.22, 0.58, 0.05, 0.13, 0.02),
    NUISANCE: (0.62, 0.38, 0.0, 0.0, 0.0),
}
# Share intervened in, and the share of contacts that remain afterwards.
INTERVENED_SHARE = {VULNERABLE: 0.6, TARGETED: 0.3, NUISANCE: 0.6}
AFTER_INTERVENTION = {VULNERABLE: 0.3, TARGETED: 0.5, NUISANCE: 0.2}
INTERVENTIONS = {
    VULNERABLE: ("mental health team", "personal visit", "GP liaison", "bespoke response plan", "social services"),
    TARGETED: ("personal visit", "bespoke response plan"),
    NUISANCE: ("acceptable behaviour agreement", "community protection warning",
               "community protection notice", "personal visit"),
}
# Shared numbers at scale 1: (label, count, contacts a day per number, distinct people per number).
SHARED_KINDS = (("care_home", 4, 1.4, 25), ("hospital", 1, 2.0, 60), ("payphone", 3, 1.5, 60))


@dataclass
class Segment:
    """Contacts as column arrays (one entry per contact)."""

    t: np.ndarray          # arrival, UTC epoch seconds
    day: np.ndarray        # calendar day index (Europe/London) in the window
    ch: np.ndarray         # channel code (profiles.CH_*)
    pid: np.ndarray        # person index
    code: np.ndarray       # opening code index (codes.CODE_NAMES)
    num: np.ndarray        # number index (Numbers), -1 if the person has none
    withheld: np.ndarray   # no CLI on this call (withheld on 101, unavailable on 999)

    @staticmethod
    def concat(parts: list["Segment"]) -> "Segment":
        return Segment(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                         ("t", "day", "ch", "pid", "code", "num", "withheld")))


@dataclass
class People:
    """Everyone in the force, by person index. Repeat callers carry their written variants."""

    name: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    numbers: list[list[int]] = field(default_factory=list)
    address: list[str] = field(default_factory=list)
    postcode: list[str] = field(default_factory=list)
    shared: list[str] = field(default_factory=list)
    intervention_date: list[str] = field(default_factory=list)
    intervention: list[str] = field(default_factory=list)
    meets: list[str] = field(default_factory=list)
    town: list[str] = field(default_factory=list)
    # Only for repeat callers and shared-number people (index -> data).
    name_variants: dict[int, list[str]] = field(default_factory=dict)
    address_variants: dict[int, list[str]] = field(default_factory=dict)
    neighbour: dict[int, tuple[str, str]] = field(default_factory=dict)
    withhold_p: dict[int, float] = field(default_factory=dict)

    def add(self, name: str, kind: str, numbers: list[int], address: str, postcode: str, town: str,
            shared: str = "") -> int:
        self.name.append(name)
        self.kind.append(kind)
        self.numbers.append(numbers)
        self.address.append(address)
        self.postcode.append(postcode)
        self.town.append(town)
        self.shared.append(shared)
        self.intervention_date.append("")
        self.intervention.append("")
        self.meets.append("")
        return len(self.name) - 1

    def extend(self, names: list[str], kind: str, numbers: list[list[int]], addresses: list[str],
               postcodes: list[str], towns: list[str]) -> None:
        """Add many people of one kind at once (the public: hundreds of thousands)."""
        m = len(names)
        self.name += names
        self.kind += [kind] * m
        self.numbers += numbers
        self.address += addresses
        self.postcode += postcodes
        self.town += towns
        for col in (self.shared, self.intervention_date, self.intervention, self.meets):
            col += [""] * m

    def email(self, pid: int) -> str:
        """An e-mail address (example.* domains only), derived from the name when needed."""
        first, _, last = self.name[pid].partition(" ")
        return _email(first, last, pid)

    def handle(self, pid: int) -> str:
        first, _, last = self.name[pid].partition(" ")
        return _handle(first, last, pid)

    def __len__(self) -> int:
        return len(self.name)


class Calendar:
    """The window's local days and the UTC start of each local hour (DST-aware)."""

    def __init__(self, start: dt.date, days: int, timezone: str) -> None:
        tz = ZoneInfo(timezone)
        self.start, self.days, self.tz = start, days, tz
        self.dates = [start + dt.timedelta(days=d) for d in range(days)]
        self.weekday = np.array([d.weekday() for d in self.dates])
        self.hour_epoch = np.array(
            [[int(dt.datetime(d.year, d.month, d.day, h, tzinfo=tz).timestamp()) for h in range(24)]
             for d in self.dates], dtype=np.int64)
        # Local midnights for the window and a fortnight after (late-recorded incidents).
        self.midnights = np.array([int(dt.datetime.combine(start + dt.timedelta(days=d), dt.time(), tz).timestamp())
                                   for d in range(days + 15)], dtype=np.int64)

    def times(self, rng: np.random.Generator, day: np.ndarray, hour: np.ndarray) -> np.ndarray:
        return self.hour_epoch[day, hour] + rng.integers(0, 3600, len(day))

    def hours(self, rng: np.random.Generator, day: np.ndarray, profile: np.ndarray) -> np.ndarray:
        return rng.choice(24, size=len(day), p=profile)

    def channel_hours(self, rng: np.random.Generator, day: np.ndarray, channel: int) -> np.ndarray:
        """Hours for contacts on one channel, with that weekday's curve (Fri/Sat nights on 999)."""
        out = np.empty(len(day), dtype=np.int64)
        wd = self.weekday[day]
        for w in range(7):
            sel = np.nonzero(wd == w)[0]
            if len(sel):
                out[sel] = rng.choice(24, size=len(sel), p=hourly_for(channel, w))
        return out


def _person_basics(rng: np.random.Generator, pools: Pools, n: int):
    first = rng.integers(0, len(pools.first_names), n)
    last = rng.integers(0, len(pools.last_names), n)
    district = rng.choice(len(pools.districts), size=n, p=pools.district_weights)
    street = rng.integers(0, len(pools.streets), n)
    house = rng.integers(1, 120, n)
    flat = np.where(rng.random(n) < 0.12, rng.integers(1, 12, n), 0)
    pcs = postcodes(rng, district, pools)
    return first, last, district, street, house, flat, pcs


def _email(first: str, last: str, n: int) -> str:
    domain = ("example.com", "example.org", "example.net")[n % 3]
    return f"{first}.{last}{n % 100}@{domain}".lower().replace(" ", "").replace("'", "")


def _handle(first: str, last: str, n: int) -> str:
    return f"@{first}{last[:3]}{n % 1000}".lower().replace(" ", "").replace("'", "")


def repeat_callers(rng: np.random.Generator, cal: Calendar, pools: Pools, people: People,
                   mobiles: list[int], landlines: list[int], scale: float) -> Segment:
    """Repeat callers: crises (bursts) over a baseline, interventions that cut contact after."""
    parts: list[Segment] = []
    mob_i = land_i = 0
    for kind in REPEAT_KINDS:
        count = max(1, round(REPEAT_COUNTS[kind] * scale))
        first, last, district, street, house, flat, pcs = _person_basics(rng, pools, count)
        for k in range(count):
            fn, ln = pools.first_names[first[k]], pools.last_names[last[k]]
            town = pools.towns[district[k]]
            st = pools.streets[street[k]]
            addrs = address_variants(int(house[k]), st, town, int(flat[k]))
            # Numbers: a mobile each; a third also ring from a landline.
            nums = [mobiles[mob_i % len(mobiles)]]
            mob_i += 1
            if rng.random() < 0.35:
                nums.append(landlines[land_i % len(landlines)])
                land_i += 1
            if rng.random() < 0.5:
                nums.reverse()
            pid = people.add(f"{fn} {ln}", kind, nums, addrs[0], pcs[k], town)
            people.name_variants[pid] = name_variants(fn, ln, rng)
            people.address_variants[pid] = addrs
            people.withhold_p[pid] = 0.7 if rng.random() < 0.06 else 0.03
            if kind == TARGETED:
                nb = f"{pools.first_names[rng.integers(len(pools.first_names))]} {pools.last_names[rng.integers(len(pools.last_names))]}"
                nb_house = int(house[k]) + int(rng.choice([-2, -1, 1, 2]))
                people.neighbour[pid] = (nb, f"{max(nb_house, 1)} {st}")
            below = rng.random() < BELOW_SHARE
            parts.append(_one_repeat_caller(rng, cal, people, pid, kind, below))
    return Segment.concat(parts)


def _one_repeat_caller(rng: np.random.Generator, cal: Calendar, people: People, pid: int,
                       kind: str, below: bool) -> Segment:
    days = cal.days
    start = 0 if rng.random() < 0.8 or days < 20 else int(rng.integers(0, days // 2))
    base = float(rng.lognormal(np.log(BASE_RATE[kind]), 0.4))
    rate = np.zeros(days)
    rate[start:] = base * rng.uniform(0.6, 1.4, days - start)
    if below:
        rate[start:] = rng.uniform(0.5, 1.0)
    else:
        n_bursts = max(1, int(rng.poisson(BURSTS_PER_30_DAYS[kind] * (days - start) / 30)))
        for b in range(n_bursts):
            hi = start + max(1, int(0.6 * (days - start))) if b == 0 else days
            first_day = int(rng.integers(start, max(start + 1, hi)))
            length = 1 + int(rng.poisson(1.2))
            rate[first_day:first_day + length] += rng.uniform(3.0, 6.5)
    per_day = rng.poisson(rate)
    day = np.repeat(np.arange(days), per_day)
    hour = cal.hours(rng, day, KIND_HOURLY[kind])
    t = cal.times(rng, day, hour)
    order = np.argsort(t, kind="stable")
    t, day = t[order], day[order]
    ch = rng.choice(5, size=len(t), p=KIND_CHANNELS[kind])
    phone = ch <= CH_101
    if below:
        keep = ~phone | criterion.thin_below(t, day, per_day=4, per_window=9, window=8 * 86_400)
        t, day, ch = t[keep], day[keep], ch[keep]
    else:
        cross = criterion.crossing_index(t[phone], day[phone])
        if cross < 0:  # an unlucky draw: give them the crisis day their kind implies
            crisis = int(rng.integers(start, max(start + 1, start + (days - start) // 2)))
            extra_day = np.full(6, crisis)
            extra_t = cal.times(rng, extra_day, cal.hours(rng, extra_day, KIND_HOURLY[kind]))
            t = np.concatenate([t, extra_t])
            day = np.concatenate([day, extra_day])
            ch = np.concatenate([ch, rng.choice(2, size=6, p=[0.5, 0.5])])
            order = np.argsort(t, kind="stable")
            t, day, ch = t[order], day[order], ch[order]
            phone = ch <= CH_101
        cross = criterion.crossing_index(t[phone], day[phone])
        cross_day = int(day[phone][cross]) if cross >= 0 else -1
        people.meets[pid] = "Y" if cross >= 0 else ""
        gap = int(rng.integers(2, 12))
        if cross >= 0 and rng.random() < INTERVENED_SHARE[kind] and cross_day + gap < days - 3:
            when = cross_day + gap
            people.intervention_date[pid] = cal.dates[when].isoformat()
            people.intervention[pid] = str(rng.choice(INTERVENTIONS[kind]))
            after = day > when
            keep = ~after | (rng.random(len(t)) < AFTER_INTERVENTION[kind])
            t, day, ch = t[keep], day[keep], ch[keep]
    if below:
        phone = ch <= CH_101
        people.meets[pid] = "Y" if criterion.meets(t[phone], day[phone]) else ""
    n = len(t)
    nums = people.numbers[pid]
    num = np.array(nums)[np.where(rng.random(n) < 0.7, 0, len(nums) - 1)] if n else np.zeros(0, dtype=np.int64)
    withheld = cli_hidden(rng, ch, people.withhold_p[pid])
    return Segment(t, day, ch, np.full(n, pid), codes.pick_codes(rng, kind, n), num, withheld)


def shared_numbers(rng: np.random.Generator, cal: Calendar, pools: Pools, people: People,
                   block: list[int], scale: float) -> Segment:
    """Care homes, hospitals, payphones: one number, many distinct people."""
    parts: list[Segment] = []
    block_i = 0
    for label, count, per_day, n_people in SHARED_KINDS:
        for _ in range(max(1, round(count * scale))):
            number = block[block_i % len(block)]
            block_i += 1
            district = int(rng.choice(len(pools.districts), p=pools.district_weights))
            town = pools.towns[district]
            site_street = pools.streets[rng.integers(len(pools.streets))]
            site = {"care_home": f"{pools.last_names[rng.integers(len(pools.last_names))]} House Care Home",
                    "hospital": f"{town} Hospital", "payphone": "Payphone"}[label]
            site_addr = f"{site}, {rng.integers(1, 80)} {site_street}, {town}"
            pc = postcodes(rng, np.array([district]), pools)[0]
            first, last, *_ = _person_basics(rng, pools, n_people)
            pids = []
            for k in range(n_people):
                fn, ln = pools.first_names[first[k]], pools.last_names[last[k]]
                pid = people.add(f"{fn} {ln}", ORDINARY, [number], site_addr, pc, town, shared=label)
                people.name_variants[pid] = [f"{fn} {ln}", f"{fn[0]} {ln}"]
                people.address_variants[pid] = [site_addr, site_addr.upper()]
                people.withhold_p[pid] = 0.0
                pids.append(pid)
            day = np.repeat(np.arange(cal.days), rng.poisson(per_day, cal.days))
            n = len(day)
            ch = np.where(rng.random(n) < 0.3, CH_999, CH_101)
            hour = cal.channel_hours(rng, day, CH_101)
            t = cal.times(rng, day, hour)
            who = np.array(pids)[rng.integers(0, n_people, n)]
            parts.append(Segment(t, day, ch, who, codes.pick_codes(rng, label, n),
                                 np.full(n, number), np.zeros(n, dtype=bool)))
    return Segment.concat(parts)


def public(rng: np.random.Generator, cal: Calendar, pools: Pools, people: People,
           numbers: list[int], daily: dict[int, np.ndarray]) -> Segment:
    """The public: `daily[channel]` expected contacts per day; most people contact once, some twice."""
    day_parts, ch_parts, hour_parts = [], [], []
    for channel, mean in daily.items():
        per_day = rng.poisson(mean)
        day = np.repeat(np.arange(cal.days), per_day)
        day_parts.append(day)
        ch_parts.append(np.full(len(day), channel))
        hour_parts.append(cal.channel_hours(rng, day, channel))
    day = np.concatenate(day_parts)
    ch = np.concatenate(ch_parts)
    t = cal.times(rng, day, np.concatenate(hour_parts))
    order = np.argsort(t, kind="stable")
    t, day, ch = t[order], day[order], ch[order]
    n = len(t)

    # About 12% of contacts are a person's second: often within hours (ringing back),
    # otherwise days later. Everyone else is a new person.
    is_return = rng.random(n) < 0.12
    lag = np.where(rng.random(n) < 0.3, rng.integers(300, 7200, n), rng.exponential(5 * 86_400, n).astype(np.int64))
    earlier = np.searchsorted(t, t - lag, side="left")
    is_return &= (t - lag >= t[0] if n else is_return) & (earlier < np.arange(n))
    first_of = np.arange(n)
    contacts = np.ones(n, dtype=np.int64)  # contacts so far per first contact
    for i, j in zip(np.nonzero(is_return)[0].tolist(), earlier[is_return].tolist()):
        root = first_of[j]
        if contacts[root] < 2:  # once or twice, never more
            first_of[i] = root
            contacts[root] += 1
            contacts[i] = 0
    news = np.nonzero(first_of == np.arange(n))[0]
    base_pid = len(people)
    local = np.full(n, -1)
    local[news] = np.arange(len(news))
    pid = base_pid + local[first_of]

    m = len(news)
    first, last, district, street, house, flat, pcs = _person_basics(rng, pools, m)
    perm = rng.permutation(len(numbers))
    fns = [pools.first_names[i] for i in first.tolist()]
    lns = [pools.last_names[i] for i in last.tolist()]
    towns = [pools.towns[i] for i in district.tolist()]
    sts = [pools.streets[i] for i in street.tolist()]
    addrs = [f"Flat {f}, {h} {s}, {t}" if f else f"{h} {s}, {t}"
             for f, h, s, t in zip(flat.tolist(), house.tolist(), sts, towns)]
    nums = [[numbers[p]] for p in perm[np.arange(m) % len(numbers)].tolist()]
    people.extend([f"{f} {ln}" for f, ln in zip(fns, lns)], ORDINARY, nums, addrs, pcs, towns)
    num = np.array([people.numbers[p][0] for p in pid.tolist()], dtype=np.int64)
    withheld = cli_hidden(rng, ch, WITHHELD_101_PUBLIC)
    code = np.empty(n, dtype=np.int64)
    for channel, mix in ((CH_999, "public_999"), (CH_101, "public_101"), (CH_OTHER, "walk_in")):
        sel = np.nonzero(ch == channel)[0]
        code[sel] = codes.pick_codes(rng, mix, len(sel))
    sel = np.nonzero((ch == CH_WEBCHAT) | (ch == CH_ONLINE) | (ch == CH_SOCIAL))[0]
    code[sel] = codes.pick_codes(rng, "public_digital", len(sel))
    return Segment(t, day, ch, pid, code, num, withheld)


def landmark(pick: int, town: str) -> str:
    """A public place in a town (`pick` chooses which)."""
    return f"{LANDMARKS[pick % len(LANDMARKS)]}, {town}"

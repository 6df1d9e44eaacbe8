"""Caller resolution: contacts -> callers (docs/identity.md).

1. Deterministic: one E.164 number is one caller, unless the number is shared
   (configured, a SharedNumber row, or used by many distinct names). A number that
   changed hands is one caller per holder, told apart by time (_number_holders).
   Withheld, unavailable and invalid numbers are never numbers.
2. Probabilistic: Splink over name, address/postcode, number, e-mail/handle links a
   person across numbers, attaches withheld-number contacts that give a name and
   address, and splits a shared number into its people (engage.identity.linkage).
3. Clustering: a union-find over signatures, coordinator "same" links first, then
   the number links, then Splink's pairs strongest first; a merge that would join two
   contacts a coordinator called "not the same" is refused.
4. Callers: a cluster keeps the caller that holds most of its contacts, so caller ids
   (and the cases on them) survive a full rebuild.

Contacts with nothing identifying (no usable number, name, e-mail or handle) stay
unresolved: caller null. They cannot be told apart, so counting them as one person
would invent a repeat caller, and one caller each would add noise without information.
"""
from __future__ import annotations

import dataclasses
import logging
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd
from django.db import connection, transaction
from django.db.models.deletion import ProtectedError
from django.utils import timezone

from engage import config
from engage.contacts.models import Contact
from engage.identity import linkage
from engage.identity.areas import area_for_postcode
from engage.identity.models import Caller, LinkOverride, SharedNumber
from engage.identity.normalise import address_key, name_key, postcode_district, postcode_key
from engage.identity.phones import PRESENT, normalise
from engage.sqltime import epoch_seconds_sql

log = logging.getLogger(__name__)
CHUNK = 500


# ---------------------------------------------------------------- configuration
def identity_config() -> dict:
    defaults = {
        "shared_numbers": [],
        "shared_min_distinct_names": 2,
        "shared_name_similarity": 0.88,
        "shared_min_distinct_districts": 2,
        "match_threshold": 0.95,
        "probability_two_random_records_match": 1e-5,
        "model_path": "",
        "link_unique_names": True,
        "unique_name_min_contacts": 5,
        "recycled_min_gap_days": 0,
        "holder_gap_days": 7,
        "holder_max_contacts": 2,
    }
    return {**defaults, **config.section("identity")}


def configured_shared_numbers() -> set[str]:
    region = config.section("force").get("phone_region", "GB")
    return {normalise(str(n), region).e164 for n in identity_config()["shared_numbers"]} - {""}


def shared_numbers(among: Iterable[str] | None = None) -> set[str]:
    """Numbers never linked as one caller: the configured list plus SharedNumber rows
    (only those `among` the given numbers, when given: the live receiver's batch)."""
    if among is None:
        return configured_shared_numbers() | set(SharedNumber.objects.values_list("e164", flat=True))
    wanted = sorted(set(among) - {""})
    found = configured_shared_numbers() & set(wanted)
    for start in range(0, len(wanted), CHUNK):
        found.update(SharedNumber.objects.filter(e164__in=wanted[start:start + CHUNK]).values_list("e164", flat=True))
    return found


# ---------------------------------------------------------------- records
@dataclass(slots=True)
class Record:
    contact_id: int
    phone: str  # E.164 when present, else ""
    name: str
    address: str
    postcode: str
    email: str
    handle: str
    caller_id: int | None
    arrived: int = 0  # epoch seconds: when the contact arrived (a number's holders change over time)


_FIELDS = ["id", "phone_e164", "phone_status", "name", "address", "postcode", "email", "handle", "caller_id"]


def _rows(sql_where: str = "", params: Sequence = ()) -> list[Record]:
    table = Contact._meta.db_table
    with connection.cursor() as cur:
        epoch = epoch_seconds_sql("arrived_at", whole=True)
        cur.execute(f"SELECT {', '.join(_FIELDS)}, {epoch} FROM {table} {sql_where} ORDER BY id", params)
        return [
            Record(cid, e164 if status == PRESENT and e164 else "", name or "", address or "", postcode or "",
                   (email or "").strip().lower(), (handle or "").strip().lower(), caller, arrived or 0)
            for cid, e164, status, name, address, postcode, email, handle, caller, arrived in cur.fetchall()
        ]


def _identifying(rec: Record, shared: set[str]) -> bool:
    usable_phone = rec.phone and rec.phone not in shared
    return bool(usable_phone or name_key(rec.name).full or rec.email or rec.handle)


# ---------------------------------------------------------------- shared numbers
def detect_shared_numbers(records: Iterable[Record], known: set[str]) -> dict[str, int]:
    """Numbers the data shows as shared: used by at least `shared_min_distinct_names`
    different people's names, or by callers giving homes in at least
    `shared_min_distinct_districts` postcode districts. Names are told apart by surname
    (Jaro-Winkler below `shared_name_similarity`), so misspellings, initials and
    nicknames of one person ("Robert/Bob Smith", "J Smith", "Smyth") count once; a
    contact that gave only an e-mail address counts with the name the address spells.
    A number whose names follow one another in time (Smith for a while, then after a
    silence Jones, never Smith again) is *recycled*, not shared: `_number_holders`
    splits it into its holders by time, so it is not saved as shared.
    Saves them as SharedNumber(origin=detected) and returns {number: distinct names}
    for new ones."""
    cfg = identity_config()
    minimum = max(2, int(cfg["shared_min_distinct_names"]))
    min_districts = int(cfg["shared_min_distinct_districts"])
    surnames: dict[str, set[str]] = defaultdict(set)
    districts: dict[str, set[str]] = defaultdict(set)
    records = list(records)
    for rec in records:
        if not rec.phone or rec.phone in known:
            continue
        surname = _surname(rec)
        if surname:
            surnames[rec.phone].add(surname)
        district = postcode_district(rec.postcode) if rec.postcode else ""
        if district:
            districts[rec.phone].add(district)
    candidates = {phone: sorted(n) for phone, n in surnames.items() if len(n) >= minimum}
    groups = _surname_groups(candidates, float(cfg["shared_name_similarity"]))
    distinct = {phone: len(set(g.values())) for phone, g in groups.items()}
    found = {phone: n for phone, n in distinct.items() if n >= minimum}
    if min_districts >= 2:
        for phone, where in districts.items():
            if len(where) >= min_districts and phone not in found:
                found[phone] = distinct.get(phone, len(surnames.get(phone, ())))
    for phone in _recycled(records, {p: groups[p] for p in found if p in groups}, _recycle_gap(cfg)):
        del found[phone]
    SharedNumber.objects.bulk_create(
        [SharedNumber(e164=p, origin=SharedNumber.Origin.DETECTED, distinct_names=n,
                      label=f"{n} different surnames, {len(districts.get(p, ()))} postcode districts")
         for p, n in found.items()],
        ignore_conflicts=True, batch_size=1000,
    )
    return found


def _surname(rec: Record) -> str:
    """The surname a contact gave, or the one its e-mail address spells."""
    return name_key(rec.name).surname or (name_key(_email_name(rec.email)).surname if rec.email else "")


def _recycle_gap(cfg: dict) -> int:
    return int(float(cfg["recycled_min_gap_days"]) * 86_400)


def _recycled(records: Iterable[Record], groups: dict[str, dict[str, int]], min_gap: int) -> set[str]:
    """Numbers (of those in `groups`: number -> surname -> person group) whose names come
    in blocks: in time order, a name never returns after another, and every change of
    name follows a silence of at least `min_gap` seconds on the number. A care home's
    residents interleave (or follow each other within minutes); a mobile number handed
    to a new subscriber shows one name, a silence, then another."""
    if min_gap <= 0 or not groups:
        return set()
    timeline: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for rec in records:
        if rec.phone in groups:
            timeline[rec.phone].append((rec.arrived, rec.contact_id))
    named = {}
    for rec in records:
        if rec.phone in groups:
            surname = _surname(rec)
            named[rec.contact_id] = groups[rec.phone].get(surname) if surname else None
    recycled = set()
    for phone, events in timeline.items():
        events.sort()
        seen: set[int] = set()
        current, last_time, ok = None, None, True
        for when, contact in events:
            group = named.get(contact)
            if group is None:
                continue
            if group != current:
                if group in seen or (last_time is not None and when - last_time < min_gap):
                    ok = False
                    break
                seen.add(group)
                current = group
            last_time = when
        if ok:
            recycled.add(phone)
    return recycled


def _distinct_surnames(candidates: dict[str, list[str]], similarity: float) -> dict[str, int]:
    """How many different surnames each number's list is, near-spellings counted once."""
    return {phone: len(set(g.values())) for phone, g in _surname_groups(candidates, similarity).items()}


def _surname_groups(candidates: dict[str, list[str]], similarity: float) -> dict[str, dict[str, int]]:
    """Each number's surnames grouped by near-spelling: number -> surname -> group.
    One DuckDB query for every number (a query per number costs ms each, minutes at scale)."""
    if not candidates:
        return {}
    import duckdb
    import pyarrow as pa

    phones = [p for p, names in candidates.items() for _ in names]
    surnames = [n for names in candidates.values() for n in names]
    con = duckdb.connect()
    try:
        con.register("names", pa.table({"phone": phones, "n": surnames}))
        pairs = con.execute(
            "SELECT a.phone, a.n, b.n FROM names a JOIN names b ON a.phone = b.phone AND a.n < b.n "
            "WHERE jaro_winkler_similarity(a.n, b.n) >= ?", [similarity]).fetchall()
    finally:
        con.close()
    index = {(p, n): i for i, (p, n) in enumerate(zip(phones, surnames))}
    uf = _UnionFind(len(phones))
    for phone, a, b in pairs:
        uf.union(index[(phone, a)], index[(phone, b)])
    groups: dict[str, dict[str, int]] = defaultdict(dict)
    for i, (phone, name) in enumerate(zip(phones, surnames)):
        groups[phone][name] = uf.find(i)
    return dict(groups)


def _number_holders(records: list[Record], shared: set[str], cfg: dict) -> dict[int, str]:
    """contact -> the number it is linked on, told apart by holder: "+447700900123" for
    the number's first holder, "+447700900123#1" and so on for the others (docs/identity.md,
    "numbers that change hands"). Only contacts of a later holder are in the result.
    A short nameless stretch set apart by silences longer than `holder_gap_days` is a
    holder of its own, unless a frequent caller uses the number; a recycled number
    (names in blocks, `_recycled`) also changes holder between two names."""
    gap = int(float(cfg["holder_gap_days"]) * 86_400)
    busy = int(cfg["unique_name_min_contacts"])
    # Names are normalised once per distinct spelling (a million contacts hold far fewer).
    raw_count = Counter(rec.name for rec in records)
    key_of = {raw: name_key(raw) for raw in raw_count}
    name_count: Counter = Counter()  # contacts per full name in the whole force
    for raw, n in raw_count.items():
        name_count[key_of[raw].full] += n
    timeline: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    names_on: dict[str, set[str]] = defaultdict(set)
    surnames_on: dict[str, set[str]] = defaultdict(set)
    for rec in records:
        if rec.phone and rec.phone not in shared:
            key = key_of[rec.name]
            surname = key.surname or (_surname(rec) if rec.email else "")
            timeline[rec.phone].append((rec.arrived, rec.contact_id, surname))
            if key.full:
                names_on[rec.phone].add(key.full)
            if surname:
                surnames_on[rec.phone].add(surname)
    groups = _surname_groups({p: sorted(n) for p, n in surnames_on.items() if len(n) > 1},
                             float(cfg["shared_name_similarity"]))
    out: dict[int, str] = {}
    for phone, events in timeline.items():
        if len(events) < 2 or (gap <= 0 and phone not in groups):
            continue
        events.sort()
        if phone not in groups and all(b[0] - a[0] <= gap for a, b in zip(events, events[1:])):
            continue  # one name or none, and no long silence: one holder
        # A frequent caller's number keeps its quiet stretches: their odd call after a
        # holiday is still theirs.
        frequent = any(name_count[n] >= busy for n in names_on.get(phone, ()))
        holders = _holder_index(events, groups.get(phone, {}), gap, int(cfg["holder_max_contacts"]), busy, frequent)
        for contact, holder in zip((c for _, c, _ in events), holders):
            if holder:
                out[contact] = f"{phone}#{holder}"
    return out


def _holder_index(events: list[tuple[int, int, str]], groups: dict[str, int], gap: int,
                  max_alone: int = 2, busy: int = 5, frequent: bool = False) -> list[int]:
    """Holder index per event (time-sorted (when, contact, surname); `groups` maps a
    surname to its near-spelling group). The timeline is cut at each change of name (at
    the longest silence between the two names) and at silences longer than `gap`.
    Stretches carrying the same name are one holder. A nameless stretch of at most
    `max_alone` contacts is a holder of its own, unless the number is `frequent` (a
    frequent caller's name is on it) or some holder has `busy` contacts on it; other
    nameless stretches go with the named holder before them (else the first one)."""
    label = [groups.get(s, s) if s else None for _, _, s in events]
    cut = [False] * len(events)
    last_named = None
    for i, lab in enumerate(label):
        if lab is None:
            continue
        if last_named is not None and label[last_named] != lab:
            # The holder changed somewhere between the two names: at the longest silence.
            j = max(range(last_named + 1, i + 1), key=lambda k: events[k][0] - events[k - 1][0])
            cut[j] = True
        last_named = i
    if gap > 0:
        for i in range(1, len(events)):
            if events[i][0] - events[i - 1][0] > gap:
                cut[i] = True
    segments: list[list[int]] = [[]]
    for i in range(len(events)):
        if cut[i] and segments[-1]:
            segments.append([])
        segments[-1].append(i)
    names = [next(iter({label[k] for k in seg if label[k] is not None}), None) for seg in segments]
    size: Counter = Counter()
    for n, (segment, name) in enumerate(zip(segments, names)):
        size[name if name is not None else ("stretch", n)] += len(segment)
    # A busy caller's odd call after a silence is still theirs.
    busy_number = frequent or max(size.values()) >= busy
    keys: list = []
    for n, (segment, name) in enumerate(zip(segments, names)):
        # A nameless stretch is a holder of its own only when it is short (a member of
        # the public's one or two calls); a longer one is the caller next to it.
        alone = name is None and len(segment) <= max_alone and not busy_number
        keys.append(name if name is not None else (("alone", n) if alone else None))
    named = [name for name in names if name is not None]
    previous = named[0] if named else ("nameless",)
    for n, key in enumerate(keys):
        if key is None:
            keys[n] = previous
        elif names[n] is not None:
            previous = key
    index_of: dict = {}
    holders: list[int] = []
    for segment, key in zip(segments, keys):
        holders += [index_of.setdefault(key, len(index_of))] * len(segment)
    return holders


# ---------------------------------------------------------------- clustering
class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> int:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra
        return ra


class _ConstrainedUnionFind(_UnionFind):
    """Union-find that refuses to join two components a "not the same" override separates."""

    def __init__(self, size: int, apart: dict[int, set[int]]) -> None:
        super().__init__(size)
        self.apart = apart  # node -> nodes it must never share a component with
        self.members: dict[int, set[int]] = {n: {n} for n in apart}  # root -> constrained nodes in it

    def try_union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        in_a, in_b = self.members.get(ra, ()), self.members.get(rb, ())
        if in_a and in_b:
            roots_b = {self.find(x) for x in in_b}
            for node in in_a:
                if any(self.find(other) in roots_b for other in self.apart[node]):
                    return False
        root = self.union(ra, rb)
        other = rb if root == ra else ra
        if in_b or in_a:
            self.members[root] = set(in_a) | set(in_b)
            self.members.pop(other, None)
        return True


@dataclass
class Clustering:
    clusters: list[list[int]]  # contact ids per cluster
    unresolved: list[int]  # contact ids with nothing identifying
    signatures: int = 0
    splink_pairs: int = 0
    shared: set[str] = field(default_factory=set)
    timings: dict[str, float] = field(default_factory=dict)


def _email_name(email: str) -> str:
    """'jamie.whitehouse27@example.com' -> 'jamie whitehouse': a digital contact that gave
    only an e-mail address often spells its name in it."""
    local = email.split("@", 1)[0]
    parts = [p for p in re.split(r"[._\-+]+", re.sub(r"\d+", "", local)) if len(p) > 1]
    return " ".join(parts) if len(parts) >= 2 else ""


def _signature(rec: Record, shared: set[str], pinned: set[int]) -> tuple:
    name = name_key(rec.name)
    if not name.full and rec.email:
        name = name_key(_email_name(rec.email))
    phone, shared_phone = (rec.phone, "") if rec.phone not in shared else ("", rec.phone)
    key = (phone, shared_phone, name.first, name.surname, address_key(rec.address), postcode_key(rec.postcode), rec.email, rec.handle)
    # A contact named in an override keeps its own node, so the override can hold it
    # apart from contacts with identical details. So does a contact that carries a name
    # and nothing else: a name alone is not a person (two web chats from two "Carole
    # Rose"s), and Splink, not the signature, decides whether two such contacts link.
    name_only = not (phone or shared_phone or key[4] or key[5] or rec.email or rec.handle)
    return key + ((rec.contact_id,) if rec.contact_id in pinned or name_only else ())


def cluster(records: list[Record], shared: set[str], overrides: list[tuple[str, int, int]] | None = None) -> Clustering:
    """Group contacts into people. `overrides`: (kind, contact_a, contact_b)."""
    cfg = identity_config()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    overrides = overrides or []
    pinned = {c for _, a, b in overrides for c in (a, b)}
    sig_index: dict[tuple, int] = {}
    contact_sig: dict[int, int] = {}
    sig_contacts: list[int] = []  # contacts per signature (for anchors)
    unresolved: list[int] = []
    holder_phone = _number_holders(records, shared, cfg)
    for rec in records:
        if rec.contact_id not in pinned and not _identifying(rec, shared):
            unresolved.append(rec.contact_id)
            continue
        if rec.contact_id in holder_phone:  # a recycled number's later holder is another number
            rec = dataclasses.replace(rec, phone=holder_phone[rec.contact_id])
        key = _signature(rec, shared, pinned)
        sig = sig_index.get(key)
        if sig is None:
            sig = sig_index[key] = len(sig_index)
            sig_contacts.append(0)
        sig_contacts[sig] += 1
        contact_sig[rec.contact_id] = sig
    keys = list(sig_index)
    timings["signatures"] = time.perf_counter() - started

    apart: dict[int, set[int]] = defaultdict(set)
    same_edges = []
    for kind, a, b in overrides:
        if a not in contact_sig or b not in contact_sig:
            continue
        sa, sb = contact_sig[a], contact_sig[b]
        if kind == LinkOverride.Kind.NOT_SAME:
            apart[sa].add(sb)
            apart[sb].add(sa)
        else:
            same_edges.append((sa, sb))
    uf = _ConstrainedUnionFind(len(keys), dict(apart))
    for sa, sb in same_edges:
        uf.try_union(sa, sb)

    # Deterministic: every signature on a number (one holder's: _number_holders) joins its busiest signature.
    by_phone: dict[str, list[int]] = defaultdict(list)
    for sig, key in enumerate(keys):
        if key[0]:
            by_phone[key[0]].append(sig)
    for sigs in by_phone.values():
        anchor = max(sigs, key=lambda s: (sig_contacts[s], -s))
        for sig in sigs:
            uf.try_union(anchor, sig)
    _link_online_ids(keys, uf, sig_contacts, float(cfg["shared_name_similarity"]))
    timings["deterministic"] = time.perf_counter() - started - timings["signatures"]

    t0 = time.perf_counter()
    edges = linkage.predict_edges(_frame(keys), float(cfg["match_threshold"]),
                                  float(cfg["probability_two_random_records_match"]), cfg["model_path"])
    timings["splink"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    for a, b, _ in edges:
        uf.try_union(a, b)
    if cfg["link_unique_names"]:
        _link_unique_names(keys, uf, sig_contacts, int(cfg["unique_name_min_contacts"]))

    groups: dict[int, list[int]] = defaultdict(list)
    for contact_id, sig in contact_sig.items():
        groups[uf.find(sig)].append(contact_id)
    timings["clustering"] = time.perf_counter() - t0
    return Clustering(list(groups.values()), unresolved, len(keys), len(edges), shared, timings)


def _link_online_ids(keys: list[tuple], uf: _ConstrainedUnionFind, sig_contacts: list[int],
                     similarity: float) -> None:
    """One e-mail address or social-media handle is one person, like an unshared number:
    its signatures join its busiest one. An address or handle written with two different
    surnames (a family's shared inbox, a community page) links nothing deterministically."""
    for column in (6, 7):  # e-mail, handle
        groups: dict[str, list[int]] = defaultdict(list)
        for sig, key in enumerate(keys):
            if key[column]:
                groups[key[column]].append(sig)
        surnames = {value: sorted({keys[s][3] for s in sigs if keys[s][3]})
                    for value, sigs in groups.items() if len(sigs) > 1}
        many = {v: n for v, n in surnames.items() if len(n) > 1}
        shared = {v for v, n in _distinct_surnames(many, similarity).items() if n > 1}
        for value in surnames.keys() - shared:
            sigs = groups[value]
            anchor = max(sigs, key=lambda s: (sig_contacts[s], -s))
            for sig in sigs:
                uf.try_union(anchor, sig)


def _link_unique_names(keys: list[tuple], uf: _ConstrainedUnionFind, sig_contacts: list[int],
                       min_contacts: int) -> int:
    """A cluster with a name but no number, address or postcode (a web chat that gave
    only a name or an e-mail) joins the one frequent caller (at least `min_contacts`
    contacts) known by exactly that full name, when no other frequent caller has it.
    Namesakes who contacted the force once or twice do not block it: contacts come in
    proportion to how often people make them, so a name-only contact is far likelier
    the frequent caller's. Splink alone scores name-only agreement below the threshold,
    rightly for common names; frequency and uniqueness in the force's own data are the
    missing evidence.
    A social-media handle with no name reads as a name when its letters are a first
    name and the start of a surname ("@kerryhar4": Kerry Harrison), by the same rule.
    A cluster and the caller both known by e-mail or handle, with none in common, are
    two people of one name and stay apart."""
    strong_roots: dict[str, set[int]] = defaultdict(set)
    by_start: dict[tuple[str, str], set[tuple[str, int]]] = defaultdict(set)  # (first, surname[:3])
    weak: dict[int, set[str]] = defaultdict(set)
    weak_handles: dict[int, set[str]] = defaultdict(set)
    size: Counter = Counter()
    for sig in range(len(keys)):
        size[uf.find(sig)] += sig_contacts[sig]
    strong, shared = set(), set()
    online: dict[int, set[tuple[int, str]]] = defaultdict(set)  # (column, e-mail or handle) per cluster
    for sig, key in enumerate(keys):
        root = uf.find(sig)
        if key[0] or key[4] or key[5]:  # number, address or postcode
            strong.add(root)
        if key[1]:  # a shared number's contact: the name belongs to that site's people
            shared.add(root)
        online[root].update((col, key[col]) for col in (6, 7) if key[col])
    for sig, key in enumerate(keys):
        first, surname, handle = key[2], key[3], key[7]
        root = uf.find(sig)
        if not (first and surname) or len(first) < 2:
            if handle and not surname and root not in strong and root not in shared:
                weak_handles[root].add(re.sub(r"[^a-z]", "", handle))
            continue
        if root in strong:
            strong_roots[f"{first} {surname}"].add(root)
            by_start[(first, surname[:3])].add((surname.replace(" ", ""), root))
        elif root not in shared:
            weak[root].add(f"{first} {surname}")
    linked = 0
    for root in weak.keys() | weak_handles.keys():
        targets = set()
        for name in weak.get(root, ()):
            targets |= strong_roots.get(name, set())
        for letters in weak_handles.get(root, ()):
            targets |= _handle_owners(letters, by_start)
        frequent = {t for t in targets if size[t] >= min_contacts}
        if len(frequent) == 1:
            target = frequent.pop()
            # Both known by e-mail or handle, and none in common: two people of one name.
            apart = any(_disjoint(online[root], online[target], col) for col in (6, 7))
            if not apart and uf.try_union(target, root):
                linked += 1
    return linked


def _disjoint(a: set[tuple[int, str]], b: set[tuple[int, str]], column: int) -> bool:
    """Both have values in `column` (e-mail or handle) and share none."""
    va, vb = {v for c, v in a if c == column}, {v for c, v in b if c == column}
    return bool(va and vb and not va & vb)


def _handle_owners(letters: str, by_start: dict[tuple[str, str], set[tuple[str, int]]]) -> set[int]:
    """Clusters whose name the handle's letters spell: a first name, then at least the
    first three letters of the surname."""
    owners = set()
    for cut in range(2, len(letters) - 2):
        first, rest = letters[:cut], letters[cut:]
        owners |= {root for surname, root in by_start.get((first, rest[:3]), ()) if surname.startswith(rest)}
    return owners


def _frame(keys: list[tuple]) -> pd.DataFrame:
    def none(value: str) -> str | None:
        return value or None

    rows = []
    for sig, (phone, shared_phone, first, surname, address, postcode, email, handle, *_) in enumerate(keys):
        rows.append((sig, none(first), none(surname), none(address), none(postcode),
                     none(postcode_district(postcode)), none(phone), none(shared_phone), none(email), none(handle)))
    return pd.DataFrame(rows, columns=linkage.COLUMNS)


def _overrides() -> list[tuple[str, int, int]]:
    return list(LinkOverride.objects.order_by("decided_at", "id").values_list("kind", "contact_a_id", "contact_b_id"))


# ---------------------------------------------------------------- writing callers
def _assign_full(clusters: list[list[int]], current: dict[int, int | None]) -> dict[int, int | None]:
    """contact -> caller id (negative = new caller #n). The caller holding most of a
    cluster's contacts keeps it; each existing caller goes to at most one cluster."""
    candidates = []
    for index, members in enumerate(clusters):
        counts = Counter(current[c] for c in members if current[c] is not None)
        candidates.extend((count, index, caller) for caller, count in counts.items())
    candidates.sort(key=lambda t: (-t[0], t[2], t[1]))
    cluster_caller: dict[int, int] = {}
    taken: set[int] = set()
    for _, index, caller in candidates:
        if index not in cluster_caller and caller not in taken:
            cluster_caller[index] = caller
            taken.add(caller)
    assignment: dict[int, int | None] = {}
    new = 0
    for index, members in enumerate(clusters):
        if index not in cluster_caller:
            new += 1
            cluster_caller[index] = -new
        for c in members:
            assignment[c] = cluster_caller[index]
    return assignment


def _assign_incremental(clusters: list[list[int]], current: dict[int, int | None]) -> dict[int, int | None]:
    """Only unresolved contacts move: to the caller most of their cluster already has."""
    assignment: dict[int, int | None] = {}
    new = 0
    for members in clusters:
        waiting = [c for c in members if current[c] is None]
        if not waiting:
            continue
        counts = Counter(current[c] for c in members if current[c] is not None)
        if counts:
            caller = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        else:
            new += 1
            caller = -new
        for c in waiting:
            assignment[c] = caller
    return assignment


def _write_assignment(assignment: dict[int, int | None], current: dict[int, int | None],
                      values: dict[int, dict[str, str]] | None = None) -> tuple[dict[int, int], int]:
    """Create new callers (with their fields when `values` has them, keyed by
    placeholder), point changed contacts at their caller. Returns (new id map, contacts changed)."""
    placeholders = sorted({c for c in assignment.values() if c is not None and c < 0}, reverse=True)
    fields = ["display_name", "name_key", "primary_number", "postcode", "area_code"]
    rows = [tuple(values[ph][f] for f in fields) for ph in placeholders] if values else ()
    new_ids = dict(zip(placeholders, _create_callers(len(placeholders), rows)))
    changes = []
    for contact_id, caller in assignment.items():
        caller = new_ids.get(caller, caller)
        if current.get(contact_id) != caller:
            changes.append((contact_id, caller))
    set_contact_callers(changes)
    return new_ids, len(changes)


_BLANK = ("", "", "", "", "")


def _create_callers(count: int, values: Sequence[tuple[str, str, str, str, str]] = ()) -> list[int]:
    """Insert `count` callers (display_name, name_key, primary_number, postcode,
    area_code from `values`, else blank) and return their ids; one executemany, not the ORM
    (bulk_create costs ~0.5 ms a row, minutes at a million contacts). Called inside a
    transaction: on SQLite that holds the write lock, so max(id) is ours to extend; on
    PostgreSQL the ids are drawn from the table's sequence."""
    if count <= 0:
        return []
    table = Caller._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)", [count])
            ids = [row[0] for row in cur.fetchall()]
        else:
            # AUTOINCREMENT's high-water mark too: a deleted caller's id is never reused.
            cur.execute(f"SELECT MAX(m) FROM (SELECT COALESCE(MAX(id), 0) AS m FROM {table} UNION ALL "
                        "SELECT seq FROM sqlite_sequence WHERE name = %s)", [table])
            first = (cur.fetchone()[0] or 0) + 1
            ids = list(range(first, first + count))
        now = timezone.now()
        values = list(values) or [_BLANK] * count
        rows = [(pk, *v, now, now) for pk, v in zip(ids, values)]
        for start in range(0, len(rows), 50_000):
            cur.executemany(
                f"INSERT INTO {table} (id, display_name, name_key, primary_number, postcode, area_code, "
                "merged_into_id, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, NULL, %s, %s)",
                rows[start:start + 50_000])
    return ids


def set_contact_callers(changes: list[tuple[int, int | None]]) -> None:
    """Bulk UPDATE contacts.caller_id (the one contact column identity owns)."""
    _bulk_update(Contact._meta.db_table, ["caller_id"], [(cid, caller) for cid, caller in changes])


def _bulk_update(table: str, columns: list[str], rows: list[tuple], stamp: str = "") -> None:
    """UPDATE table SET columns FROM a temporary table of (id, *values): one statement
    instead of one per row (Django's bulk_update builds a CASE per row and is far slower).
    UPDATE ... FROM works on PostgreSQL and SQLite >= 3.33."""
    if not rows:
        return
    tmp = "identity_bulk_update"
    defs = ", ".join(f"{c} {'bigint' if c.endswith('_id') else 'text'}" for c in columns)
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {tmp}")
        cur.execute(f"CREATE TEMPORARY TABLE {tmp} (id bigint PRIMARY KEY, {defs})")
        marks = ", ".join(["%s"] * (len(columns) + 1))
        for start in range(0, len(rows), 50_000):
            cur.executemany(f"INSERT INTO {tmp} VALUES ({marks})", rows[start:start + 50_000])
        sets = ", ".join(f"{c} = u.{c}" for c in columns)
        params: list = []
        if stamp:  # a timestamp column set to now (e.g. updated_at)
            sets += f", {stamp} = %s"
            params.append(timezone.now())
        cur.execute(f"UPDATE {table} SET {sets} FROM {tmp} u WHERE {table}.id = u.id", params)
        cur.execute(f"DROP TABLE {tmp}")


def refresh_callers(caller_ids: Iterable[int], shared: set[str] | None = None,
                    records: list[Record] | None = None, caller_of: dict[int, int | None] | None = None) -> int:
    """Recompute display_name, primary_number, postcode, area_code and name_key from
    contacts. With `records` and `caller_of` (a full run has every contact in memory)
    nothing is read back from the database."""
    ids = sorted({c for c in caller_ids if c is not None})
    if not ids:
        return 0
    shared = shared_numbers() if shared is None else shared
    if records is None:
        records, caller_of = [], {}
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            found = _rows(f"WHERE caller_id IN ({marks})", chunk)
            records += found
            caller_of.update((r.contact_id, r.caller_id) for r in found)
    values = _collect_values(set(ids), records, caller_of, shared)
    fields = ["display_name", "name_key", "primary_number", "postcode", "area_code"]
    changed = []
    with connection.cursor() as cur:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cur.execute(f"SELECT id, {', '.join(fields)} FROM {Caller._meta.db_table} WHERE id IN ({marks})", chunk)
            for pk, *old in cur.fetchall():
                new = [values[pk][f] for f in fields]
                if new != list(old):
                    changed.append((pk, *new))
    _bulk_update(Caller._meta.db_table, fields, changed, stamp="updated_at")
    return len(changed)


def _collect_values(wanted: set[int], records: list[Record], caller_of: dict[int, int | None],
                    shared: set[str]) -> dict[int, dict[str, str]]:
    """Caller fields from its contacts: most common name, unshared number, postcode."""
    names: dict[int, Counter] = defaultdict(Counter)
    numbers: dict[int, Counter] = defaultdict(Counter)
    postcodes: dict[int, Counter] = defaultdict(Counter)
    for rec in records:
        caller = caller_of.get(rec.contact_id)
        if caller not in wanted:
            continue
        if name_key(rec.name).full:
            names[caller][rec.name.strip()] += 1
        if rec.phone and rec.phone not in shared:
            numbers[caller][rec.phone] += 1
        if rec.postcode:
            key = postcode_key(rec.postcode)
            if key:
                postcodes[caller][key] += 1
    return {c: _caller_values(names[c], numbers[c], postcodes[c]) for c in wanted}


def _most_common(counter: Counter) -> str:
    return min(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0] if counter else ""


def _caller_values(names: Counter, numbers: Counter, postcodes: Counter) -> dict[str, str]:
    display = _most_common(names)[:200]
    postcode = _most_common(postcodes)[:12]
    return {"display_name": display, "name_key": name_key(display).full[:200],
            "primary_number": _most_common(numbers), "postcode": postcode, "area_code": area_for_postcode(postcode)}


def _delete_orphans(candidate_ids: Iterable[int]) -> int:
    """Delete callers left with no contacts, unless something (a case) protects them."""
    candidates = sorted(set(candidate_ids) - {None})
    orphans: list[int] = []
    for start in range(0, len(candidates), CHUNK):
        orphans += Caller.objects.filter(pk__in=candidates[start:start + CHUNK], contacts__isnull=True,
                                         ).values_list("pk", flat=True)
    deleted = 0
    for start in range(0, len(orphans), CHUNK):
        chunk = orphans[start:start + CHUNK]
        try:
            with transaction.atomic():
                deleted += Caller.objects.filter(pk__in=chunk).delete()[1].get("identity.Caller", 0)
        except ProtectedError:
            for pk in chunk:
                try:
                    with transaction.atomic():
                        deleted += Caller.objects.filter(pk=pk).delete()[1].get("identity.Caller", 0)
                except ProtectedError:
                    pass
    return deleted


# ---------------------------------------------------------------- public API
@dataclass
class ResolveResult:
    mode: str
    contacts: int = 0
    signatures: int = 0
    splink_pairs: int = 0
    clusters: int = 0
    unresolved: int = 0
    contacts_changed: int = 0
    callers_created: int = 0
    callers_deleted: int = 0
    shared_detected: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def resolve_full() -> ResolveResult:
    """Rebuild every contact's caller, keeping caller ids where a cluster allows."""
    return _resolve(full=True)


def resolve_incremental() -> ResolveResult:
    """Resolve contacts with no caller yet (and contacts on numbers newly found shared)."""
    return _resolve(full=False)


def resolve_contacts(contact_ids: Iterable[int]) -> ResolveResult:
    """Resolve the given contacts (those without a caller) against everything known.

    Contacts that already have a caller are left alone; use split_contacts or
    resolve_full to move them."""
    return _resolve(full=False, only=set(contact_ids))


def _resolve(full: bool, only: set[int] | None = None) -> ResolveResult:
    started = time.perf_counter()
    result = ResolveResult("full" if full else "incremental")
    t0 = time.perf_counter()
    records = _rows()
    result.timings["load"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    shared = shared_numbers()
    newly_shared = detect_shared_numbers(records, shared)
    result.timings["shared_numbers"] = time.perf_counter() - t0
    shared |= set(newly_shared)
    result.shared_detected = len(newly_shared)
    current = {r.contact_id: r.caller_id for r in records}
    if not full:
        # Contacts on a number just found to be shared were attached by number: redo them.
        reopen = [r.contact_id for r in records if r.phone in newly_shared and r.caller_id is not None]
        touched_callers = {current[c] for c in reopen}
        for c in reopen:
            current[c] = None
        set_contact_callers([(c, None) for c in reopen])
        waiting = {c for c, caller in current.items() if caller is None}
        if only is not None:
            waiting &= only | set(reopen)
        if not waiting:
            refresh_callers(touched_callers, shared)
            result.seconds = time.perf_counter() - started
            return result
        records = _neighbourhood(records, waiting, shared)
        current = {r.contact_id: (r.caller_id if r.contact_id not in waiting else None) for r in records}
    result.contacts = len(records)

    clustering = cluster(records, shared, _overrides())
    result.timings.update(clustering.timings)
    result.signatures, result.splink_pairs = clustering.signatures, clustering.splink_pairs
    result.clusters, result.unresolved = len(clustering.clusters), len(clustering.unresolved)

    t0 = time.perf_counter()
    with transaction.atomic():
        if full:
            assignment = _assign_full(clustering.clusters, current)
            assignment.update({c: None for c in clustering.unresolved})
        else:
            assignment = _assign_incremental(clustering.clusters, current)
        values = None
        if full:  # new callers are written whole, not created blank and updated
            placeholder_of = dict(current)
            placeholder_of.update(assignment)
            values = _collect_values({c for c in assignment.values() if c is not None and c < 0}, records,
                                     placeholder_of, shared)
        new_ids, result.contacts_changed = _write_assignment(assignment, current, values)
        result.callers_created = len(new_ids)
        affected = {new_ids.get(c, c) for c in assignment.values() if c is not None}
        previous = {current[c] for c in assignment if current.get(c) is not None}
        if not full:
            previous |= touched_callers
        if full:
            final = dict(current)
            final.update({c: new_ids.get(caller, caller) for c, caller in assignment.items()})
            refresh_callers((affected | previous) - set(new_ids.values()), shared, records, final)
        else:
            refresh_callers(affected | previous, shared)
        result.callers_deleted = _delete_orphans(previous - affected) if full else _delete_orphans(previous)
    result.timings["write"] = time.perf_counter() - t0
    result.seconds = time.perf_counter() - started
    return result


def _neighbourhood(records: list[Record], waiting: set[int], shared: set[str]) -> list[Record]:
    """The records an incremental run needs: the waiting contacts and every contact that
    shares a blocking key with one of them (number, name, surname+postcode, address,
    e-mail, handle, and the names a bare handle could spell). Linking never looks further than its blocking keys, so this is the
    whole neighbourhood of the new contacts at a fraction of the cost."""
    def keys(rec: Record) -> list[tuple]:
        name = name_key(rec.name)
        pc, addr = postcode_key(rec.postcode), address_key(rec.address)
        out = []
        if rec.phone and rec.phone not in shared:
            out.append(("p", rec.phone))
        elif rec.phone and name.full:
            out.append(("s", rec.phone))
        if name.first and name.surname:
            out.append(("n", name.first, name.surname))
        if name.surname and pc:
            out.append(("sp", name.surname, pc))
        if name.first and pc:
            out.append(("fp", name.first, pc))
        if addr and pc:
            out.append(("a", addr, postcode_district(pc)))
        if rec.email:
            out.append(("e", rec.email))
        if rec.handle:
            out.append(("h", rec.handle))
        if name.first and len(name.surname) >= 3:  # whom a handle's letters could name
            out.append(("hn", name.first, name.surname[:3]))
        elif rec.handle and not name.surname:
            letters = re.sub(r"[^a-z]", "", rec.handle)
            out += [("hn", letters[:cut], letters[cut:cut + 3]) for cut in range(2, len(letters) - 2)]
        return out

    # A named contact's "hn" key is there to be found by a bare handle, not to search with.
    wanted = {k for rec in records if rec.contact_id in waiting for k in keys(rec)
              if k[0] != "hn" or not name_key(rec.name).surname}
    near = [rec for rec in records if rec.contact_id in waiting or any(k in wanted for k in keys(rec))]
    # Contacts already on the same callers come too, so "most of the cluster" is measured fairly.
    callers = {rec.caller_id for rec in near if rec.caller_id is not None}
    ids = {rec.contact_id for rec in near}
    near.extend(rec for rec in records if rec.caller_id in callers and rec.contact_id not in ids)
    return near


# ---------------------------------------------------------------- live attachment
def attach_new(contact_ids: Sequence[int]) -> int:
    """Fast deterministic attachment for a freshly imported batch (the signal receiver).

    A present, unshared number joins the caller that already holds most contacts from
    it, or a new caller for the number. A contact with no usable number joins the one
    caller with exactly its normalised name and postcode, if there is one; otherwise it
    waits (caller null) for `engage resolve`. Returns the number of contacts attached."""
    ids = list(contact_ids)
    if not ids:
        return 0
    records: list[Record] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        marks = ", ".join(["%s"] * len(chunk))
        records += _rows(f"WHERE caller_id IS NULL AND id IN ({marks})", chunk)
    if not records:
        return 0
    shared = shared_numbers(among=[r.phone for r in records])
    numbers = sorted({r.phone for r in records if r.phone and r.phone not in shared})
    by_number = _callers_by_number(numbers)
    by_name = _callers_by_name_postcode(
        [r for r in records if not (r.phone and r.phone not in shared)])
    assignment: dict[int, int] = {}
    new_for_number: dict[str, int] = {}
    for rec in records:
        if rec.phone and rec.phone not in shared:
            caller = by_number.get(rec.phone) or new_for_number.setdefault(rec.phone, -(len(new_for_number) + 1))
        else:
            caller = by_name.get((name_key(rec.name).full, postcode_key(rec.postcode)))
        if caller is not None:
            assignment[rec.contact_id] = caller
    with transaction.atomic():
        placeholders = sorted(new_for_number.values(), reverse=True)
        phone_of = {v: k for k, v in new_for_number.items()}
        first_rec = {}
        for rec in records:
            first_rec.setdefault(assignment.get(rec.contact_id), rec)
        created = _create_callers(len(placeholders), [_new_caller(first_rec[ph], phone_of[ph]) for ph in placeholders])
        new_ids = dict(zip(placeholders, created))
        set_contact_callers([(cid, new_ids.get(c, c)) for cid, c in assignment.items()])
        _fill_blank_callers({c for c in assignment.values() if c > 0}, records, assignment)
    return len(assignment)


def _new_caller(rec: Record, phone: str) -> tuple[str, str, str, str, str]:
    name = rec.name.strip() if name_key(rec.name).full else ""
    postcode = postcode_key(rec.postcode)[:12]
    return (name[:200], name_key(name).full[:200], phone, postcode, area_for_postcode(postcode))


def _fill_blank_callers(caller_ids: set[int], records: list[Record], assignment: dict[int, int]) -> None:
    """An existing caller with no name/postcode yet takes them from its new contact."""
    ids = sorted(caller_ids)
    blank: dict[int, list[str]] = {}
    with connection.cursor() as cur:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cur.execute(f"SELECT id, display_name, name_key, postcode, area_code FROM {Caller._meta.db_table} "
                        f"WHERE id IN ({marks}) AND (display_name = '' OR postcode = '')", chunk)
            blank.update((pk, list(rest)) for pk, *rest in cur.fetchall())
    changed: dict[int, list[str]] = {}
    for rec in records:
        caller = assignment.get(rec.contact_id)
        values = blank.get(caller)
        if values is None:
            continue
        key = name_key(rec.name).full
        if not values[0] and key:
            values[0], values[1] = rec.name.strip()[:200], key[:200]
            changed[caller] = values
        if not values[2] and postcode_key(rec.postcode):
            values[2] = postcode_key(rec.postcode)[:12]
            values[3] = area_for_postcode(values[2])
            changed[caller] = values
    _bulk_update(Caller._meta.db_table, ["display_name", "name_key", "postcode", "area_code"],
                 [(pk, *v) for pk, v in changed.items()], stamp="updated_at")


def _callers_by_number(numbers: list[str]) -> dict[str, int]:
    best: dict[str, tuple[int, int]] = {}
    table = Contact._meta.db_table
    with connection.cursor() as cur:
        for start in range(0, len(numbers), CHUNK):
            chunk = numbers[start:start + CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cur.execute(f"SELECT phone_e164, caller_id, COUNT(*) FROM {table} WHERE phone_e164 IN ({marks}) "
                        "AND caller_id IS NOT NULL GROUP BY phone_e164, caller_id", chunk)
            for phone, caller, count in cur.fetchall():
                if phone not in best or (count, -caller) > (best[phone][0], -best[phone][1]):
                    best[phone] = (count, caller)
    return {phone: caller for phone, (_, caller) in best.items()}


def _callers_by_name_postcode(records: list[Record]) -> dict[tuple[str, str], int]:
    wanted = {(name_key(r.name).full, postcode_key(r.postcode)) for r in records}
    wanted = {(n, p) for n, p in wanted if n and p}
    if not wanted:
        return {}
    found: dict[tuple[str, str], list[int]] = defaultdict(list)
    names = sorted({n for n, _ in wanted})
    for start in range(0, len(names), CHUNK):
        for pk, n, p in Caller.objects.filter(name_key__in=names[start:start + CHUNK], merged_into__isnull=True,
                                              ).values_list("pk", "name_key", "postcode"):
            if (n, p) in wanted:
                found[(n, p)].append(pk)
    # Two callers with the same name at the same postcode: ambiguous, leave it to linkage.
    return {k: v[0] for k, v in found.items() if len(v) == 1}


# ---------------------------------------------------------------- coordinator overrides
def merge_callers(keep_id: int, other_id: int, user=None, reason: str = "") -> Caller:
    """Merge caller `other_id` into `keep_id`: its contacts move, a "same" override is
    stored so every later run keeps them together, and contrary "not the same"
    overrides between the two are withdrawn (the latest decision wins)."""
    if keep_id == other_id:
        raise ValueError("cannot merge a caller into itself")
    keep = Caller.objects.get(pk=keep_id)
    other = Caller.objects.get(pk=other_id)
    with transaction.atomic():
        keep_contacts = list(Contact.objects.filter(caller_id=keep_id).order_by("id").values_list("id", flat=True))
        other_contacts = list(Contact.objects.filter(caller_id=other_id).order_by("id").values_list("id", flat=True))
        if not keep_contacts or not other_contacts:
            raise ValueError("both callers must have contacts to merge")
        LinkOverride.objects.filter(kind=LinkOverride.Kind.NOT_SAME, contact_a_id__in=keep_contacts,
                                    contact_b_id__in=other_contacts).delete()
        LinkOverride.objects.filter(kind=LinkOverride.Kind.NOT_SAME, contact_a_id__in=other_contacts,
                                    contact_b_id__in=keep_contacts).delete()
        LinkOverride.objects.create(kind=LinkOverride.Kind.SAME, contact_a_id=keep_contacts[0],
                                    contact_b_id=other_contacts[0], reason=reason, decided_by=user)
        Contact.objects.filter(caller_id=other_id).update(caller_id=keep_id)
        other.merged_into = keep
        other.save(update_fields=["merged_into", "updated_at"])
        refresh_callers([keep_id])
    _audit(user, "merge_callers", keep_id, reason)
    keep.refresh_from_db()
    return keep


def split_contacts(contact_ids: Sequence[int], user=None, reason: str = "") -> Caller:
    """Move contacts off their caller onto a new caller. Stored as overrides: the moved
    contacts are the same person as each other and not the same as those left behind."""
    ids = sorted(set(contact_ids))
    contacts = list(Contact.objects.filter(pk__in=ids).values_list("id", "caller_id"))
    if len(contacts) != len(ids):
        raise ValueError("unknown contact id in split")
    callers = {caller for _, caller in contacts}
    if len(callers) != 1 or None in callers:
        raise ValueError("the contacts to split off must all belong to one caller")
    old_id = callers.pop()
    with transaction.atomic():
        remaining = list(Contact.objects.filter(caller_id=old_id).exclude(pk__in=ids).order_by("id")
                         .values_list("id", flat=True))
        moved, stay = set(ids), set(remaining)
        # Withdraw earlier "same" links across the new boundary.
        LinkOverride.objects.filter(kind=LinkOverride.Kind.SAME, contact_a_id__in=ids, contact_b_id__in=remaining).delete()
        LinkOverride.objects.filter(kind=LinkOverride.Kind.SAME, contact_a_id__in=remaining, contact_b_id__in=ids).delete()
        rows = [LinkOverride(kind=LinkOverride.Kind.SAME, contact_a_id=ids[0], contact_b_id=c, reason=reason, decided_by=user)
                for c in ids[1:]]
        if remaining:
            rows += [LinkOverride(kind=LinkOverride.Kind.SAME, contact_a_id=remaining[0], contact_b_id=c,
                                  reason=reason, decided_by=user) for c in remaining[1:]]
            rows.append(LinkOverride(kind=LinkOverride.Kind.NOT_SAME, contact_a_id=ids[0], contact_b_id=remaining[0],
                                     reason=reason, decided_by=user))
        LinkOverride.objects.bulk_create(rows, batch_size=1000)
        new = Caller.objects.create()
        Contact.objects.filter(pk__in=moved).update(caller_id=new.pk)
        refresh_callers([new.pk, old_id] if stay else [new.pk])
        if not stay:
            _delete_orphans([old_id])
    _audit(user, "split_contacts", new.pk, reason)
    new.refresh_from_db()
    return new


def _audit(user, action: str, caller_id: int, reason: str) -> None:
    """Alteration of personal data is logged (DPA 2018 Part 3)."""
    from engage.accounts import audit

    try:
        with transaction.atomic():
            if hasattr(audit, "record_for_user"):
                audit.record_for_user(user, action, "caller", caller_id, reason or action)
            else:
                audit.record(None, action, "caller", caller_id, reason or action)
    except Exception:  # the override itself is stored; a logging failure must not undo it
        log.exception("could not audit %s on caller %s", action, caller_id)

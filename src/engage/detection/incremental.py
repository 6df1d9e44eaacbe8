"""Incremental detection: each imported contact updates its caller's and place's episodes.

Connected to `contacts_imported` (after identity's receiver, which sets Contact.caller).
For a contact added to a subject at time t, only windows anchored at that subject's
contacts in [t, t + span] can change (span: the rule's longest reach), so only those are
evaluated, from the subject's contacts in [t - span, t + 2 span]. New crossing windows
are merged with the stored episodes they overlap or touch (the same merge as the batch
path); evidence grows by the contacts in the gaps newly covered. A contact that leaves a
subject (identity moved it to another caller) makes that subject be recomputed whole.
Only contacts already evaluated count, so contacts imported but not yet evaluated
(--defer) cannot be counted twice when their turn comes.
"""
from __future__ import annotations

import bisect
import logging
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction

from engage.detection import engine, sql
from engage.detection import windows as W
from engage.detection.models import Episode
from engage.detection.places import place_key_of
from engage.detection.rules import Rule
from engage.detection.store import Context, Row, absorb, reconcile_subject, subject_contacts, subject_key

log = logging.getLogger(__name__)


def on_contacts_imported(sender, contact_ids: list[int] | None = None, **kwargs) -> None:
    """Receiver of `engage.contacts.signals.contacts_imported`.

    A failure here must not fail the import that sent the signal: detection's own
    transaction rolls back, the contacts stay unevaluated and `engage detect` retries them.
    """
    if not contact_ids:
        return
    try:
        process(contact_ids)
    except Exception:  # noqa: BLE001 - logged, and recoverable by the catch-up
        log.exception("detection failed for %d imported contacts; run `engage detect` to retry", len(contact_ids))


def fill_place_keys(contact_ids: Iterable[int]) -> int:
    """Set Contact.place_key from location, else address, where it is empty."""
    ids = list(contact_ids)
    pairs = []
    for i in range(0, len(ids), 5000):
        for row in sql.contacts_with_state(ids[i:i + 5000]):
            if not row[2] and (key := place_key_of(row[7], row[8])):
                pairs.append((key, row[0]))
    sql.set_place_keys(pairs)
    return len(pairs)


def process(contact_ids: Iterable[int], ctx: Context | None = None, chunk: int = 5000) -> int:
    """Evaluate these contacts against every enabled rule; returns how many were evaluated."""
    ids = list(dict.fromkeys(contact_ids))
    if not ids:
        return 0
    ctx = ctx or Context.load()
    for i in range(0, len(ids), chunk):
        with transaction.atomic():
            _process_chunk(ids[i:i + chunk], ctx)
    return len(ids)


def _process_chunk(ids: list[int], ctx: Context) -> None:
    raw = sql.contacts_with_state(ids)
    keys = []
    rows: list[Row] = []
    states: dict[int, tuple] = {}
    now_facts: dict[int, str] = {}
    for r in raw:
        now_facts[r[0]] = sql.facts(r[3], r[6], r[5])
        place = r[2] or place_key_of(r[7], r[8])
        if place and not r[2]:
            keys.append((place, r[0]))
        rows.append(Row(r[0], r[1], place, r[3], sql.us(r[4]), r[5] or "", (r[6] or "").upper()))
        if r[9] is not None:
            states[r[0]] = (r[10], r[11] or "", r[12] or "")
    sql.set_place_keys(keys)
    added: dict[tuple[str, str], list[Row]] = defaultdict(list)
    rebuild: set[tuple[str, str]] = set()
    here: dict[tuple[str, str], list[int]] = defaultdict(list)  # this chunk's contacts per subject
    for row in rows:
        state = states.get(row.id)
        for rule in ctx.rules:
            new = subject_key(rule, row, ctx)
            if new is not None:
                here[(rule.name, new)].append(row.id)
            old = subject_key(rule, _as_counted(row, state[2]), ctx, caller_id=state[0], place_key=state[1]) \
                if state else None
            if state is not None and old == new:
                continue
            if old is not None:
                rebuild.add((rule.name, old))
            if new is not None:
                added[(rule.name, new)].append(row)
    rules = {r.name: r for r in ctx.rules}
    for name, key in rebuild:
        rule = rules[name]
        now = subject_contacts(rule, key, ctx, evaluated_or=here.get((name, key), []))
        reconcile_subject(rule, key, engine.episodes_of(rule, rule.subject, key, [(r.ts, r.id) for r in now], ctx.tz))
    for (name, key), new_rows in added.items():
        if (name, key) not in rebuild:
            add_to_subject(rules[name], key, new_rows, ctx)
    sql.mark_evaluated([(r.id, r.caller_id, r.place_key, now_facts[r.id]) for r in rows])


def _as_counted(row: Row, facts: str) -> Row:
    """The contact as it was when last evaluated (channel, opening code and number)."""
    if not facts:
        return row
    channel, code, phone = (facts.split("|", 2) + ["", ""])[:3]
    return Row(row.id, row.caller_id, row.place_key, channel, row.ts, phone, code.upper())


def _gaps(start: int, end: int, covered: list[tuple[int, int]]) -> list[tuple[int, int]]:
    gaps, cursor = [], start
    for lo, hi in sorted(covered):
        if lo > cursor:
            gaps.append((cursor, min(lo, end)))
        cursor = max(cursor, hi)
    if cursor < end:
        gaps.append((cursor, end))
    return [(lo, hi) for lo, hi in gaps if lo < hi]


def counted_rows(rule: Rule, key: str, ctx: Context, lo: int, hi: int, new_ids: list[int]) -> list[tuple[int, int]]:
    """(ts, id) of the subject's counted contacts in [lo, hi), sorted: those already
    evaluated for it, and `new_ids`. The query fixes the subject and channels; the rest of
    `subject_key` (excluded opening codes and numbers) is checked here on the raw values."""
    codes, numbers = rule.exclude.opening_codes, rule.exclude.numbers
    shared = ctx.shared_numbers if rule.exclude.shared_numbers else frozenset()
    out = []
    for cid, arrived, phone, code in sql.subject_rows(rule.subject, key, rule.channels, lo, hi, new_ids):
        if (code or "").upper() in codes or (phone and (phone in numbers or phone in shared)):
            continue
        out.append((sql.us(arrived), cid))
    out.sort()
    return out


def add_to_subject(rule: Rule, key: str, new_rows: list[Row], ctx: Context) -> None:
    """Update one subject's episodes for `rule` after `new_rows` joined it."""
    span = engine.max_span(rule)
    t_min, t_max = min(r.ts for r in new_rows), max(r.ts for r in new_rows)
    new_ids = [r.id for r in new_rows]
    # Anchors lie in [t_min, t_max + span]; their windows reach at most span either way.
    rows = counted_rows(rule, key, ctx, t_min - span, t_max + 2 * span + 1, new_ids)
    ts = [t for t, _ in rows]
    anchors = range(bisect.bisect_left(ts, t_min), bisect.bisect_right(ts, t_max + span))
    found = engine.crossing_windows(rule, ts, anchors, ctx.tz)
    lo_all = min([lo for lo, _ in found] + [t_min])
    hi_all = max([hi for _, hi in found] + [t_max + 1])
    stored = sql.episodes_touching(rule.name, rule.subject, key, lo_all, hi_all)
    if not found and not stored:
        return
    items = sorted([(lo, hi, None) for lo, hi in found] + [(e.start, e.end, e) for e in stored], key=lambda x: (x[0], x[1]))
    components: list[list] = []
    for lo, hi, episode in items:
        if components and lo <= components[-1][1]:
            components[-1][1] = max(components[-1][1], hi)
            components[-1][2].append(episode)
        else:
            components.append([lo, hi, [episode]])
    new_set = set(new_ids)
    for start, end, members in components:
        episodes = [e for e in members if e is not None]
        has_window = len(episodes) < len(members)
        new_inside = [(t, c) for t, c in rows if c in new_set and start <= t < end]
        if not new_inside and (not has_window or (len(episodes) == 1 and (episodes[0].start, episodes[0].end) == (start, end))):
            continue  # nothing new here
        _store_component(rule, key, start, end, episodes, rows, ts, new_inside)


def _store_component(rule: Rule, key: str, start: int, end: int, episodes: list[sql.Stored],
                     rows: list[tuple[int, int]], ts: list[int], new_inside: list[tuple[int, int]]) -> None:
    adding = {}
    for lo, hi in _gaps(start, end, [(e.start, e.end) for e in episodes]):
        adding.update((c, t) for t, c in rows[bisect.bisect_left(ts, lo):bisect.bisect_left(ts, hi)])
    adding.update((c, t) for t, c in new_inside)
    times = list(adding.values())
    if episodes:
        keep = min(episodes, key=lambda e: e.pk)
        first = min([e.first for e in episodes] + times)
        last = max([e.last for e in episodes] + times)
        sql.update_episode(keep.pk, start, end, sum(e.count for e in episodes) + len(adding), first, last)
        if len(episodes) > 1:
            absorb(Episode(pk=keep.pk), [Episode(pk=e.pk) for e in episodes if e.pk != keep.pk])
        pk = keep.pk
    else:  # a new episode: saved through the ORM so post_save receivers (notifications) run
        pk = Episode.objects.create(
            subject=rule.subject, rule=rule.name, caller_id=int(key) if rule.subject == "caller" else None,
            place_key=key if rule.subject == "location" else "", window_start=W.from_us(start),
            window_end=W.from_us(end), first_contact_at=W.from_us(min(times)), last_contact_at=W.from_us(max(times)),
            contact_count=len(adding)).pk
    sql.add_evidence(pk, list(adding))


def pending_contact_ids() -> list[int]:
    """Contacts detection has not seen, or whose caller, place, channel, opening code or
    number changed since it did."""
    return sql.pending_ids()

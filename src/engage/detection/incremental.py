"""Incremental detection: each imported contact updates its caller's and place's episodes.

Connected to `contacts_imported` (after identity's receiver, which sets Contact.caller).
For a contact added to a subject at time t, only windows anchored at that subject's
contacts in [t, t + span] can change (span: the rule's longest reach), so only those are
evaluated, from the subject's contacts in [t - 2 span, t + 2 span]. New crossing windows
are merged with the stored episodes they overlap or touch (the same merge as the batch
path); evidence grows by the contacts in the gaps newly covered. A contact that leaves a
subject (identity moved it to another caller) makes that subject be recomputed whole.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction

from engage.contacts.models import Contact
from engage.detection import engine
from engage.detection.models import Episode, EvaluatedContact
from engage.detection.places import place_key_of
from engage.detection.rules import Rule
from engage.detection.store import (ROW_FIELDS, Context, Row, absorb, reconcile_subject, subject_contacts,
                                    subject_episodes, subject_key)
from engage.detection import windows as W

log = logging.getLogger(__name__)


def on_contacts_imported(sender, contact_ids: list[int] | None = None, **kwargs) -> None:
    """Receiver of `engage.contacts.signals.contacts_imported`."""
    if contact_ids:
        process(contact_ids)


def fill_place_keys(contact_ids: Iterable[int]) -> int:
    """Set Contact.place_key from location, else address, where it is empty."""
    by_key: dict[str, list[int]] = defaultdict(list)
    qs = Contact.objects.filter(pk__in=list(contact_ids), place_key="").exclude(location="", address="")
    for cid, location, address in qs.values_list("id", "location", "address"):
        key = place_key_of(location, address)
        if key:
            by_key[key].append(cid)
    for key, ids in by_key.items():
        Contact.objects.filter(pk__in=ids).update(place_key=key)
    return sum(len(v) for v in by_key.values())


def process(contact_ids: Iterable[int], ctx: Context | None = None, chunk: int = 5000) -> int:
    """Evaluate these contacts against every enabled rule; returns how many were evaluated."""
    ids = list(dict.fromkeys(contact_ids))
    ctx = ctx or Context.load()
    for i in range(0, len(ids), chunk):
        with transaction.atomic():
            _process_chunk(ids[i:i + chunk], ctx)
    return len(ids)


def _process_chunk(ids: list[int], ctx: Context) -> None:
    fill_place_keys(ids)
    rows = [Row.of(v) for v in Contact.objects.filter(pk__in=ids).values_list(*ROW_FIELDS)]
    states = {s.contact_id: s for s in EvaluatedContact.objects.filter(contact_id__in=ids)}
    added: dict[tuple[str, str], list[Row]] = defaultdict(list)
    rebuild: set[tuple[str, str]] = set()
    here: dict[tuple[str, str], list[int]] = defaultdict(list)  # this chunk's contacts per subject
    for row in rows:
        state = states.get(row.id)
        for rule in ctx.rules:
            new = subject_key(rule, row, ctx)
            if new is not None:
                here[(rule.name, new)].append(row.id)
            old = subject_key(rule, row, ctx, caller_id=state.caller_id, place_key=state.place_key) if state else None
            if state is not None and old == new:
                continue
            if old is not None:
                rebuild.add((rule.name, old))
            if new is not None:
                added[(rule.name, new)].append(row)
    rules = {r.name: r for r in ctx.rules}
    for name, key in rebuild:
        rule = rules[name]
        rows_now = subject_contacts(rule, key, ctx, evaluated_or=here.get((name, key), []))
        reconcile_subject(rule, key, engine.episodes_of(rule, rule.subject, key, [(r.ts, r.id) for r in rows_now], ctx.tz))
    for (name, key), new_rows in added.items():
        if (name, key) not in rebuild:
            add_to_subject(rules[name], key, new_rows, ctx)
    EvaluatedContact.objects.bulk_create(
        [EvaluatedContact(contact_id=r.id, caller_id=r.caller_id, place_key=r.place_key) for r in rows],
        update_conflicts=True, unique_fields=["contact"], update_fields=["caller_id", "place_key"],
    )


def _gaps(start: int, end: int, covered: list[tuple[int, int]]) -> list[tuple[int, int]]:
    gaps, cursor = [], start
    for lo, hi in sorted(covered):
        if lo > cursor:
            gaps.append((cursor, min(lo, end)))
        cursor = max(cursor, hi)
    if cursor < end:
        gaps.append((cursor, end))
    return [(lo, hi) for lo, hi in gaps if lo < hi]


def add_to_subject(rule: Rule, key: str, new_rows: list[Row], ctx: Context) -> None:
    """Update one subject's episodes for `rule` after `new_rows` joined it."""
    span = engine.max_span(rule)
    t_min, t_max = min(r.ts for r in new_rows), max(r.ts for r in new_rows)
    rows = subject_contacts(rule, key, ctx, t_min - 2 * span, t_max + 2 * span + 1,
                            evaluated_or=[r.id for r in new_rows])
    ts = [r.ts for r in rows]
    anchors = [i for i, t in enumerate(ts) if t_min <= t <= t_max + span]
    found = engine.crossing_windows(rule, ts, anchors, ctx.tz)
    lo_all = min([lo for lo, _ in found] + [t_min])
    hi_all = max([hi for _, hi in found] + [t_max + 1])
    stored = list(subject_episodes(rule, key).filter(window_start__lte=W.from_us(hi_all),
                                                      window_end__gte=W.from_us(lo_all)).order_by("pk"))
    if not found and not stored:
        return
    items = sorted([(lo, hi, None) for lo, hi in found]
                   + [(W.to_us(e.window_start), W.to_us(e.window_end), e) for e in stored], key=lambda x: (x[0], x[1]))
    components: list[list] = []
    for lo, hi, episode in items:
        if components and lo <= components[-1][1]:
            components[-1][1] = max(components[-1][1], hi)
            components[-1][2].append((lo, hi, episode))
        else:
            components.append([lo, hi, [(lo, hi, episode)]])
    new_ids = {r.id for r in new_rows}
    for start, end, members in components:
        episodes = [e for _, _, e in members if e is not None]
        has_window = len(episodes) < len(members)
        new_inside = [r for r in rows if r.id in new_ids and start <= r.ts < end]
        if not new_inside and (not has_window or (
                len(episodes) == 1 and (W.to_us(episodes[0].window_start), W.to_us(episodes[0].window_end)) == (start, end))):
            continue  # nothing new here
        _store_component(rule, key, start, end, episodes, rows, new_inside)


def _store_component(rule: Rule, key: str, start: int, end: int, episodes: list[Episode],
                     rows: list[Row], new_inside: list[Row]) -> None:
    covered = [(W.to_us(e.window_start), W.to_us(e.window_end)) for e in episodes]
    gaps = _gaps(start, end, covered)
    adding = {r.id: r for r in rows if any(lo <= r.ts < hi for lo, hi in gaps)}
    adding.update({r.id: r for r in new_inside})
    if episodes:
        keep = min(episodes, key=lambda e: e.pk)
        count = sum(e.contact_count for e in episodes)
        firsts = [W.to_us(e.first_contact_at) for e in episodes]
        lasts = [W.to_us(e.last_contact_at) for e in episodes]
    else:
        keep = Episode(subject=rule.subject, rule=rule.name,
                       caller_id=int(key) if rule.subject == "caller" else None,
                       place_key=key if rule.subject == "location" else "")
        count, firsts, lasts = 0, [], []
    added_ts = [r.ts for r in adding.values()]
    keep.window_start, keep.window_end = W.from_us(start), W.from_us(end)
    keep.first_contact_at = W.from_us(min(firsts + added_ts))
    keep.last_contact_at = W.from_us(max(lasts + added_ts))
    keep.contact_count = count + len(adding)
    keep.save()
    absorb(keep, episodes)
    through = Episode.contacts.through
    through.objects.bulk_create([through(episode_id=keep.pk, contact_id=cid) for cid in adding])


def pending_contact_ids() -> list[int]:
    """Contacts detection has not seen, or whose caller or place changed since it did."""
    unseen = Contact.objects.exclude(pk__in=EvaluatedContact.objects.values("contact_id")).values_list("id", flat=True)
    from django.db.models import F, Q

    moved = EvaluatedContact.objects.exclude(
        Q(caller_id=F("contact__caller_id")) | Q(caller_id__isnull=True, contact__caller_id__isnull=True)
    ).values_list("contact_id", flat=True)
    moved_place = EvaluatedContact.objects.exclude(place_key=F("contact__place_key")).values_list("contact_id", flat=True)
    return sorted(set(unseen) | set(moved) | set(moved_place))

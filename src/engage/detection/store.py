"""Reading counted contacts and writing episodes (the Django database side of detection)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engage.contacts.models import Contact
from engage.detection import windows as W
from engage.detection.engine import EpisodeSpec
from engage.detection.models import Episode
from engage.detection.rules import Rule, load_rules, timezone_name

ROW_FIELDS = ("id", "caller_id", "place_key", "channel", "arrived_at", "phone_e164", "opening_code")


@dataclass(frozen=True)
class Row:
    """The fields of a contact that detection reads."""

    id: int
    caller_id: int | None
    place_key: str
    channel: str
    ts: int
    phone: str
    code: str

    @classmethod
    def of(cls, values: tuple) -> "Row":
        from engage.detection.sql import us

        cid, caller, place, channel, arrived, phone, code = values[:7]
        return cls(cid, caller, place or "", channel, us(arrived), phone or "", (code or "").upper())


@dataclass
class Context:
    """What one evaluation needs, loaded once: rules, time zone, shared numbers."""

    rules: list[Rule]
    tz: str
    shared_numbers: frozenset[str]

    @classmethod
    def load(cls, rules: list[Rule] | None = None) -> "Context":
        return cls(rules if rules is not None else load_rules(), timezone_name(), shared_numbers())


def shared_numbers() -> frozenset[str]:
    """Numbers many people use (identity's list: configured, detected or set by a coordinator)."""
    from engage.detection.sql import shared_numbers as load

    return load()


def subject_key(rule: Rule, row: Row, ctx: Context, *, caller_id=..., place_key=...) -> str | None:
    """The subject this contact counts for under `rule`, or None when it does not count."""
    caller_id = row.caller_id if caller_id is ... else caller_id
    place_key = row.place_key if place_key is ... else place_key
    if row.channel not in rule.channels or row.code in rule.exclude.opening_codes:
        return None
    if row.phone and (row.phone in rule.exclude.numbers or (rule.exclude.shared_numbers and row.phone in ctx.shared_numbers)):
        return None
    if rule.subject == "caller":
        return None if caller_id is None or caller_id in rule.exclude.callers else str(caller_id)
    return None if not place_key or place_key in rule.exclude.places else place_key


def subject_contacts(rule: Rule, key: str, ctx: Context, lo: int | None = None, hi: int | None = None,
                     *, evaluated_or: Iterable[int] | None = None) -> list[Row]:
    """Counted contacts of one subject, optionally with lo <= arrived < hi, sorted by time.

    With `evaluated_or`, only contacts detection has already counted for this subject,
    plus those ids: contacts imported but not yet evaluated are left for their turn.
    """
    from django.db.models import Q

    qs = Contact.objects.filter(channel__in=rule.channels)
    if rule.subject == "caller":
        qs = qs.filter(caller_id=int(key))
        seen = Q(detection_state__caller_id=int(key))
    else:
        qs = qs.filter(place_key=key)
        seen = Q(detection_state__place_key=key)
    if evaluated_or is not None:
        qs = qs.filter(seen | Q(pk__in=list(evaluated_or)))
    if lo is not None:
        qs = qs.filter(arrived_at__gte=W.from_us(lo), arrived_at__lt=W.from_us(hi))
    rows = [Row.of(v) for v in qs.values_list(*ROW_FIELDS)]
    rows = [r for r in rows if subject_key(rule, r, ctx) == key]
    rows.sort(key=lambda r: (r.ts, r.id))
    return rows


def subject_episodes(rule: Rule, key: str):
    qs = Episode.objects.filter(rule=rule.name, subject=rule.subject)
    return qs.filter(caller_id=int(key)) if rule.subject == "caller" else qs.filter(place_key=key)


def absorb(keep: Episode, others: Iterable[Episode]) -> None:
    """Fold episodes into `keep`: their case links and evidence move, then they go."""
    others = [o for o in others if o.pk != keep.pk]
    if not others:
        return
    ids = [o.pk for o in others]
    move_related(keep.pk, ids)
    Episode.contacts.through.objects.filter(episode_id__in=ids).update(episode_id=keep.pk)
    Episode.objects.filter(pk__in=ids).delete()


def move_related(keep_pk: int, other_pks: list[int]) -> None:
    """Before episodes are folded into `keep_pk`: what other apps hang on them follows.

    Case links (many-to-many) are added to the kept episode; rows pointing at an episode
    (e.g. the coordinator's decision, one per episode) move to it unless it has its own.
    """
    case_ids = set(Episode.cases.through.objects.filter(episode_id__in=other_pks).values_list("case_id", flat=True))
    if case_ids:
        Episode(pk=keep_pk).cases.add(*case_ids)
    for rel in Episode._meta.related_objects:
        if rel.many_to_many or rel.related_model is Episode.contacts.through:
            continue
        model, field = rel.related_model, rel.field.name
        rows = model._default_manager.filter(**{f"{field}_id__in": other_pks})
        if rel.one_to_one:
            if model._default_manager.filter(**{f"{field}_id": keep_pk}).exists():
                continue
            rows = rows.order_by("pk")[:1]
            first = list(rows.values_list("pk", flat=True))
            model._default_manager.filter(pk__in=first).update(**{f"{field}_id": keep_pk})
        else:
            rows.update(**{f"{field}_id": keep_pk})


def apply_spec(episode: Episode, spec: EpisodeSpec) -> Episode:
    episode.subject = spec.subject
    episode.caller_id = int(spec.key) if spec.subject == "caller" else None
    episode.place_key = spec.key if spec.subject == "location" else ""
    episode.rule = spec.rule
    episode.window_start, episode.window_end = W.from_us(spec.start), W.from_us(spec.end)
    episode.first_contact_at, episode.last_contact_at = W.from_us(spec.first), W.from_us(spec.last)
    episode.contact_count = spec.count
    return episode


def set_evidence(episode: Episode, contact_ids: Iterable[int]) -> None:
    through = Episode.contacts.through
    wanted = set(contact_ids)
    have = set(through.objects.filter(episode_id=episode.pk).values_list("contact_id", flat=True))
    if have - wanted:
        through.objects.filter(episode_id=episode.pk, contact_id__in=have - wanted).delete()
    through.objects.bulk_create([through(episode_id=episode.pk, contact_id=c) for c in wanted - have])


def reconcile_subject(rule: Rule, key: str, specs: list[EpisodeSpec]) -> None:
    """Make one subject's stored episodes for `rule` equal `specs`, keeping ids and status.

    A spec takes over the oldest stored episode it overlaps (others it overlaps are
    absorbed into it); stored episodes that no spec overlaps are deleted.
    """
    existing = list(subject_episodes(rule, key).order_by("pk"))
    used: set[int] = set()
    for spec in specs:
        overlapping = [e for e in existing if e.pk not in used and W.to_us(e.window_start) < spec.end
                       and W.to_us(e.window_end) > spec.start]
        episode = overlapping[0] if overlapping else Episode()
        apply_spec(episode, spec).save()
        absorb(episode, overlapping[1:])
        used.update(e.pk for e in overlapping)
        set_evidence(episode, spec.contact_ids)
    stale = [e.pk for e in existing if e.pk not in used]
    if stale:
        Episode.objects.filter(pk__in=stale).delete()


def stored_specs(rule_names: Iterable[str] | None = None) -> list[EpisodeSpec]:
    """Every stored episode as a spec (for comparing paths and for reports)."""
    qs = Episode.objects.all()
    if rule_names is not None:
        qs = qs.filter(rule__in=list(rule_names))
    through = Episode.contacts.through
    evidence: dict[int, list[int]] = {}
    for eid, cid in through.objects.filter(episode__in=qs).values_list("episode_id", "contact_id"):
        evidence.setdefault(eid, []).append(cid)
    specs = []
    for e in qs:
        specs.append(EpisodeSpec(e.rule, e.subject, e.subject_key, W.to_us(e.window_start), W.to_us(e.window_end),
                                 e.contact_count, W.to_us(e.first_contact_at), W.to_us(e.last_contact_at),
                                 tuple(sorted(evidence.get(e.pk, [])))))
    return sorted(specs)


"""Triage suggestion: transparent scored rules from `[detection.triage]`.

Each contact scores points for a class when its opening code, closing code, narrative or
subject words, or abandonment match that class's table; a class's score is its points
per contact. The best class is suggested if its score reaches `min_score`. The evidence
says which codes and words scored and how often. This is only a suggestion: the
coordinator's decision (cases.Case.triage) is stored separately and always wins.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from engage import config
from engage.contacts.models import Contact

CLASSES = ("vulnerable", "targeted_victim", "nuisance")
NONE = ""  # no class reached min_score


@dataclass
class Suggestion:
    kind: str  # one of CLASSES, or "" when none is suggested
    scores: dict[str, float]
    evidence: list[str] = field(default_factory=list)
    label: str = ""
    contacts: int = 0

    def as_dict(self) -> dict:
        return {"kind": self.kind, "label": self.label, "scores": self.scores, "evidence": self.evidence,
                "contacts": self.contacts}


def settings() -> dict:
    return config.section("detection").get("triage", {})


def _table(cls_conf: dict, name: str) -> dict[str, float]:
    return {str(k).upper() if name != "keywords" else str(k).lower(): float(v) for k, v in cls_conf.get(name, {}).items()}


def score(contacts: list[dict], conf: dict | None = None) -> Suggestion:
    """Score contacts (dicts with opening_code, closing_code, narrative, subject, abandoned)."""
    conf = conf if conf is not None else settings()
    n = len(contacts)
    scores: dict[str, float] = {}
    evidence: dict[str, list[tuple[float, str]]] = {}
    for cls in CLASSES:
        c = conf.get(cls, {})
        opening, closing, words = _table(c, "opening_codes"), _table(c, "closing_codes"), _table(c, "keywords")
        abandoned_w = float(c.get("abandoned", 0.0))
        hits: Counter = Counter()
        points = 0.0
        for contact in contacts:
            code = (contact.get("opening_code") or "").upper()
            if code in opening:
                hits[("opening code", code, opening[code])] += 1
                points += opening[code]
            close = (contact.get("closing_code") or "").upper()
            if close in closing:
                hits[("closing code", close, closing[close])] += 1
                points += closing[close]
            text = f"{contact.get('narrative') or ''} {contact.get('subject') or ''}".lower()
            for word, w in words.items():
                if word in text:
                    hits[("words", word, w)] += 1
                    points += w
            if contact.get("abandoned") and abandoned_w:
                hits[("abandoned", "abandoned call", abandoned_w)] += 1
                points += abandoned_w
        scores[cls] = round(points / n, 3) if n else 0.0
        evidence[cls] = sorted(((k[2] * v, _say(k, v, n)) for k, v in hits.items()), reverse=True)
    best = max(CLASSES, key=lambda k: (scores[k], -CLASSES.index(k)))
    min_score = float(conf.get("min_score", 0.5))
    kind = best if n and scores[best] >= min_score else NONE
    lines = [f"{conf.get(best, {}).get('label', best)}: {scores[best]:.2f} points per contact "
             f"({'reaches' if kind else 'below'} the {min_score:g} needed)"] if n else ["no contacts to assess"]
    lines += [text for _, text in evidence[best][:6]]
    for other in CLASSES:
        if other != best and scores[other] > 0:
            lines.append(f"also {conf.get(other, {}).get('label', other)}: {scores[other]:.2f}")
    label = conf.get(kind, {}).get("label", kind) if kind else "No suggestion"
    return Suggestion(kind, scores, lines, label, n)


def _say(hit: tuple, times: int, n: int) -> str:
    what, value, weight = hit
    if what == "words":
        return f"'{value}' in {times} of {n} contacts' narratives (+{weight:g} each)"
    if what == "abandoned":
        return f"{times} of {n} contacts abandoned (+{weight:g} each)"
    return f"{times} of {n} contacts with {what} {value} (+{weight:g} each)"


FIELDS = ("opening_code", "closing_code", "narrative", "subject", "abandoned")


def suggest(caller_id: int, now: dt.datetime | None = None) -> Suggestion:
    """Suggest a class for a caller from their contacts in the look-back period.

    The period ends at `now`, or by default at the caller's latest contact (so a caller
    assessed from an old export is judged on their own recent contacts).
    """
    from django.db.models import Max

    conf = settings()
    now = now or Contact.objects.filter(caller_id=caller_id).aggregate(m=Max("arrived_at"))["m"]
    if now is None:
        return score([], conf)
    since = now - dt.timedelta(days=int(conf.get("lookback_days", 365)))
    contacts = list(Contact.objects.filter(caller_id=caller_id, arrived_at__gte=since, arrived_at__lte=now).values(*FIELDS))
    return score(contacts, conf)

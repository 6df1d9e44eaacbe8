"""Detection rules: configuration (`[[detection.rules]]`) turned into checked objects.

A rule counts a subject's (caller's or place's) contacts on some channels, leaving out
excluded ones, and is crossed when any of its thresholds is met in a window. docs/rules.md
describes the language; every window kind is defined in `engage.detection.windows`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from engage import config

SUBJECTS = ("caller", "location")
WINDOWS = ("calendar_day", "calendar_month", "rolling_days", "rolling_months")
KNOWN_RULE_KEYS = {"name", "description", "subject", "channels", "thresholds", "exclude", "enabled"}
KNOWN_EXCLUDE_KEYS = {"shared_numbers", "numbers", "opening_codes", "callers", "places"}
DEFAULT_CHANNELS = ("999", "101")


class RuleError(ValueError):
    """A rule in the configuration is malformed; the message names the rule and the key."""


@dataclass(frozen=True)
class Threshold:
    at_least: int
    window: str
    length: int = 1  # number of days, months or calendar periods

    def describe(self) -> str:
        unit = {"calendar_day": "calendar day", "calendar_month": "calendar month",
                "rolling_days": "rolling day", "rolling_months": "rolling month"}[self.window]
        if self.length == 1 and self.window.startswith("calendar"):
            return f"{self.at_least}+ in a {unit}"
        return f"{self.at_least}+ in {self.length} {unit}s"


@dataclass(frozen=True)
class Exclusions:
    shared_numbers: bool = True
    numbers: frozenset[str] = frozenset()
    opening_codes: frozenset[str] = frozenset()
    callers: frozenset[int] = frozenset()
    places: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Rule:
    name: str
    subject: str
    channels: tuple[str, ...]
    thresholds: tuple[Threshold, ...]
    exclude: Exclusions = field(default_factory=Exclusions)
    enabled: bool = True
    description: str = ""

    def describe(self) -> str:
        return " or ".join(t.describe() for t in self.thresholds) + f" ({', '.join(self.channels)})"


def _threshold(rule_name: str, i: int, raw: object) -> Threshold:
    where = f"rule {rule_name!r} threshold {i + 1}"
    if not isinstance(raw, dict):
        raise RuleError(f"{where}: must be a table like {{ at_least = 5, window = \"calendar_day\" }}")
    unknown = set(raw) - {"at_least", "window", "length"}
    if unknown:
        raise RuleError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    at_least, window, length = raw.get("at_least"), raw.get("window"), raw.get("length", 1)
    if not isinstance(at_least, int) or isinstance(at_least, bool) or at_least < 1:
        raise RuleError(f"{where}: 'at_least' must be a whole number >= 1")
    if window not in WINDOWS:
        raise RuleError(f"{where}: 'window' must be one of {', '.join(WINDOWS)} (got {window!r})")
    if not isinstance(length, int) or isinstance(length, bool) or not 1 <= length <= 120:
        raise RuleError(f"{where}: 'length' must be a whole number from 1 to 120")
    return Threshold(at_least, window, length)


def _exclusions(rule_name: str, raw: object) -> Exclusions:
    if raw is None:
        return Exclusions()
    if not isinstance(raw, dict):
        raise RuleError(f"rule {rule_name!r}: 'exclude' must be a table")
    unknown = set(raw) - KNOWN_EXCLUDE_KEYS
    if unknown:
        raise RuleError(f"rule {rule_name!r}: unknown exclusion {sorted(unknown)[0]!r}")
    from engage.detection.places import place_key
    from engage.identity.phones import normalise

    numbers = frozenset(normalise(str(n)).e164 or str(n) for n in raw.get("numbers", []))
    return Exclusions(
        shared_numbers=bool(raw.get("shared_numbers", True)),
        numbers=numbers,
        opening_codes=frozenset(str(c).upper() for c in raw.get("opening_codes", [])),
        callers=frozenset(int(c) for c in raw.get("callers", [])),
        places=frozenset(place_key(str(p)) for p in raw.get("places", [])),
    )


def parse_rule(raw: dict, index: int = 0) -> Rule:
    if not isinstance(raw, dict):
        raise RuleError(f"rule {index + 1}: must be a table")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 64:
        raise RuleError(f"rule {index + 1}: 'name' must be a non-empty string of at most 64 characters")
    unknown = set(raw) - KNOWN_RULE_KEYS
    if unknown:
        raise RuleError(f"rule {name!r}: unknown key {sorted(unknown)[0]!r}")
    subject = raw.get("subject", "caller")
    if subject not in SUBJECTS:
        raise RuleError(f"rule {name!r}: 'subject' must be 'caller' or 'location' (got {subject!r})")
    channels = raw.get("channels", list(DEFAULT_CHANNELS))
    if not isinstance(channels, list) or not channels or not all(isinstance(c, str) for c in channels):
        raise RuleError(f"rule {name!r}: 'channels' must be a non-empty list of channel names")
    from engage.contacts.models import Channel

    bad = [c for c in channels if c not in Channel.values]
    if bad:
        raise RuleError(f"rule {name!r}: unknown channel {bad[0]!r} (known: {', '.join(Channel.values)})")
    thresholds = raw.get("thresholds")
    if not isinstance(thresholds, list) or not thresholds:
        raise RuleError(f"rule {name!r}: 'thresholds' must be a non-empty list")
    return Rule(
        name=name.strip(),
        subject=subject,
        channels=tuple(channels),
        thresholds=tuple(_threshold(name, i, t) for i, t in enumerate(thresholds)),
        exclude=_exclusions(name, raw.get("exclude")),
        enabled=bool(raw.get("enabled", True)),
        description=str(raw.get("description", "")),
    )


def parse_rules(raw_rules: list) -> list[Rule]:
    rules = [parse_rule(r, i) for i, r in enumerate(raw_rules)]
    names = [r.name for r in rules]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise RuleError(f"rule {sorted(duplicates)[0]!r}: defined twice")
    return rules


def load_rules(*, include_disabled: bool = False) -> list[Rule]:
    """The force's rules from configuration (enabled ones unless asked)."""
    rules = parse_rules(config.section("detection").get("rules", []))
    return [r for r in rules if include_disabled or r.enabled]


def timezone_name() -> str:
    return config.section("force").get("timezone", "Europe/London")

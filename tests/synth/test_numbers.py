"""Only Ofcom's drama numbers, written in the ways real systems write them."""
import re

from engage.identity.phones import normalise
from engage.synth.pools import DRAMA_E164_PREFIXES

WITHHELD = {"", "Withheld", "PRIVATE", "Unavailable"}


def _drama(e164: str) -> bool:
    return len(e164) == 13 and e164.startswith(DRAMA_E164_PREFIXES)


def _written_numbers(force):
    for source, column in (("calls", "cli"), ("cc", "caller_phone"), ("digital", "phone")):
        for row, truth in zip(force.rows(source), force.truth(source)):
            if truth["malformed"] != "bad_number":
                yield source, row[column]


def test_every_number_is_in_a_drama_range(force):
    seen = 0
    for source, raw in _written_numbers(force):
        if raw in WITHHELD:
            continue
        phone = normalise(raw)
        assert phone.status == "present" and _drama(phone.e164), (source, raw)
        seen += 1
    assert seen > 10_000
    for person in force.rows("people"):
        for number in filter(None, person["numbers"].split(";")):
            assert _drama(number), number


def test_numbers_come_in_several_formats_and_withheld_spellings(force):
    raws = [raw for _, raw in _written_numbers(force)]
    assert any(re.fullmatch(r"07700 900\d{3}", r) for r in raws)
    assert any(re.fullmatch(r"\+447700900\d{3}", r) for r in raws)
    assert any(re.fullmatch(r"07700900\d{3}", r) for r in raws)
    clis = {r["cli"] for r in force.rows("calls")}
    assert {"Withheld", "PRIVATE", ""} <= clis


def test_999_calls_are_never_withheld(force):
    """CLI privacy does not apply to 999: only 101 calls withhold; a 999 call rarely has no CLI."""
    calls = [(r["line"], r["cli"]) for r, t in zip(force.rows("calls"), force.truth("calls"))
             if r["direction"] == "in" and t["malformed"] != "bad_number"]
    hidden = {line: sum(cli in WITHHELD for l, cli in calls if l == line) / sum(l == line for l, _ in calls)
              for line in ("999", "101")}
    assert not any(cli in {"Withheld", "PRIVATE"} for line, cli in calls if line == "999")
    assert hidden["999"] < 0.02 and 0.04 < hidden["101"] < 0.15, hidden


def test_bad_numbers_do_not_parse(force):
    bad = [raw for source, column in (("calls", "cli"), ("cc", "caller_phone"), ("digital", "phone"))
           for row, t in zip(force.rows(source), force.truth(source)) if t["malformed"] == "bad_number"
           for raw in [row[column]]]
    assert bad
    assert all(normalise(raw).status == "invalid" for raw in bad)


def test_repeat_callers_and_shared_lines_have_numbers_of_their_own(force):
    """The public recycle numbers; a repeat caller's or a shared line's is theirs alone."""
    owners = {}
    public = set()
    for person in force.rows("people"):
        numbers = person["numbers"].split(";")
        if person["person_kind"] != "ordinary":
            for number in numbers:
                assert owners.setdefault(number, person["person_id"]) == person["person_id"], number
        elif not person["shared_number"]:
            public.update(numbers)
    shared = {p["numbers"] for p in force.rows("people") if p["shared_number"]}
    assert owners and shared
    assert not (set(owners) | shared) & public
    # Not one contiguous block: repeat callers' mobiles are spread over the whole range.
    mobiles = sorted(int(n[-3:]) for n in owners if n.startswith("+447700900"))
    assert mobiles[0] < 100 and mobiles[-1] > 900

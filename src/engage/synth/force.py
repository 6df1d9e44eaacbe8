"""`generate()`: a synthetic force's four source files, with the truth behind every row.

Writes cc.csv, calls.csv, acd.csv, digital.csv (canonical formats, docs/formats.md),
truth.csv (the person behind each source row) and people.csv (who everyone is).
Everything is drawn from one seeded NumPy generator, so one seed gives the same bytes.
"""
from __future__ import annotations

import csv
import datetime as dt
import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import codes, malformed
from .pools import Numbers, WITHHELD_SPELLINGS, build_pools
from .population import (NUISANCE, ORDINARY, REPEAT_COUNTS, REPEAT_KINDS, SHARED_KINDS, TARGETED,
                         VULNERABLE, Calendar, People, Segment, landmark, public, repeat_callers,
                         shared_numbers)
from .profiles import (ABANDON_RATE_101, CH_101, CH_999, CH_ONLINE, CH_OTHER, CH_SOCIAL,
                       CH_WEBCHAT, CHANNEL_NAMES, DAYS_PER_MONTH, MONTHLY_ABANDONED_999,
                       MONTHLY_VOLUME, MONTHLY_WALK_INS, TALK_MEDIAN, TALK_SIGMA, WAIT_MEAN,
                       WAIT_SIGMA, WEEKDAY)

DEFAULT_START = dt.date(2026, 8, 1)
HEADERS = {
    "cc": ["incident_number", "created_at", "source", "caller_name", "caller_phone", "caller_address",
           "caller_postcode", "location", "opening_code", "grade", "closing_code", "narrative"],
    "calls": ["call_id", "started_at", "ended_at", "direction", "line", "cli", "handler_id"],
    "acd": ["call_id", "line", "arrived_at", "answered_at", "ended_at", "abandoned", "queue_seconds",
            "talk_seconds", "handler_id"],
    "digital": ["contact_id", "channel", "started_at", "name", "phone", "email", "handle", "subject",
                "reference"],
}
TRUTH_HEADER = ["source", "source_key", "person_id", "person_kind", "line", "malformed"]
PEOPLE_HEADER = ["person_id", "name", "person_kind", "numbers", "postcode", "shared_number",
                 "intervention_date", "intervention", "meets_criterion", "address"]
CC_SOURCE = {CH_999: "999", CH_101: "101", CH_WEBCHAT: "webchat", CH_ONLINE: "online",
             CH_SOCIAL: "social", CH_OTHER: "other"}
# Share of contacts that become a C&C incident, by channel (answered calls only).
INCIDENT_SHARE = {CH_999: 0.85, CH_101: 0.45, CH_WEBCHAT: 0.12, CH_ONLINE: 0.9, CH_SOCIAL: 0.08, CH_OTHER: 1.0}
# Codes that rarely make an incident (silent, abusive, admin calls).
LOW_INCIDENT_CODES = {codes.CODE_INDEX[c]: p for c, p in
                      (("SILENT_CALL", 0.1), ("ABUSIVE_CALL", 0.3), ("ADMIN", 0.15), ("HOAX", 0.6))}
HANDLERS_PER_SHIFT = 30  # per desk (999, 101) per shift
HANDLERS = HANDLERS_PER_SHIFT * 6
WAIT_LOAD_EXPONENT = 0.8  # how strongly an hour's load lengthens its waits


def iso(epoch: np.ndarray) -> list[str]:
    """UTC epoch seconds as ISO 8601 with Z (2026-08-01T13:45:02Z)."""
    text = np.datetime_as_string(epoch.astype("datetime64[s]"), unit="s")
    return [s + "Z" for s in text.tolist()]


def person_key(pid: int) -> str:
    return f"P{pid + 1:07d}"


def generate(out_dir: str | Path, days: int, seed: int, start: dt.date | str | None = None,
             scale: float = 1.0, timezone: str | None = None) -> dict:
    """Write the synthetic force's files into out_dir and return a summary (JSON-ready)."""
    began = time.perf_counter()
    if days < 1:
        raise ValueError("days must be at least 1")
    if scale <= 0:
        raise ValueError("scale must be positive")
    if seed < 0:
        raise ValueError("seed must be 0 or more")
    if isinstance(start, str):
        start = dt.date.fromisoformat(start)
    start = start or DEFAULT_START
    timezone = timezone or _force_timezone()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    rng = np.random.default_rng(seed)
    cal = Calendar(start, days, timezone)
    pools = build_pools(seed)
    numbers = Numbers()
    repeat_mob, repeat_land, shared_block, public_numbers = _allocate_numbers(numbers, seed, scale)

    people = People()
    repeat = repeat_callers(rng, cal, pools, people, repeat_mob, repeat_land, scale)
    shared = shared_numbers(rng, cal, pools, people, shared_block, scale)
    daily = _public_daily(cal, scale, [repeat, shared])
    pub = public(rng, cal, pools, people, public_numbers, daily)
    contacts = Segment.concat([repeat, shared, pub])
    order = np.argsort(contacts.t, kind="stable")
    c = Segment(*(getattr(contacts, f)[order] for f in ("t", "day", "ch", "pid", "code", "num", "withheld")))

    with _Sink(out, rng, people) as sink:
        stats = _render(rng, cal, pools, numbers, people, c, scale, sink)
    counts = {name: sink.counts[name] for name in HEADERS}
    counts["truth"] = sink.truth_rows
    counts["people"] = _write(out / "people.csv", PEOPLE_HEADER, _people_rows(people, numbers, sink.keys))
    injected = {name: sink.injected[name] for name in HEADERS}
    return _summary(out, cal, seed, scale, counts, c, people, stats, injected, time.perf_counter() - began)


class _Sink:
    """Writes each source file as soon as it is built (with its malformed rows and its part
    of truth.csv), so only one file's rows are ever in memory."""

    def __init__(self, out: Path, rng: np.random.Generator, people: People) -> None:
        self.out, self.rng, self.people = out, rng, people
        self.keys = [person_key(pid) for pid in range(len(people))]
        self.counts: dict[str, int] = {}
        self.injected: dict[str, dict[str, int]] = {}
        self.truth_rows = 0

    def __enter__(self) -> "_Sink":
        self._fh = (self.out / "truth.csv").open("w", newline="", encoding="utf-8")
        self._truth = csv.writer(self._fh, lineterminator="\n")
        self._truth.writerow(TRUTH_HEADER)
        return self

    def __exit__(self, *exc) -> None:
        self._fh.close()

    def emit(self, name: str, rows: list[list], truth: list[list]) -> None:
        self.injected[name] = malformed.inject(self.rng, name, rows, truth, HEADERS[name])
        self.counts[name] = _write(self.out / f"{name}.csv", HEADERS[name], rows)
        keys, kinds = self.keys, self.people.kind
        # line: the row's line in its file (the header is line 1), as the importer counts.
        self._truth.writerows((name, key, keys[pid], kinds[pid], line, bad)
                              for line, (key, pid, bad) in enumerate(truth, start=2))
        self.truth_rows += len(truth)


def _allocate_numbers(numbers: Numbers, seed: int, scale: float):
    """Numbers of their own for repeat callers (a mobile each, landlines for some) and
    shared lines, drawn at random across the drama ranges; the public share the rest
    (17,000 drama numbers cannot give everyone one: docs/synth.md)."""
    shuffle = np.random.default_rng([seed, 17]).permutation  # its own stream
    mobiles = np.array(numbers.index("07700900", 0, 1000))[shuffle(1000)].tolist()
    landlines = np.array(numbers.index("01632960", 0, 1000))[shuffle(1000)].tolist()
    taken = set(mobiles) | set(landlines)
    geographic = [i for i in np.arange(len(numbers.national))[shuffle(len(numbers.national))].tolist()
                  if i not in taken]
    n_repeat = sum(max(1, round(n * scale)) for n in REPEAT_COUNTS.values())
    n_shared = sum(max(1, round(count * scale)) for _, count, _, _ in SHARED_KINDS)
    # Up to 60% of the mobiles and 40% of the landlines; geographic numbers beyond that.
    n_mob, n_land = min(n_repeat, 600), min(n_repeat // 2, 400)
    extra_mob, extra_land = n_repeat - n_mob, n_repeat // 2 - n_land
    repeat_mob = mobiles[:n_mob] + geographic[:extra_mob]
    repeat_land = landlines[:n_land] + geographic[extra_mob:extra_mob + extra_land]
    used_geo = extra_mob + extra_land
    shared = geographic[used_geo:used_geo + n_shared]
    public = mobiles[n_mob:] + landlines[n_land:] + geographic[used_geo + n_shared:]
    return repeat_mob, repeat_land, shared, public


def _force_timezone() -> str:
    try:
        from engage import config
        return config.section("force").get("timezone", "Europe/London")
    except Exception:  # settings not configured (e.g. used as a plain library)
        return "Europe/London"


def _public_daily(cal: Calendar, scale: float, others: list[Segment]) -> dict[int, np.ndarray]:
    """Expected public contacts per day and channel: the force's volume less what others made."""
    daily = {}
    volumes = dict(MONTHLY_VOLUME)
    volumes[CH_OTHER] = MONTHLY_WALK_INS
    for channel, monthly in volumes.items():
        target = monthly / DAYS_PER_MONTH * scale * WEEKDAY[channel][cal.weekday]
        made = sum(np.bincount(o.day[o.ch == channel], minlength=cal.days) for o in others)
        # Others' contacts fill part of each day's volume; the public fills the rest.
        mean_made = np.asarray(made, dtype=float).mean() if np.ndim(made) else 0.0
        daily[channel] = np.maximum(target - mean_made, target * 0.2)
    return daily


def _render(rng, cal, pools, numbers, people, c: Segment, scale: float, sink: _Sink) -> dict:
    """Turn the contact table into the four files, each handed to `sink` as it is built."""
    kinds = np.array([people.kind[p] for p in c.pid.tolist()])
    tel = _telephony(rng, cal, c, kinds, scale)
    inc = _incidents(rng, cal, c, kinds, tel)
    n = len(c.t)
    u = rng.random((n, 6))  # per-contact draws for how things are written
    w = _Written(
        cli_style=np.where(u[:, 0] < 0.45, 2, np.where(u[:, 0] < 0.9, 1, 0)),
        typed_style=np.where(u[:, 1] < 0.5, 0, np.where(u[:, 1] < 0.75, 2, 1)),
        num=np.where(c.num < 0, 0, c.num),
        # A withheld 101 CLI is spelled as the switch spells it; a 999 call without a
        # CLI (unavailable, never withheld: profiles.CLI_UNAVAILABLE_999) is empty.
        withheld_word=np.where(c.ch == CH_999, "", np.array(WITHHELD_SPELLINGS, dtype=object)[rng.integers(0, 3, n)]),
        u=u,
    )
    outbound = _emit_calls_and_acd(rng, numbers, c, tel, w, sink)
    written = np.nonzero(inc.incident | (c.ch >= CH_WEBCHAT))[0]
    names, addresses, postcodes = _as_written(rng, people, c.pid[written].tolist())
    w.name_of = dict(zip(written.tolist(), names))
    w.where = dict(zip(written.tolist(), zip(addresses, postcodes)))
    w.typed = np.array(numbers.render(w.num, w.typed_style), dtype=object)
    _emit_digital(c, people, inc, w, sink)
    _emit_cc(rng, pools, c, people, inc, w, sink)
    return {
        "abandoned_999": int((tel.abandoned & (c.ch == CH_999)).sum()),
        "abandoned_101": int((tel.abandoned & (c.ch == CH_101)).sum()),
        "outbound_calls": outbound,
        "contacts_by_channel": {CHANNEL_NAMES[ch]: int((c.ch == ch).sum()) for ch in range(6)},
        "incidents": len(inc.order),
    }


@dataclass
class _Telephony:
    abandoned: np.ndarray
    queue: np.ndarray
    talk: np.ndarray
    answered: np.ndarray
    ended: np.ndarray
    handler: np.ndarray  # handler number per contact (1..HANDLERS)


@dataclass
class _Incidents:
    incident: np.ndarray  # contact made an incident
    created: np.ndarray   # incident creation time per contact
    order: np.ndarray     # indices of contacts with an incident, by creation time
    number: np.ndarray    # incident number per contact ("" if none)


@dataclass
class _Written:
    cli_style: np.ndarray
    typed_style: np.ndarray
    num: np.ndarray
    withheld_word: np.ndarray
    u: np.ndarray
    name_of: dict = field(default_factory=dict)
    where: dict = field(default_factory=dict)
    typed: np.ndarray | None = None


def _telephony(rng, cal, c: Segment, kinds: np.ndarray, scale: float) -> _Telephony:
    """Abandonment, queue waits, talk times and handlers of the 999/101 calls."""
    n = len(c.t)
    is999 = c.ch == CH_999
    abandoned = np.zeros(n, dtype=bool)
    target = round(MONTHLY_ABANDONED_999 / DAYS_PER_MONTH * cal.days * scale)
    kind_abandon = {NUISANCE: 0.25, VULNERABLE: 0.05, TARGETED: 0.03}
    expected = sum(p * int((is999 & (kinds == k)).sum()) for k, p in kind_abandon.items())
    # Repeat callers' dropped calls are part of the force's ~300 a month, at most half of them.
    damp = min(1.0, 0.5 * target / expected) if expected else 1.0
    for kind, p in kind_abandon.items():
        sel = is999 & (kinds == kind)
        abandoned[sel] = rng.random(int(sel.sum())) < p * damp
    public999 = np.nonzero(is999 & (kinds == ORDINARY) & ~abandoned)[0]
    need = int(np.clip(target - abandoned.sum(), 0, len(public999)))
    if need:
        # Pocket dials and misdials: silent 999 calls are the ones most often dropped.
        w = np.where(c.code[public999] == codes.CODE_INDEX["SILENT_CALL"], 8.0, 1.0)
        abandoned[rng.choice(public999, size=need, replace=False, p=w / w.sum())] = True
    sel101 = np.nonzero(c.ch == CH_101)[0]
    abandoned[sel101] = rng.random(len(sel101)) < ABANDON_RATE_101

    queue = np.zeros(n, dtype=np.int64)
    talk = np.zeros(n, dtype=np.int64)
    for ch in (CH_999, CH_101):
        sel = c.ch == ch
        sigma = WAIT_SIGMA[ch]
        mu = np.log(WAIT_MEAN[ch]) - sigma ** 2 / 2
        # Busier hours wait longer: scale by the hour's load, keeping the mean wait.
        slot = c.t[sel] // 3600
        slot -= slot.min() if len(slot) else 0
        load = np.bincount(slot)[slot] ** WAIT_LOAD_EXPONENT
        queue[sel] = np.rint(rng.lognormal(mu, sigma, int(sel.sum())) * load / load.mean())
        talk[sel] = np.rint(rng.lognormal(np.log(TALK_MEDIAN[ch]), TALK_SIGMA, int(sel.sum())))
    short = np.isin(c.code, [codes.CODE_INDEX["SILENT_CALL"], codes.CODE_INDEX["ABUSIVE_CALL"]])
    talk[short] = rng.integers(15, 120, int(short.sum()))
    talk = np.maximum(talk, 10)
    ab = np.nonzero(abandoned)[0]
    queue[ab] = 1 + np.rint(rng.exponential(np.where(c.ch[ab] == CH_999, 6.0, 45.0))).astype(np.int64)
    talk[abandoned] = 0
    answered = c.t + queue
    # Handlers work 8-hour shifts (local 06-14, 14-22, 22-06), 999 and 101 on separate desks.
    local_hour = (c.t - cal.hour_epoch[c.day, 0]) // 3600
    shift = ((local_hour + 2) // 8) % 3
    handler = 1 + shift * HANDLERS_PER_SHIFT * 2 + np.where(is999, 0, HANDLERS_PER_SHIFT) \
        + rng.integers(0, HANDLERS_PER_SHIFT, n)
    return _Telephony(abandoned, queue, talk, answered, answered + talk, handler)


def _incidents(rng, cal, c: Segment, kinds: np.ndarray, tel: _Telephony) -> _Incidents:
    """Which contacts become C&C incidents, when they are created, and their numbers."""
    n = len(c.t)
    phone = c.ch <= CH_101
    p_inc = np.array([INCIDENT_SHARE[int(ch)] for ch in range(6)])[c.ch]
    for code, p in LOW_INCIDENT_CODES.items():
        p_inc = np.where(c.code == code, np.minimum(p_inc, p), p_inc)
    # A known caller who withholds the number gives name and address: the handler records
    # an incident, the only place the call says who it was.
    p_inc = np.where(c.withheld & (kinds != ORDINARY), np.maximum(p_inc, 0.9), p_inc)
    incident = (rng.random(n) < p_inc) & ~tel.abandoned
    # Created a little after the call started (within the 15-minute join tolerance);
    # digital contacts are recorded later (online reports mostly within 24 hours).
    delay = np.zeros(n, dtype=np.int64)
    delay[phone] = np.minimum(tel.queue[phone] + rng.integers(20, 600, int(phone.sum())), 890)
    for ch, lo, hi in ((CH_WEBCHAT, 300, 2400), (CH_SOCIAL, 600, 10800), (CH_OTHER, 300, 1800)):
        sel = c.ch == ch
        delay[sel] = rng.integers(lo, hi, int(sel.sum()))
    sel = c.ch == CH_ONLINE
    delay[sel] = np.minimum(np.rint(rng.lognormal(np.log(3 * 3600), 1.2, int(sel.sum()))), 10 * 86_400)
    created = c.t + delay
    order = np.nonzero(incident)[0]
    order = order[np.argsort(created[order], kind="stable")]
    # Numbered per local day in creation order: INC-20260801-00001. A late online report
    # can be recorded after the window ends, on a day of its own.
    day = np.searchsorted(cal.midnights, created[order], side="right") - 1
    seq = np.zeros(len(order), dtype=np.int64)
    if len(order):
        boundaries = np.r_[0, np.nonzero(np.diff(day))[0] + 1]
        seq = np.arange(len(order)) - np.repeat(boundaries, np.diff(np.r_[boundaries, len(order)]))
    labels = {d: (cal.start + dt.timedelta(days=d)).strftime("%Y%m%d") for d in np.unique(day).tolist()}
    number = np.full(n, "", dtype=object)
    number[order] = [f"INC-{labels[d]}-{s + 1:05d}" for d, s in zip(day.tolist(), seq.tolist())]
    return _Incidents(incident, created, order, number)


def _emit_calls_and_acd(rng, numbers: Numbers, c: Segment, tel: _Telephony, w: _Written, sink: _Sink) -> int:
    """Inbound calls in both logs (same call_id), outbound calls in the call recording only.

    Outbound calls (callbacks to abandoned 999 calls, updates to some 101 callers) are not
    contacts from the public. Returns how many there are.
    """
    ph = np.nonzero(c.ch <= CH_101)[0]
    callback = (tel.abandoned[ph] & (c.ch[ph] == CH_999)) | ((c.ch[ph] == CH_101) & (w.u[ph, 5] < 0.03))
    ob = ph[~c.withheld[ph] & callback]
    later = np.where(c.ch[ob] == CH_999, rng.integers(60, 900, len(ob)), rng.integers(3600, 172_800, len(ob)))
    ob_start = tel.ended[ob] + later
    ob_end = ob_start + rng.integers(20, 180, len(ob))
    src = np.concatenate([ph, ob])
    is_out = np.r_[np.zeros(len(ph), dtype=bool), np.ones(len(ob), dtype=bool)]
    start_all = np.concatenate([c.t[ph], ob_start])
    end_all = np.concatenate([tel.ended[ph], ob_end])
    order = np.argsort(start_all, kind="stable")  # call ids follow start time; inbound first on ties
    call_ids = np.array([f"{10_000_001 + k}" for k in range(len(src))], dtype=object)
    rank = np.empty(len(src), dtype=np.int64)
    rank[order] = np.arange(len(src))
    in_ids = call_ids[rank[: len(ph)]]
    handler_names = np.array([f"H{h:03d}" for h in range(HANDLERS + 1)], dtype=object)
    src_o, out_o = src[order], is_out[order]
    cli_o = np.array(numbers.render(w.num[src_o], np.where(out_o, 1, w.cli_style[src_o])), dtype=object)
    hidden = c.withheld[src_o] & ~out_o
    cli_o[hidden] = w.withheld_word[src_o][hidden]
    hid_o = handler_names[tel.handler[src_o]]
    hid_o[tel.abandoned[src_o] & ~out_o] = ""
    sink.emit("calls", _columns(call_ids, iso(start_all[order]), iso(end_all[order]),
                                np.where(out_o, "out", "in").tolist(),
                                np.where(out_o, "other", np.array(CHANNEL_NAMES, dtype=object)[c.ch[src_o]]),
                                cli_o, hid_o),
              _truth(call_ids, c.pid[src_o]))
    del cli_o, hid_o, call_ids
    ab = tel.abandoned[ph]
    answered_text = np.array(iso(tel.answered[ph]), dtype=object)
    answered_text[ab] = ""
    hid = handler_names[tel.handler[ph]]
    hid[ab] = ""
    sink.emit("acd", _columns(in_ids, np.array(CHANNEL_NAMES, dtype=object)[c.ch[ph]], iso(c.t[ph]),
                              answered_text, iso(tel.ended[ph]), np.where(ab, "Y", "N").tolist(),
                              tel.queue[ph].astype(str), tel.talk[ph].astype(str), hid),
              _truth(in_ids, c.pid[ph]))
    return len(ob)


def _emit_digital(c: Segment, people: People, inc: _Incidents, w: _Written, sink: _Sink) -> None:
    dg = np.nonzero((c.ch >= CH_WEBCHAT) & (c.ch <= CH_SOCIAL))[0]
    ids = np.array([f"D{k + 1:08d}" for k in range(len(dg))], dtype=object)
    started = iso(c.t[dg])
    pids = c.pid[dg].tolist()
    rows = [_digital_row(cid, int(c.ch[i]), started[k], w.name_of[i], w.typed[i], people, pids[k],
                         int(c.code[i]), inc.number[i], w.u[i])
            for k, (i, cid) in enumerate(zip(dg.tolist(), ids.tolist()))]
    sink.emit("digital", rows, _truth(ids, c.pid[dg]))


def _emit_cc(rng, pools, c: Segment, people: People, inc: _Incidents, w: _Written, sink: _Sink) -> None:
    order = inc.order
    created = iso(inc.created[order])
    grades = codes.pick_grades(rng, c.code[order])
    closing_u = rng.random(len(order))
    rows = []
    for k, i in enumerate(order.tolist()):
        ch, pid, code, u = int(c.ch[i]), int(c.pid[i]), int(c.code[i]), w.u[i]
        if ch <= CH_101 and c.withheld[i]:
            # No CLI: the handler notes that, or nothing, or the number the caller gave.
            noted = "Withheld" if ch == CH_101 else "Unavailable"
            phone_text = noted if u[2] < 0.5 else ("" if u[2] < 0.8 else w.typed[i])
        elif ch <= CH_101:
            phone_text = w.typed[i]
        elif ch == CH_OTHER:
            phone_text = w.typed[i] if u[2] < 0.6 else ""
        else:
            phone_text = rows_phone_for_digital(ch, u[2], w.typed[i])
        address, postcode = w.where[i]
        rows.append([inc.number[i], created[k], CC_SOURCE[ch], w.name_of[i], phone_text, address, postcode,
                     _location(people, pid, u[3]), codes.CODE_NAMES[code], codes.GRADES[grades[k]],
                     codes.closing_code(code, closing_u[k]), _narrative(pools, people, pid, code, u[4], u[3])])
    sink.emit("cc", rows, _truth(inc.number[order], c.pid[order]))


def _columns(*cols) -> list[tuple]:
    """Rows from column arrays (tuples: malformed.inject replaces the few rows it changes)."""
    return list(zip(*(col.tolist() if isinstance(col, np.ndarray) else col for col in cols)))


def _truth(keys: np.ndarray, pids: np.ndarray) -> list[list]:
    return list(map(list, zip(keys.tolist(), pids.tolist(), itertools.repeat(""))))


def rows_phone_for_digital(ch: int, u: float, text: str) -> str:
    share = {CH_WEBCHAT: 0.3, CH_ONLINE: 0.85, CH_SOCIAL: 0.05}[ch]
    return text if u < share else ""


def _digital_row(cid, ch, started, name, phone_text, people, pid, code, reference, u) -> list[str]:
    channel = {CH_WEBCHAT: "webchat", CH_ONLINE: "online", CH_SOCIAL: "social"}[ch]
    # Repeat callers know the drill: they give their name and details more often.
    known = people.kind[pid] != ORDINARY
    if ch == CH_WEBCHAT:
        fields = (name if u[0] < (0.95 if known else 0.75) else "",
                  phone_text if u[2] < (0.5 if known else 0.3) else "",
                  people.email(pid) if u[3] < (0.7 if known else 0.45) else "", "")
    elif ch == CH_ONLINE:
        fields = (name, rows_phone_for_digital(ch, u[2], phone_text), people.email(pid) if u[3] < 0.95 else "", "")
    else:
        fields = (name if u[0] < 0.4 else "", rows_phone_for_digital(ch, u[2], phone_text), "", people.handle(pid))
    subj = codes.subject(code)
    if ch == CH_SOCIAL:
        subj = ("Facebook message: ", "X direct message: ", "Instagram message: ")[int(u[4] * 3) % 3] + subj
    return [cid, channel, started, *fields, subj, reference]


def _as_written(rng, people: People, pid_list: list[int]):
    """Name, address and postcode as a handler wrote them on each contact."""
    names, addresses, postcodes = [], [], []
    v = rng.random((len(pid_list), 3))
    name, address, postcode = people.name, people.address, people.postcode
    name_variants, address_variants = people.name_variants, people.address_variants
    for pid, v0, v1, v2 in zip(pid_list, *v.T.tolist()):
        variants = name_variants.get(pid)
        if variants is None:  # the public: written as given, sometimes not at all
            names.append(name[pid] if v0 > 0.03 else "")
            addresses.append(address[pid] if v1 > 0.05 else "")
            postcodes.append(postcode[pid] if v2 > 0.1 else "")
            continue
        names.append(variants[0] if v0 < 0.6 else variants[int(v0 * 1000) % len(variants)])
        avars = address_variants[pid]
        addresses.append(avars[0] if v1 < 0.55 else avars[int(v1 * 1000) % len(avars)])
        pc = postcode[pid]
        if v2 < 0.15:
            pc = ""
        elif v2 < 0.25:
            pc = pc.replace(" ", "")
        elif v2 < 0.3:
            pc = pc.lower()
        postcodes.append(pc)
    return names, addresses, postcodes


def _location(people: People, pid: int, u: float) -> str:
    kind = people.kind[pid]
    town = people.town[pid]
    if people.shared[pid]:
        return people.address[pid]
    if kind == VULNERABLE and u < 0.85 or kind == TARGETED and u < 0.7 or kind == ORDINARY and u < 0.4:
        return people.address[pid]
    if kind == TARGETED:
        return f"{people.neighbour[pid][1]}, {town}"
    return landmark(int(u * 1e6), town)


def _narrative(pools, people: People, pid: int, code: int, u: float, place_u: float) -> str:
    """The narrative; a public place in it is the incident's location when that is one."""
    kind = people.kind[pid]
    nb, nb_addr = people.neighbour.get(pid, ("a neighbour", "next door"))
    street = pools.streets[int(u * 7919) % len(pools.streets)]
    return codes.narrative(kind, code, u, nb, nb_addr, street, landmark(int(place_u * 1e6), people.town[pid]))


def _people_rows(people: People, numbers: Numbers, keys: list[str]) -> list:
    e164 = numbers.e164
    nums = [";".join(e164[n] for n in ns) for ns in people.numbers]
    return list(zip(keys, people.name, people.kind, nums, people.postcode, people.shared,
                    people.intervention_date, people.intervention, people.meets, people.address))


def _write(path: Path, header: list[str], rows: list) -> int:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)


def _summary(out, cal, seed, scale, counts, c: Segment, people: People, stats, injected, seconds) -> dict:
    repeat = {k: 0 for k in REPEAT_KINDS}
    meeting = {k: 0 for k in REPEAT_KINDS}
    intervened = {k: 0 for k in REPEAT_KINDS}
    for kind, meets, when in zip(people.kind, people.meets, people.intervention_date):
        if kind in repeat:
            repeat[kind] += 1
            meeting[kind] += meets == "Y"
            intervened[kind] += bool(when)
    contacts = stats["contacts_by_channel"]
    return {
        "out": str(out),
        "seed": seed,
        "start": cal.start.isoformat(),
        "end": (cal.start + dt.timedelta(days=cal.days - 1)).isoformat(),
        "days": cal.days,
        "scale": scale,
        "rows": counts,
        "contacts": int(sum(contacts.values())),
        "contacts_by_channel": contacts,
        "incidents": stats["incidents"],
        "abandoned_999": stats["abandoned_999"],
        "abandoned_101": stats["abandoned_101"],
        "outbound_calls": stats["outbound_calls"],
        "people": len(people),
        "repeat_callers": repeat,
        "repeat_callers_meeting_criterion": meeting,
        "repeat_callers_intervened": intervened,
        "shared_numbers": len({n for s, nums in zip(people.shared, people.numbers) if s for n in nums}),
        "malformed": injected,
        "malformed_total": sum(sum(v.values()) for v in injected.values()),
        "seconds": round(seconds, 2),
    }

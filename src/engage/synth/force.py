"""`generate()`: a synthetic force's four source files, with the truth behind every row.

Writes cc.csv, calls.csv, acd.csv, digital.csv (canonical formats, docs/formats.md),
truth.csv (the person behind each source row) and people.csv (who everyone is).
Everything is drawn from one seeded NumPy generator, so one seed gives the same bytes.
"""
from __future__ import annotations

import csv
import datetime as dt
import time
from pathlib import Path

import numpy as np

from . import codes, malformed
from .pools import Numbers, WITHHELD_SPELLINGS, build_pools
from .population import (NUISANCE, ORDINARY, REPEAT_KINDS, TARGETED, VULNERABLE, Calendar,
                         People, Segment, landmark, public, repeat_callers, shared_numbers)
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
HANDLERS = 160


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
    repeat_mob = numbers.index("07700900", 0, 600)
    repeat_land = numbers.index("01632960", 0, 400)
    shared_block = numbers.index("01632960", 900, 100) + numbers.index("02079460", 900, 100)
    reserved = set(repeat_mob) | set(repeat_land) | set(shared_block)
    public_numbers = [i for i in range(len(numbers.national)) if i not in reserved]

    people = People()
    repeat = repeat_callers(rng, cal, pools, people, repeat_mob, repeat_land, scale)
    shared = shared_numbers(rng, cal, pools, people, shared_block, scale)
    daily = _public_daily(cal, scale, [repeat, shared])
    pub = public(rng, cal, pools, people, public_numbers, daily)
    contacts = Segment.concat([repeat, shared, pub])
    order = np.argsort(contacts.t, kind="stable")
    c = Segment(*(getattr(contacts, f)[order] for f in ("t", "day", "ch", "pid", "code", "num", "withheld")))

    rows, truth, stats = _render(rng, cal, pools, numbers, people, c, scale)
    injected = {name: malformed.inject(rng, name, rows[name], truth[name], HEADERS[name]) for name in HEADERS}
    counts = {}
    for name, header in HEADERS.items():
        counts[name] = _write(out / f"{name}.csv", header, rows[name])
    truth_rows = []
    for name in HEADERS:
        for line, (key, pid, bad) in enumerate(truth[name], start=2):
            truth_rows.append((name, key, person_key(pid), people.kind[pid], line, bad))
    counts["truth"] = _write(out / "truth.csv", TRUTH_HEADER, truth_rows)
    counts["people"] = _write(out / "people.csv", PEOPLE_HEADER, _people_rows(people, numbers))
    return _summary(out, cal, seed, scale, counts, c, people, stats, injected, time.perf_counter() - began)


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


def _render(rng, cal, pools, numbers, people, c: Segment, scale: float):
    """Turn the contact table into the four files' rows, plus truth (key, person, malformed)."""
    n = len(c.t)
    kinds = np.array([people.kind[p] for p in c.pid.tolist()])
    phone = c.ch <= CH_101
    is999 = c.ch == CH_999

    # --- telephony: abandonment, waits, talk ------------------------------------------
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
        queue[sel] = np.rint(rng.lognormal(mu, sigma, int(sel.sum())))
        talk[sel] = np.rint(rng.lognormal(np.log(TALK_MEDIAN[ch]), TALK_SIGMA, int(sel.sum())))
    short = np.isin(c.code, [codes.CODE_INDEX["SILENT_CALL"], codes.CODE_INDEX["ABUSIVE_CALL"]])
    talk[short] = rng.integers(15, 120, int(short.sum()))
    talk = np.maximum(talk, 10)
    ab = np.nonzero(abandoned)[0]
    queue[ab] = 1 + np.rint(rng.exponential(np.where(c.ch[ab] == CH_999, 6.0, 45.0))).astype(np.int64)
    talk[abandoned] = 0
    answered = c.t + queue
    ended = answered + talk
    handler = rng.integers(1, HANDLERS + 1, n)

    # --- incidents ----------------------------------------------------------------------
    p_inc = np.array([INCIDENT_SHARE[int(ch)] for ch in range(6)])[c.ch]
    for code, p in LOW_INCIDENT_CODES.items():
        p_inc = np.where(c.code == code, np.minimum(p_inc, p), p_inc)
    incident = (rng.random(n) < p_inc) & ~abandoned
    # Created a little after the call started (within the 15-minute join tolerance);
    # digital contacts are recorded later (online reports mostly within 24 hours).
    created = c.t.copy()
    delay = np.zeros(n, dtype=np.int64)
    delay[phone] = np.minimum(queue[phone] + rng.integers(20, 600, int(phone.sum())), 890)
    for ch, lo, hi in ((CH_WEBCHAT, 300, 2400), (CH_SOCIAL, 600, 10800), (CH_OTHER, 300, 1800)):
        sel = c.ch == ch
        delay[sel] = rng.integers(lo, hi, int(sel.sum()))
    sel = c.ch == CH_ONLINE
    delay[sel] = np.rint(rng.lognormal(np.log(3 * 3600), 1.2, int(sel.sum())))
    created = created + delay
    inc_idx = np.nonzero(incident)[0]
    inc_idx = inc_idx[np.argsort(created[inc_idx], kind="stable")]
    inc_number = np.full(n, "", dtype=object)
    inc_day = np.searchsorted(cal.hour_epoch[:, 0], created[inc_idx], side="right") - 1
    seq = np.zeros(len(inc_idx), dtype=np.int64)
    if len(inc_idx):
        # Sequence restarts each local day: INC-20260801-00001.
        boundaries = np.r_[0, np.nonzero(np.diff(inc_day))[0] + 1]
        seq = np.arange(len(inc_idx)) - np.repeat(boundaries, np.diff(np.r_[boundaries, len(inc_idx)]))
    day_label = [(cal.start + dt.timedelta(days=int(d))).strftime("%Y%m%d") for d in inc_day.tolist()]
    for i, lab, s in zip(inc_idx.tolist(), day_label, seq.tolist()):
        inc_number[i] = f"INC-{lab}-{s + 1:05d}"

    # --- who said what: names, numbers, addresses as written ----------------------------
    u = rng.random((n, 6))
    cli_style = np.where(u[:, 0] < 0.45, 2, np.where(u[:, 0] < 0.9, 1, 0))
    typed_style = np.where(u[:, 1] < 0.5, 0, np.where(u[:, 1] < 0.75, 2, 1))
    num = np.where(c.num < 0, 0, c.num)
    cli_text = numbers.render(num, cli_style)
    typed_text = numbers.render(num, typed_style)
    withheld_word = [WITHHELD_SPELLINGS[i] for i in rng.integers(0, 3, n).tolist()]
    pid_list = c.pid.tolist()
    names, addresses, postcodes = _as_written(rng, people, pid_list, u)

    rows = {name: [] for name in HEADERS}
    truth = {name: [] for name in HEADERS}
    call_seq = 0
    digital_seq = 0
    outbound = []
    t_iso = iso(c.t)
    ans_iso = iso(answered)
    end_iso = iso(ended)
    created_iso = iso(created)
    ch_list = c.ch.tolist()
    withheld = c.withheld.tolist()
    code_list = c.code.tolist()
    u_list = u[:, 5].tolist()
    for i in range(n):
        ch = ch_list[i]
        pid = pid_list[i]
        if ch <= CH_101:
            call_seq += 1
            call_id = f"{10_000_000 + call_seq}"
            line = CHANNEL_NAMES[ch]
            cli = withheld_word[i] if withheld[i] else cli_text[i]
            hid = "" if abandoned[i] else f"H{handler[i]:03d}"
            rows["calls"].append([call_id, t_iso[i], end_iso[i], "in", line, cli, hid])
            truth["calls"].append([call_id, pid, ""])
            rows["acd"].append([call_id, line, t_iso[i], "" if abandoned[i] else ans_iso[i], end_iso[i],
                                "Y" if abandoned[i] else "N", str(queue[i]), str(talk[i]), hid])
            truth["acd"].append([call_id, pid, ""])
            if not withheld[i] and (abandoned[i] and ch == CH_999 or (ch == CH_101 and u_list[i] < 0.03)):
                outbound.append(i)
        elif ch != CH_OTHER:
            digital_seq += 1
            cid = f"D{digital_seq:08d}"
            rows["digital"].append(_digital_row(cid, ch, t_iso[i], names[i], typed_text[i], people, pid,
                                                code_list[i], inc_number[i], u[i]))
            truth["digital"].append([cid, pid, ""])
    for i in inc_idx.tolist():
        ch = ch_list[i]
        pid = pid_list[i]
        if ch <= CH_101:
            phone_text = typed_text[i] if not withheld[i] else ("Withheld" if u[i, 2] < 0.5 else ("" if u[i, 2] < 0.8 else typed_text[i]))
        elif ch == CH_OTHER:
            phone_text = typed_text[i] if u[i, 2] < 0.6 else ""
        else:
            phone_text = rows_phone_for_digital(ch, u[i, 2], typed_text[i])
        rows["cc"].append([inc_number[i], created_iso[i], CC_SOURCE[ch], names[i], phone_text, addresses[i],
                           postcodes[i], _location(rng, people, pid, u[i, 3]), codes.CODE_NAMES[code_list[i]],
                           "", "", _narrative(rng, pools, people, pid, code_list[i], u[i, 4])])
        truth["cc"].append([inc_number[i], pid, ""])
    grades = codes.pick_grades(rng, c.code[inc_idx])
    for row, g, code in zip(rows["cc"], grades.tolist(), c.code[inc_idx].tolist()):
        row[9] = codes.GRADES[g]
        row[10] = codes.closing_code(code, float(rng.random()))

    # Outbound calls: callbacks to abandoned 999 calls, updates to some 101 callers.
    # They are in the call recording only (not ACD) and are not contacts from the public.
    if outbound:
        ob = np.array(outbound)
        later = np.where(c.ch[ob] == CH_999, rng.integers(60, 900, len(ob)), rng.integers(3600, 172_800, len(ob)))
        ob_start = ended[ob] + later
        ob_talk = rng.integers(20, 180, len(ob))
        o_start, o_end = iso(ob_start), iso(ob_start + ob_talk)
        ob_rows = []
        for k, i in enumerate(ob.tolist()):
            ob_rows.append((int(ob_start[k]), k, [None, o_start[k], o_end[k], "out", "other", cli_text[i],
                                                  f"H{handler[i]:03d}"], pid_list[i]))
        # Merge outbound into the call log in time order and number all calls in that order.
        inbound = [(int(c.t[i]), -1, r, tr[1]) for i, r, tr in
                   zip(np.nonzero(phone)[0].tolist(), rows["calls"], truth["calls"])]
        merged = sorted(inbound + ob_rows, key=lambda x: (x[0], x[1]))
        rows["calls"], truth["calls"] = [], []
        renumber = {}
        for k, (_, _, r, pid) in enumerate(merged, start=1):
            new_id = f"{10_000_000 + k}"
            if r[0] is not None:
                renumber[r[0]] = new_id
            rows["calls"].append([new_id] + r[1:])
            truth["calls"].append([new_id, pid, ""])
        for r, tr in zip(rows["acd"], truth["acd"]):
            r[0] = tr[0] = renumber[r[0]]
    rows["cc"], truth["cc"] = _sorted_by(rows["cc"], truth["cc"], 1)
    stats = {
        "abandoned_999": int((abandoned & is999).sum()),
        "abandoned_101": int((abandoned & (c.ch == CH_101)).sum()),
        "outbound_calls": len(outbound),
        "contacts_by_channel": {CHANNEL_NAMES[ch]: int((c.ch == ch).sum()) for ch in range(6)},
        "incidents": len(inc_idx),
    }
    return rows, truth, stats


def rows_phone_for_digital(ch: int, u: float, text: str) -> str:
    share = {CH_WEBCHAT: 0.3, CH_ONLINE: 0.85, CH_SOCIAL: 0.05}[ch]
    return text if u < share else ""


def _digital_row(cid, ch, started, name, phone_text, people, pid, code, reference, u) -> list[str]:
    channel = {CH_WEBCHAT: "webchat", CH_ONLINE: "online", CH_SOCIAL: "social"}[ch]
    if ch == CH_WEBCHAT:
        fields = (name if u[0] < 0.75 else "", rows_phone_for_digital(ch, u[2], phone_text),
                  people.email[pid] if u[3] < 0.45 else "", "")
    elif ch == CH_ONLINE:
        fields = (name, rows_phone_for_digital(ch, u[2], phone_text), people.email[pid] if u[3] < 0.95 else "", "")
    else:
        fields = (name if u[0] < 0.4 else "", rows_phone_for_digital(ch, u[2], phone_text), "", people.handle[pid])
    subj = codes.subject(code)
    if ch == CH_SOCIAL:
        subj = ("Facebook message: ", "X direct message: ", "Instagram message: ")[int(u[4] * 3) % 3] + subj
    return [cid, channel, started, *fields, subj, reference]


def _as_written(rng, people: People, pid_list: list[int], u: np.ndarray):
    """Name, address and postcode as a handler wrote them on each contact."""
    names, addresses, postcodes = [], [], []
    v = rng.random((len(pid_list), 3))
    for i, pid in enumerate(pid_list):
        variants = people.name_variants.get(pid)
        if variants is None:  # the public: written as given, sometimes not at all
            names.append(people.name[pid] if v[i, 0] > 0.03 else "")
            addresses.append(people.address[pid] if v[i, 1] > 0.05 else "")
            pc = people.postcode[pid] if v[i, 2] > 0.1 else ""
        else:
            names.append(variants[0] if v[i, 0] < 0.6 else variants[int(v[i, 0] * 1000) % len(variants)])
            avars = people.address_variants[pid]
            addresses.append(avars[0] if v[i, 1] < 0.55 else avars[int(v[i, 1] * 1000) % len(avars)])
            pc = people.postcode[pid]
            if v[i, 2] < 0.15:
                pc = ""
            elif v[i, 2] < 0.25:
                pc = pc.replace(" ", "")
            elif v[i, 2] < 0.3:
                pc = pc.lower()
        postcodes.append(pc)
    return names, addresses, postcodes


def _location(rng, people: People, pid: int, u: float) -> str:
    kind = people.kind[pid]
    town = people.town[pid]
    if people.shared[pid]:
        return people.address[pid]
    if kind == VULNERABLE and u < 0.85 or kind == TARGETED and u < 0.7 or kind == ORDINARY and u < 0.4:
        return people.address[pid]
    if kind == TARGETED:
        return f"{people.neighbour[pid][1]}, {town}"
    return landmark(rng, town)


def _narrative(rng, pools, people: People, pid: int, code: int, u: float) -> str:
    kind = people.kind[pid]
    nb, nb_addr = people.neighbour.get(pid, ("a neighbour", "next door"))
    street = pools.streets[int(u * 7919) % len(pools.streets)]
    return codes.narrative(kind, code, u, nb, nb_addr, street, landmark(rng, people.town[pid]))


def _sorted_by(rows: list, truth: list, col: int):
    order = sorted(range(len(rows)), key=lambda k: (rows[k][col], k))
    return [rows[k] for k in order], [truth[k] for k in order]


def _people_rows(people: People, numbers: Numbers):
    for pid in range(len(people)):
        yield (person_key(pid), people.name[pid], people.kind[pid],
               ";".join(numbers.e164[n] for n in people.numbers[pid]), people.postcode[pid],
               people.shared[pid], people.intervention_date[pid], people.intervention[pid],
               people.meets[pid], people.address[pid])


def _write(path: Path, header: list[str], rows) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


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

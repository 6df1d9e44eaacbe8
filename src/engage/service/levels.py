"""Service levels: answered within target, waits, abandoned rate, volumes (docs/reports.md).

Every figure is a sum over ServiceHour rows. Definitions:

- offered: calls on the line with ACD timing (answered or abandoned).
- service level = answered within T / (answered + abandoned after T). Calls abandoned
  within T seconds are left out of the denominator (they hung up before the target
  could be missed: misdials and pocket dials), the usual ACD convention; calls
  abandoned after T count as misses.
- waits (mean, median, 90th percentile) are over answered calls. The mean is exact; the
  percentiles are nearest-rank over whole seconds (the exact value rounded up).
- abandoned rate = abandoned / offered.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass

import numpy as np
from django.db import connection
from django.db.models import Sum

from engage.config import section
from engage.service.aggregate import WAIT_CAP, ensure_month, month_bounds
from engage.service.models import ServiceHour

LINES = ("999", "101")
DOW_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
VOLUME_COLUMNS = [
    ("999", "Calls to 999"),
    ("101", "Calls to 101"),
    ("online_report", "Online crime reports"),
    ("webchat", "Web chats"),
    ("social_media", "Social media conversations"),
]


def targets() -> dict[str, dict]:
    cfg = section("service")
    return {
        "999": {"seconds": int(cfg.get("target_999_seconds", 10)), "share": float(cfg.get("target_999_share", 0.9))},
        "101": {"seconds": int(cfg.get("target_101_seconds", 30)), "share": float(cfg.get("target_101_share", 0.8))},
    }


@dataclass
class Level:
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    answered_within: int = 0
    abandoned_after: int = 0
    service_level: float | None = None
    mean_wait: float | None = None
    median_wait: float | None = None
    p90_wait: float | None = None
    abandoned_rate: float | None = None
    talk_hours: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


class _Acc:
    """Accumulates histogram rows for one group and turns them into a Level."""

    def __init__(self, threshold: int):
        self.threshold = threshold
        self.hist = np.zeros(WAIT_CAP + 1, dtype=np.int64)  # answered waits by whole second
        self.level = Level()
        self.wait_sum = 0.0

    def add(self, bucket: int | None, answered: bool, abandoned: bool, n: int, wait_sum: float, talk_sum: float) -> None:
        if bucket is None:
            return
        lv = self.level
        lv.offered += n
        lv.talk_hours += (talk_sum or 0.0) / 3600
        if abandoned:
            lv.abandoned += n
            if bucket > self.threshold:
                lv.abandoned_after += n
        elif answered:
            lv.answered += n
            self.hist[bucket] += n
            self.wait_sum += wait_sum or 0.0
            if bucket <= self.threshold:
                lv.answered_within += n

    def result(self) -> Level:
        lv = self.level
        denominator = lv.answered + lv.abandoned_after
        lv.service_level = lv.answered_within / denominator if denominator else None
        lv.abandoned_rate = lv.abandoned / lv.offered if lv.offered else None
        if lv.answered:
            lv.mean_wait = self.wait_sum / lv.answered
            cum = np.cumsum(self.hist)
            lv.median_wait = float(np.searchsorted(cum, int(np.ceil(0.5 * lv.answered))))
            lv.p90_wait = float(np.searchsorted(cum, int(np.ceil(0.9 * lv.answered))))
        return lv


def _rows(first: dt.date, last: dt.date, group: str | None, lines=LINES):
    fields = ["channel", "wait_bucket", "answered", "abandoned"] + ([group] if group else [])
    return (
        ServiceHour.objects.filter(day__gte=first, day__lte=last, channel__in=lines)
        .values(*fields)
        .annotate(n=Sum("contacts"), ws=Sum("wait_sum"), ts=Sum("talk_sum"))
        .values_list(*fields, "n", "ws", "ts")
    )


def levels_by(first: dt.date, last: dt.date, group: str | None = None) -> dict[str, dict]:
    """{line: {group value: Level}} (group None: {line: {None: Level}})."""
    tg = targets()
    accs: dict[str, dict] = {line: defaultdict(lambda line=line: _Acc(tg[line]["seconds"])) for line in LINES}
    for row in _rows(first, last, group):
        channel, bucket, answered, abandoned = row[:4]
        key = row[4] if group else None
        n, ws, ts = row[-3:]
        accs[channel][key].add(bucket, answered, abandoned, n, ws, ts)
    return {line: {k: acc.result() for k, acc in sorted(accs[line].items(), key=lambda kv: (kv[0] is None, kv[0]))} for line in LINES}


def _level(bucket: np.ndarray, answered: np.ndarray, abandoned: np.ndarray, n: np.ndarray, ws: np.ndarray,
           ts: np.ndarray, threshold: int) -> Level:
    """The documented definitions over arrays of hourly rows (already restricted to one group)."""
    timed = bucket >= 0
    ans = timed & answered & ~abandoned
    ab = timed & abandoned
    lv = Level(
        offered=int(n[timed].sum()), answered=int(n[ans].sum()), abandoned=int(n[ab].sum()),
        answered_within=int(n[ans & (bucket <= threshold)].sum()), abandoned_after=int(n[ab & (bucket > threshold)].sum()),
        talk_hours=float(ts[timed].sum()) / 3600,
    )
    denominator = lv.answered + lv.abandoned_after
    lv.service_level = lv.answered_within / denominator if denominator else None
    lv.abandoned_rate = lv.abandoned / lv.offered if lv.offered else None
    if lv.answered:
        lv.mean_wait = float(ws[ans].sum()) / lv.answered
        cum = np.cumsum(np.bincount(bucket[ans], weights=n[ans], minlength=WAIT_CAP + 1))
        lv.median_wait = float(np.searchsorted(cum, int(np.ceil(0.5 * lv.answered))))
        lv.p90_wait = float(np.searchsorted(cum, int(np.ceil(0.9 * lv.answered))))
    return lv


def month_levels(month: str) -> dict[str, dict]:
    """One read of the month's hourly rows: {line: {"overall", "hour", "dow", "day": {key: Level}}}."""
    first, last = month_bounds(month)
    tg = targets()
    # Three small GROUP BYs in SQL (by day, hour of day, weekday), raw and with the day as
    # text: far fewer rows to Python than the hourly rows themselves.
    table = ServiceHour._meta.db_table
    out: dict[str, dict] = {line: {"overall": {}, "hour": {}, "dow": {}, "day": {}} for line in LINES}
    for group, column in (("day", "CAST(day AS TEXT)"), ("hour", "hour"), ("dow", "dow")):
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT {column}, channel, wait_bucket, answered, abandoned, SUM(contacts), SUM(wait_sum), SUM(talk_sum) "
                f"FROM {table} WHERE day >= %s AND day <= %s AND channel IN ('999', '101') "
                f"GROUP BY {column}, channel, wait_bucket, answered, abandoned",
                [first, last],
            )
            rows = cur.fetchall()
        if not rows:
            continue
        key, channel, bucket, answered, abandoned, n, ws, ts = (np.array(c, dtype=object) for c in zip(*rows))
        cols = {
            "bucket": np.array([-1 if b is None else b for b in bucket], dtype=np.int64),
            "answered": answered.astype(bool), "abandoned": abandoned.astype(bool), "n": n.astype(np.int64),
            "ws": ws.astype(float), "ts": ts.astype(float),
        }
        for line in LINES:
            sel = channel == line
            threshold = tg[line]["seconds"]
            if not sel.any():
                continue
            if group == "day":  # the whole month, once
                out[line]["overall"][None] = _level(*(cols[c][sel] for c in ("bucket", "answered", "abandoned", "n", "ws", "ts")), threshold)
            for k in sorted(set(key[sel].tolist())):
                mask = sel & (key == k)
                label = dt.date.fromisoformat(str(k)[:10]) if group == "day" else int(k)
                out[line][group][label] = _level(*(cols[c][mask] for c in ("bucket", "answered", "abandoned", "n", "ws", "ts")), threshold)
    return out


def trend_levels(months: list[str]) -> dict[str, dict[str, Level]]:
    """{line: {month: Level}} from the monthly roll-up."""
    from engage.service.models import ServiceMonth

    tg = targets()
    accs = {line: defaultdict(lambda line=line: _Acc(tg[line]["seconds"])) for line in LINES}
    rows = ServiceMonth.objects.filter(month__in=months, channel__in=LINES).values_list(
        "month", "channel", "wait_bucket", "answered", "abandoned", "contacts", "wait_sum", "talk_sum"
    )
    for month, channel, bucket, answered, abandoned, n, ws, ts in rows:
        accs[channel][month].add(bucket, answered, abandoned, n, ws, ts)
    return {line: {m: accs[line][m].result() for m in sorted(accs[line])} for line in LINES}


def months_back(month: str, count: int) -> list[str]:
    year, mon = (int(x) for x in month.split("-"))
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{mon:02d}")
        year, mon = (year - 1, 12) if mon == 1 else (year, mon - 1)
    return out[::-1]


def service_report(month: str, trend_months: int = 12) -> dict:
    """Everything the service page and `engage report service` show for one month."""
    months = months_back(month, trend_months)
    ensure_month(month)
    volumes = monthly_volumes(months[0], month, ensured=True)
    tg = targets()
    levels = month_levels(month)
    by_month = trend_levels(months)
    return {
        "month": month,
        "targets": tg,
        "lines": {
            line: {
                "overall": levels[line]["overall"].get(None, Level()).as_dict(),
                "by_hour": {h: lv.as_dict() for h, lv in levels[line]["hour"].items()},
                "by_dow": {DOW_NAMES[d]: lv.as_dict() for d, lv in levels[line]["dow"].items()},
                "by_day": {d.isoformat(): lv.as_dict() for d, lv in levels[line]["day"].items()},
                "by_month": {m: lv.as_dict() for m, lv in by_month[line].items()},
            }
            for line in LINES
        },
        "volumes": volumes,
    }


def monthly_volumes(first_month: str, last_month: str, ensured: bool = False) -> list[dict]:
    """Contacts per month and channel, in the shape forces publish (one row per month)."""
    from engage.service.models import ServiceMonth

    wanted = months_back(last_month, len(_month_range(first_month, last_month)))
    if not ensured:
        ensure_month(last_month)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    rows = (
        ServiceMonth.objects.filter(month__in=wanted)
        .values("month", "channel")
        .annotate(n=Sum("contacts"))
        .values_list("month", "channel", "n")
    )
    for m, channel, n in rows:
        counts[m][channel] = n
    out = []
    for m in wanted:
        row = {"month": m}
        for channel, label in VOLUME_COLUMNS:
            row[label] = counts.get(m, {}).get(channel, 0)
        out.append(row)
    return out


def _month_range(first_month: str, last_month: str) -> list[str]:
    fy, fm = (int(x) for x in first_month.split("-"))
    ly, lm = (int(x) for x in last_month.split("-"))
    return [None] * ((ly - fy) * 12 + lm - fm + 1)


def latest_month() -> str | None:
    """The latest month with any contacts (local), or None."""
    from django.db.models import Max

    from engage.contacts.models import Contact
    from engage.service.aggregate import force_tz

    last = Contact.objects.aggregate(last=Max("arrived_at"))["last"]
    return last.astimezone(force_tz()).strftime("%Y-%m") if last else None

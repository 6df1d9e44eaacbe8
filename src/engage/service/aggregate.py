"""The hourly service aggregate (ServiceHour): built from contacts, kept current on import.

Local days, hours and weekdays are computed in NumPy from epoch seconds and the
timezone's UTC-offset transitions, so the same code serves SQLite and PostgreSQL and a
year of contacts aggregates in seconds. A day is rebuilt whole (delete + insert), which
makes every rebuild idempotent.
"""
from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
from zoneinfo import ZoneInfo

import numpy as np
from django.db import connection, transaction

from engage.config import section
from engage.contacts.models import Contact
from engage.service.models import ServiceCallerDay, ServiceHour
from engage.sqltime import epoch_seconds_sql

WAIT_CAP = 3600
CHANNELS = ["999", "101", "webchat", "online_report", "social_media", "other"]
UTC = dt.timezone.utc


def force_tz() -> ZoneInfo:
    return ZoneInfo(section("force").get("timezone", "Europe/London"))


def local_day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC instants [start of `first`, start of the day after `last`) in the force's timezone."""
    tz = force_tz()
    start = dt.datetime.combine(first, dt.time(), tz).astimezone(UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz).astimezone(UTC)
    return start, end


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """First and last local day of a YYYY-MM month."""
    year, mon = (int(x) for x in month.split("-"))
    first = dt.date(year, mon, 1)
    nxt = dt.date(year + (mon == 12), mon % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


@functools.lru_cache(maxsize=8)
def _transitions(tzname: str, first_year: int, last_year: int) -> tuple[np.ndarray, np.ndarray]:
    """(UTC epoch of each offset change, offset seconds from then on), hour by hour scan."""
    tz = ZoneInfo(tzname)
    t = dt.datetime(first_year - 1, 12, 31, tzinfo=UTC)
    end = dt.datetime(last_year + 1, 1, 2, tzinfo=UTC)
    starts, offsets = [t.timestamp()], [t.astimezone(tz).utcoffset().total_seconds()]
    step = dt.timedelta(hours=1)
    while t < end:
        t += step
        off = t.astimezone(tz).utcoffset().total_seconds()
        if off != offsets[-1]:
            starts.append(t.timestamp())
            offsets.append(off)
    return np.array(starts), np.array(offsets)


def local_parts(epoch: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local day number (days since 1970-01-01 local), hour and weekday (0 = Monday)."""
    if len(epoch) == 0:
        empty = np.array([], dtype=np.int64)
        return empty, empty, empty
    years = dt.datetime.fromtimestamp(float(epoch.min()), UTC).year, dt.datetime.fromtimestamp(float(epoch.max()), UTC).year
    starts, offsets = _transitions(force_tz().key, *years)
    idx = np.searchsorted(starts, epoch, side="right") - 1
    local = epoch + offsets[np.clip(idx, 0, len(offsets) - 1)]
    daynum = np.floor_divide(local, 86400).astype(np.int64)
    hour = (np.floor_divide(local, 3600) % 24).astype(np.int64)
    dow = (daynum + 3) % 7  # 1970-01-01 was a Thursday
    return daynum, hour, dow


def db_times(*moments: dt.datetime) -> list:
    """Times as the contacts table stores them. A raw cursor would bind an aware datetime
    as '... 00:00:00+00:00' on SQLite, which sorts after the stored '... 00:00:00' and so
    left a contact at exactly the start of a range out of it."""
    return [connection.ops.adapt_datetimefield_value(m) for m in moments]


def fetch_timings(start: dt.datetime, end: dt.datetime, channels: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """The columns service levels need, for contacts arriving in [start, end), as arrays."""
    table = Contact._meta.db_table
    only = f" AND channel IN ({', '.join(['%s'] * len(channels))})" if channels else ""
    arrived, answered, ended = (epoch_seconds_sql(column) for column in ("arrived_at", "answered_at", "ended_at"))
    sql = (
        f"SELECT {arrived}, channel, {answered}, {ended}, "
        f"queue_seconds, talk_seconds, abandoned, caller_id FROM {table} WHERE arrived_at >= %s AND arrived_at < %s{only}"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [*db_times(start, end), *channels])
        rows = cur.fetchall()
    if not rows:
        cols = [np.array([], dtype=float)] * 8
    else:
        cols = list(zip(*rows))
    arrived, channel, answered_at, ended_at, queue, talk, abandoned, caller = cols
    as_float = lambda seq: np.array([np.nan if v is None else float(v) for v in seq], dtype=float)  # noqa: E731
    return {
        "arrived": np.array(arrived, dtype=float),
        "channel": np.array(channel, dtype=object),
        "answered_at": as_float(answered_at),
        "ended_at": as_float(ended_at),
        "queue": as_float(queue),
        "talk": as_float(talk),
        "abandoned": np.array([bool(v) for v in abandoned], dtype=bool),
        "caller": np.array([-1 if v is None else int(v) for v in caller], dtype=np.int64),
    }


def waits(t: dict[str, np.ndarray]) -> np.ndarray:
    """Seconds in the queue: the ACD's queue_seconds, else answer (or, abandoned, end) minus arrival."""
    wait = t["queue"].copy()
    missing = np.isnan(wait)
    to_answer = t["answered_at"] - t["arrived"]
    wait[missing] = to_answer[missing]
    missing = np.isnan(wait) & t["abandoned"]
    to_end = t["ended_at"] - t["arrived"]
    wait[missing] = to_end[missing]
    return np.where(wait < 0, 0.0, wait)


def bucket_of(wait: np.ndarray) -> np.ndarray:
    """Whole seconds rounded up to 60 s, then up to 5 s steps to 300 s, then 60 s steps to 3600.

    A bucket is an upper bound ("waited at most b seconds"), so any threshold up to 60 s
    (and multiples of 5 s up to 300 s) is counted exactly; fewer buckets keep the table small.
    """
    b = np.ceil(wait)
    b = np.where(b > 60, np.ceil(b / 5) * 5, b)
    b = np.where(b > 300, np.ceil(b / 60) * 60, b)
    return np.minimum(b, WAIT_CAP)


COLUMNS = ("day", "month", "dow", "hour", "channel", "wait_bucket", "answered", "abandoned", "contacts", "wait_sum",
           "talk_sum", "handling_sum")


def build_rows(t: dict[str, np.ndarray]) -> list[tuple]:
    """Aggregate fetched contacts into ServiceHour rows (tuples in COLUMNS order)."""
    n = len(t["arrived"])
    if n == 0:
        return []
    daynum, hour, dow = local_parts(t["arrived"])
    wait = waits(t)
    has_wait = ~np.isnan(wait)
    bucket = np.where(has_wait, bucket_of(np.nan_to_num(wait)), -1).astype(np.int64)
    answered = (~np.isnan(t["answered_at"]) | (has_wait & ~t["abandoned"])) & ~t["abandoned"]
    chan_codes = {c: i for i, c in enumerate(CHANNELS)}
    chan = np.array([chan_codes.get(c, chan_codes["other"]) for c in t["channel"]], dtype=np.int64)
    # One integer key per (day, hour, channel, bucket, answered, abandoned).
    key = ((((daynum * 24 + hour) * 8 + chan) * (WAIT_CAP + 2) + (bucket + 1)) * 2 + answered) * 2 + t["abandoned"]
    uniq, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    wait_sum = np.bincount(inverse, weights=np.where(has_wait, np.nan_to_num(wait), 0.0))
    talk_sum = np.bincount(inverse, weights=np.nan_to_num(t["talk"]))
    handling_sum = np.bincount(inverse, weights=np.nan_to_num(t["queue"]) + np.nan_to_num(t["talk"]))
    rows = []
    days: dict[int, dt.date] = {}
    for k, c, ws, ts, hs in zip(uniq.tolist(), counts.tolist(), wait_sum.tolist(), talk_sum.tolist(), handling_sum.tolist()):
        k, ab = divmod(k, 2)
        k, an = divmod(k, 2)
        k, b = divmod(k, WAIT_CAP + 2)
        k, ch = divmod(k, 8)
        d, h = divmod(k, 24)
        day = days.get(d) or days.setdefault(d, dt.date(1970, 1, 1) + dt.timedelta(days=d))
        rows.append((day, day.strftime("%Y-%m"), day.weekday(), h, CHANNELS[ch], None if b == 0 else b - 1,
                     bool(an), bool(ab), c, ws, ts, hs))
    return rows


CALLER_COLUMNS = ("caller_id", "day", "contacts", "handling_sum")


def build_caller_rows(t: dict[str, np.ndarray]) -> list[tuple]:
    """Aggregate fetched contacts into ServiceCallerDay rows (tuples in CALLER_COLUMNS order)."""
    has = t["caller"] >= 0
    if not has.any():
        return []
    daynum, _, _ = local_parts(t["arrived"][has])
    handling = (np.nan_to_num(t["queue"]) + np.nan_to_num(t["talk"]))[has]
    key = t["caller"][has] * 1_000_000 + daynum  # day numbers stay below 10**6 until the year 4707
    uniq, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=handling)
    rows, days = [], {}
    for k, c, h in zip(uniq.tolist(), counts.tolist(), sums.tolist()):
        caller, d = divmod(k, 1_000_000)
        day = days.get(d) or days.setdefault(d, dt.date(1970, 1, 1) + dt.timedelta(days=d))
        rows.append((caller, day, c, h))
    return rows


def _insert(rows: list[tuple], model=ServiceHour, columns: tuple[str, ...] = COLUMNS) -> None:
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cur:
        for i in range(0, len(rows), 10000):
            cur.executemany(sql, rows[i : i + 10000])


def rebuild_days(first: dt.date, last: dt.date) -> int:
    """Recompute the aggregates (hourly and per caller) for local days first..last inclusive;
    returns ServiceHour rows written."""
    start, end = local_day_bounds(first, last)
    fetched = fetch_timings(start, end)
    rows = build_rows(fetched)
    with transaction.atomic():
        ServiceHour.objects.filter(day__gte=first, day__lte=last).delete()
        _insert(rows)
        _replace_caller_days(first, last, build_caller_rows(fetched))
        for month in sorted({first.strftime("%Y-%m"), last.strftime("%Y-%m")} | _months_between(first, last)):
            roll_up_month(month)
    return len(rows)


@contextlib.contextmanager
def _roomy_page_cache():
    """SQLite: a 256 MiB page cache while caller rows are written (default 2 MiB), then
    the connection's own size again. A day's callers land on as many pages of the caller
    index; with a small cache they are written out and read back as the insert goes,
    which can double its cost. Memory is taken only as pages are used, and given back."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA cache_size")
        before = cur.fetchone()[0]
        cur.execute("PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA cache_size = {int(before)}")


def _replace_caller_days(first: dt.date, last: dt.date, rows: list[tuple]) -> None:
    """Make the days' ServiceCallerDay rows equal `rows`, writing only the differences.

    Rows of a day that did not change (the margin days an import marks, or a day rebuilt
    again) are left alone: each write lands at a random place in the caller index, and
    an import usually adds one new day.
    """
    table = ServiceCallerDay._meta.db_table
    with _roomy_page_cache(), connection.cursor() as cur:
        cur.execute(f"SELECT caller_id, day, contacts, handling_sum FROM {table} WHERE day >= %s AND day <= %s", [first, last])
        old = {(c, d): (n, h) for c, d, n, h in cur.fetchall()}
        new = {(c, d): (n, h) for c, d, n, h in rows}
        stale = [k for k, (n, h) in old.items() if k not in new or new[k][0] != n or abs(new[k][1] - h) > 1e-6]
        if stale:
            cur.executemany(f"DELETE FROM {table} WHERE caller_id = %s AND day = %s", stale)
        fresh = set(stale) | (new.keys() - old.keys())
        _insert([r for r in rows if (r[0], r[1]) in fresh], ServiceCallerDay, CALLER_COLUMNS)


def rebuild_callers(caller_ids: list[int]) -> int:
    """Recompute every ServiceCallerDay row of these callers from their contacts (caller index)."""
    table, written = Contact._meta.db_table, 0
    for i in range(0, len(caller_ids), 500):
        chunk = caller_ids[i : i + 500]
        with connection.cursor() as cur:
            cur.execute(f"SELECT {epoch_seconds_sql('arrived_at')}, queue_seconds, talk_seconds, caller_id FROM {table} "
                        f"WHERE caller_id IN ({', '.join(['%s'] * len(chunk))})", chunk)
            got = cur.fetchall()
        arrived, queue, talk, caller = zip(*got) if got else ((), (), (), ())
        as_float = lambda seq: np.array([np.nan if v is None else float(v) for v in seq], dtype=float)  # noqa: E731
        rows = build_caller_rows({"arrived": np.array(arrived, dtype=float), "queue": as_float(queue),
                                  "talk": as_float(talk), "caller": np.array(caller, dtype=np.int64)})
        with transaction.atomic(), _roomy_page_cache():
            ServiceCallerDay.objects.filter(caller_id__in=chunk).delete()
            _insert(rows, ServiceCallerDay, CALLER_COLUMNS)
        written += len(rows)
    return written


def rebuild_dirty_callers() -> int:
    """Rebuild the callers the contacts trigger marked (contacts moved or deleted); returns how many."""
    from engage.service.models import ServiceDirtyCaller

    ids = sorted(ServiceDirtyCaller.objects.values_list("caller_id", flat=True))
    if ids:
        rebuild_callers(ids)
        for i in range(0, len(ids), 900):
            ServiceDirtyCaller.objects.filter(caller_id__in=ids[i : i + 900]).delete()
    return len(ids)


def rebuild_span(first: dt.date, last: dt.date) -> int:
    """rebuild_days a month at a time, so memory stays bounded over long spans."""
    written = 0
    while first <= last:
        _, month_end = month_bounds(first.strftime("%Y-%m"))
        written += rebuild_days(first, min(month_end, last))
        first = month_end + dt.timedelta(days=1)
    return written


def _months_between(first: dt.date, last: dt.date) -> set[str]:
    out, day = set(), first.replace(day=1)
    while day <= last:
        out.add(day.strftime("%Y-%m"))
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return out


def roll_up_month(month: str) -> None:
    """Recompute ServiceMonth for one month from its ServiceHour rows (one SQL statement)."""
    from engage.service.models import ServiceMonth

    hour_t, month_t = ServiceHour._meta.db_table, ServiceMonth._meta.db_table
    cols = "channel, wait_bucket, answered, abandoned"
    ServiceMonth.objects.filter(month=month).delete()
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {month_t} (month, {cols}, contacts, wait_sum, talk_sum, handling_sum) "
            f"SELECT month, {cols}, SUM(contacts), SUM(wait_sum), SUM(talk_sum), SUM(handling_sum) FROM {hour_t} "
            f"WHERE month = %s GROUP BY month, {cols}",
            [month],
        )


def rebuild_all() -> int:
    """Recompute the whole aggregate, month by month (bounded memory)."""
    from django.db.models import Max, Min

    span = Contact.objects.aggregate(first=Min("arrived_at"), last=Max("arrived_at"))
    from engage.service.models import ServiceWatermark

    from engage.service.models import ServiceDirtyCaller, ServiceDirtyDay, ServiceMonth

    newest = Contact.objects.aggregate(m=Max("id"))["m"] or 0
    ServiceHour.objects.all().delete()
    ServiceMonth.objects.all().delete()
    ServiceCallerDay.objects.all().delete()
    ServiceDirtyCaller.objects.all().delete()
    ServiceDirtyDay.objects.all().delete()
    ServiceWatermark.objects.update_or_create(pk=1, defaults={"last_contact_id": newest})
    if span["first"] is None:
        return 0
    tz = force_tz()
    first, last = span["first"].astimezone(tz).date(), span["last"].astimezone(tz).date()
    return rebuild_span(first.replace(day=1), month_bounds(last.strftime("%Y-%m"))[1])


def days_of_contacts(contact_ids: list[int]) -> list[dt.date]:
    """Local days the given contacts arrived on; for contacts already aggregated, with a
    day's margin either side.

    The margin covers a contact whose arrival time moved across midnight when a later
    source row joined it (the old day is then rebuilt too). A contact newer than the
    watermark was never aggregated, so only its own day can change.
    """
    from engage.service.models import ServiceWatermark

    seen = ServiceWatermark.objects.filter(pk=1).values_list("last_contact_id", flat=True).first() or 0
    tz = force_tz()
    days: set[dt.date] = set()
    for i in range(0, len(contact_ids), 900):
        for pk, arrived in Contact.objects.filter(id__in=contact_ids[i : i + 900]).values_list("id", "arrived_at"):
            day = arrived.astimezone(tz).date()
            days.update({day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)} if pk <= seen else {day})
    return sorted(days)


def mark_dirty(contact_ids: list[int]) -> int:
    """Note the days these contacts fall on (import time: cheap); returns days marked."""
    from engage.service.models import ServiceDirtyDay

    days = days_of_contacts(contact_ids)
    ServiceDirtyDay.objects.bulk_create([ServiceDirtyDay(day=d) for d in days], ignore_conflicts=True)
    return len(days)


def rebuild_dirty() -> set[dt.date]:
    """Rebuild every day marked dirty, as contiguous runs; returns the days rebuilt."""
    from engage.service.models import ServiceDirtyDay

    days = sorted(ServiceDirtyDay.objects.values_list("day", flat=True))
    if not days:
        return set()
    _rebuild_runs(days)
    ServiceDirtyDay.objects.filter(day__in=days).delete()
    return set(days)


def _rebuild_runs(days: list[dt.date]) -> int:
    written = 0
    run_start = prev = None
    for day in days + [None]:
        if run_start is not None and (day is None or day - prev > dt.timedelta(days=1)):
            written += rebuild_span(run_start, prev)
            run_start = None
        if day is not None and run_start is None:
            run_start = day
        prev = day
    return written


def month_fingerprint(month: str) -> int:
    """Contacts in the month's local days, straight from the contacts table (index-only count)."""
    first, last = month_bounds(month)
    start, end = local_day_bounds(first, last)
    return Contact.objects.filter(arrived_at__gte=start, arrived_at__lt=end).count()


def aggregate_fingerprint(month: str) -> int:
    from django.db.models import Sum

    from engage.service.models import ServiceMonth

    return ServiceMonth.objects.filter(month=month).aggregate(n=Sum("contacts"))["n"] or 0


def catch_up(done: set[dt.date] = frozenset()) -> int:
    """Aggregate contacts newer than the watermark (idempotent); returns how many were new."""
    from django.db.models import Max

    from engage.service.models import ServiceWatermark

    mark, _ = ServiceWatermark.objects.get_or_create(pk=1)
    newest = Contact.objects.aggregate(m=Max("id"))["m"] or 0
    if newest <= mark.last_contact_id:
        return 0
    from django.db.models import Count, Min

    new = Contact.objects.filter(id__gt=mark.last_contact_id).aggregate(n=Count("id"), a=Min("arrived_at"), b=Max("arrived_at"))
    if new["n"]:
        # One rebuild over the new contacts' span of days: a live feed adds today's
        # contacts, a deferred import its file's days. Never aggregated, they can only
        # change the days they are on.
        tz = force_tz()
        first, last = new["a"].astimezone(tz).date(), new["b"].astimezone(tz).date()
        if not done:
            rebuild_span(first, last)
        else:  # days the import already marked (and were just rebuilt) need no second pass
            span = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
            _rebuild_runs([d for d in span if d not in done])
    ServiceWatermark.objects.filter(pk=1).update(last_contact_id=newest)
    return new["n"]


def refresh() -> bool:
    """Bring the aggregates up to date: days marked dirty, contacts beyond the watermark,
    callers whose contacts moved. Returns True if anything was rebuilt; then the
    watermark's `updated_at` moves on, so caches keyed on it (impact) see the change."""
    from engage.service.models import ServiceWatermark

    days = rebuild_dirty()
    changed = bool(catch_up(days)) | bool(days) | bool(rebuild_dirty_callers())
    if changed:
        mark, _ = ServiceWatermark.objects.get_or_create(pk=1)
        mark.save(update_fields=["updated_at"])
    return changed


_ensured: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("ensured_months", default=None)


@contextlib.contextmanager
def one_report():
    """Within one report, each month is brought up to date once: its parts (service levels,
    callbacks, impact) each ensure the month they read, and the checks would repeat."""
    token = _ensured.set(set())
    try:
        yield
    finally:
        _ensured.reset(token)


def ensure_month(month: str) -> bool:
    """Bring the aggregate up to date for a month before reporting it.

    `refresh` first; then the month's contact count is checked against the aggregate (an
    index-only count) and the month rebuilt if they differ. Returns True if it had to
    rebuild the month. Inside `one_report`, a month already ensured is not checked again.
    """
    done = _ensured.get()
    if done is not None and month in done:
        return False
    if done is not None:
        done.add(month)
    refresh()
    if month_fingerprint(month) == aggregate_fingerprint(month):
        return False
    rebuild_days(*month_bounds(month))
    return True

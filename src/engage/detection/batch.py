"""Batch detection: every rule over every contact in DuckDB, then stored in one go.

`engage detect --full`. Contacts are read from the Django database through its cursor
into Arrow (DuckDB's sqlite scanner would need an extension download), counted with
DuckDB window functions (RANGE frames, as a bare analyst's query would), and the crossing
windows are merged into episodes with a gaps-and-islands query. Window bounds come from
`engage.detection.windows`, the same functions the incremental path uses.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from engage.detection import windows as W
from engage.detection.engine import EpisodeSpec
from engage.detection.rules import Rule, Threshold

CONTACT_SCHEMA = pa.schema([
    ("id", pa.int64()), ("caller_id", pa.int64()), ("place_key", pa.string()), ("channel", pa.string()),
    ("ts", pa.int64()), ("phone", pa.string()), ("opening_code", pa.string()),
])


@dataclass
class RuleResult:
    """One rule's episodes: `episodes` (no, key, start, end, count, first, last), `evidence` (no, contact_id)."""

    rule: Rule
    episodes: pa.Table
    evidence: pa.Table

    def specs(self) -> list[EpisodeSpec]:
        ev: dict[int, list[int]] = {}
        for no, cid in zip(self.evidence.column("no").to_pylist(), self.evidence.column("contact_id").to_pylist()):
            ev.setdefault(no, []).append(cid)
        out = []
        for row in self.episodes.to_pylist():
            out.append(EpisodeSpec(self.rule.name, self.rule.subject, str(row["key"]), row["start"], row["end"],
                                   row["count"], row["first"], row["last"], tuple(sorted(ev.get(row["no"], [])))))
        return out


def with_local_periods(contacts: pa.Table, tz: str, *, day: bool = True, month: bool = True) -> pa.Table:
    """Add `day` (local calendar day) and `month` (local calendar month) columns, as needed."""
    if not (day or month):
        return contacts
    days = W.local_days(contacts.column("ts").to_numpy(), tz)
    if day:
        contacts = contacts.append_column("day", pa.array(days))
    if month:
        contacts = contacts.append_column("month", pa.array(W.months_of_days(days)))
    return contacts


def _strings(values) -> str:
    """A SQL list of string literals (quotes doubled): views cannot take parameters."""
    return "(" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in sorted(values)) + ")"


def _counted_sql(rule: Rule, columns: set[str]) -> str:
    subj = "caller_id" if rule.subject == "caller" else "place_key"
    where = [f"{subj} IS NOT NULL", f"channel IN {_strings(rule.channels)}"]
    if rule.subject == "location":
        where.append("place_key <> ''")
    if rule.exclude.opening_codes:
        where.append(f"upper(coalesce(opening_code, '')) NOT IN {_strings(rule.exclude.opening_codes)}")
    if rule.exclude.shared_numbers:
        where.append("coalesce(phone, '') NOT IN (SELECT e164 FROM shared_numbers)")
    if rule.exclude.numbers:
        where.append(f"coalesce(phone, '') NOT IN {_strings(rule.exclude.numbers)}")
    if rule.subject == "caller" and rule.exclude.callers:
        where.append(f"caller_id NOT IN ({', '.join(str(int(c)) for c in sorted(rule.exclude.callers))})")
    if rule.subject == "location" and rule.exclude.places:
        where.append(f"place_key NOT IN {_strings(rule.exclude.places)}")
    periods = ", ".join(p if p in columns else f"NULL::BIGINT AS {p}" for p in ("day", "month"))
    return f"SELECT id, {subj} AS subj, ts, {periods} FROM contacts WHERE {' AND '.join(where)}"


def _count_expr(t: Threshold) -> str:
    n = t.length
    if t.window == "rolling_days":
        return f"count(*) OVER (PARTITION BY subj ORDER BY ts RANGE BETWEEN {n * W.DAY_US} PRECEDING AND CURRENT ROW)"
    if t.window == "rolling_months":
        return (f"count(*) OVER (PARTITION BY subj ORDER BY make_timestamp(ts) "
                f"RANGE BETWEEN INTERVAL {n} MONTH PRECEDING AND CURRENT ROW)")
    period = "day" if t.window == "calendar_day" else "month"
    if n == 1:
        return f"count(*) OVER (PARTITION BY subj, {period})"
    return f"count(*) OVER (PARTITION BY subj ORDER BY {period} RANGE BETWEEN {n - 1} PRECEDING AND CURRENT ROW)"


def _windows(rule: Rule, crossing: dict[str, np.ndarray], tz: str) -> tuple[np.ndarray, ...]:
    """[lo, hi) of every crossing window (subject codes, lo, hi)."""
    subj_parts, lo_parts, hi_parts = [], [], []
    for i, t in enumerate(rule.thresholds):
        hit = crossing[f"x{i}"]
        subj, ts = crossing["subj_no"][hit], crossing["ts"][hit]
        if t.window == "rolling_days":
            lo, hi = ts - t.length * W.DAY_US, ts + 1
        elif t.window == "rolling_months":
            lo = np.fromiter((W.minus_months(int(v), t.length) for v in ts), dtype=np.int64, count=len(ts))
            hi = ts + 1
        else:
            periods = crossing["day" if t.window == "calendar_day" else "month"][hit]
            pairs = np.unique(np.stack([subj, periods]), axis=1) if len(subj) else np.zeros((2, 0), dtype=np.int64)
            subj, periods = pairs[0], pairs[1]
            uniq, inverse = np.unique(periods, return_inverse=True)
            b = np.array([W.period_bounds(t, int(p), tz) for p in uniq], dtype=np.int64).reshape(-1, 2)
            lo, hi = b[inverse, 0], b[inverse, 1]
        subj_parts.append(subj), lo_parts.append(lo), hi_parts.append(hi)
    return np.concatenate(subj_parts), np.concatenate(lo_parts), np.concatenate(hi_parts)


def detect_rule(con: duckdb.DuckDBPyConnection, rule: Rule, tz: str) -> RuleResult:
    """Episodes of one rule over the `contacts` table registered on `con`."""
    columns = {c[0] for c in con.execute("DESCRIBE contacts").fetchall()}
    # A view, not a table: scanning Arrow twice costs less than materialising millions of rows.
    con.execute(f"CREATE OR REPLACE TEMP VIEW counted AS {_counted_sql(rule, columns)}")
    # Subjects as integers so windows can be handled as numpy arrays: caller ids are
    # already; place keys are numbered.
    if rule.subject == "location":
        con.execute("CREATE OR REPLACE TEMP TABLE subjects AS SELECT subj, (row_number() OVER ())::BIGINT AS subj_no "
                    "FROM (SELECT DISTINCT subj FROM counted)")
    counts = ", ".join(f"{_count_expr(t)} AS c{i}" for i, t in enumerate(rule.thresholds))
    crossed = " OR ".join(f"c{i} >= {t.at_least}" for i, t in enumerate(rule.thresholds))
    flags = ", ".join(f"c{i} >= {t.at_least} AS x{i}" for i, t in enumerate(rule.thresholds))
    inner = f"SELECT subj, ts, day, month, {counts} FROM counted"
    if rule.subject == "caller":
        query = f"SELECT subj AS subj_no, ts, day, month, {flags} FROM ({inner}) w WHERE {crossed}"
    else:
        query = f"SELECT s.subj_no, w.ts, w.day, w.month, {flags} FROM ({inner}) w JOIN subjects s USING (subj) WHERE {crossed}"
    crossing = con.execute(query).fetchnumpy()
    crossing = {k: np.asarray(v) for k, v in crossing.items()}
    subj, lo, hi = _windows(rule, crossing, tz)
    con.register("windows", pa.table({"subj_no": pa.array(subj, pa.int64()), "lo": lo, "hi": hi}))
    # Gaps and islands: a window starts a new episode when it begins after every earlier
    # window of its subject has ended (touching windows, lo == previous end, merge).
    con.execute("""
        CREATE OR REPLACE TEMP TABLE eps AS
        WITH m AS (
            SELECT subj_no, lo, hi, max(hi) OVER (PARTITION BY subj_no ORDER BY lo, hi
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end FROM windows),
        g AS (
            SELECT subj_no, lo, hi, sum(CASE WHEN prev_end IS NULL OR lo > prev_end THEN 1 ELSE 0 END)
                OVER (PARTITION BY subj_no ORDER BY lo, hi ROWS UNBOUNDED PRECEDING) AS grp FROM m)
        SELECT (row_number() OVER (ORDER BY subj_no, min(lo)))::BIGINT AS no, subj_no, min(lo) AS "start", max(hi) AS "end"
        FROM g GROUP BY subj_no, grp
    """)
    con.unregister("windows")
    keyed = ("SELECT e.*, e.subj_no AS subj FROM eps e" if rule.subject == "caller"
             else "SELECT e.*, s.subj FROM eps e JOIN subjects s USING (subj_no)")
    evidence = con.sql(f"""
        SELECT e.no, c.id AS contact_id, c.ts FROM ({keyed}) e
        JOIN counted c ON c.subj = e.subj AND c.ts >= e."start" AND c.ts < e."end"
    """).to_arrow_table()
    con.register("evidence", evidence)
    episodes = con.sql(f"""
        SELECT e.no, e.subj AS key, e."start", e."end", count(*)::BIGINT AS count, min(v.ts) AS first, max(v.ts) AS last
        FROM ({keyed}) e JOIN evidence v USING (no)
        GROUP BY e.no, e.subj, e."start", e."end" ORDER BY e.no
    """).to_arrow_table()
    con.unregister("evidence")
    return RuleResult(rule, episodes, evidence.select(["no", "contact_id"]))


def detect(contacts: pa.Table, rules: list[Rule], tz: str, shared: list[str] | tuple[str, ...] = (),
           *, threads: int | None = None) -> list[RuleResult]:
    """Run every rule over an Arrow table of contacts (CONTACT_SCHEMA)."""
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    windows = {t.window for r in rules for t in r.thresholds}
    con.register("contacts", with_local_periods(contacts, tz, day="calendar_day" in windows,
                                                month="calendar_month" in windows))
    con.register("shared_numbers", pa.table({"e164": pa.array(list(shared), pa.string())}))
    try:
        return [detect_rule(con, rule, tz) for rule in rules]
    finally:
        con.close()


# --- the database side of `engage detect --full` ----------------------------------------


def load_contacts(chunk: int = 200_000) -> pa.Table:
    """The contacts table as Arrow, read through the Django connection in chunks."""
    from django.db import connection

    from engage.contacts.models import Contact

    table = Contact._meta.db_table
    if connection.vendor == "postgresql":
        ts_sql = "(extract(epoch FROM arrived_at) * 1000000)::bigint"
    else:  # SQLite keeps 'YYYY-MM-DD HH:MM:SS[.ffffff]' text in UTC; DuckDB parses it below
        ts_sql = "arrived_at || ''"
    sql = f"SELECT id, caller_id, place_key, channel, {ts_sql}, phone_e164, opening_code FROM {table} ORDER BY id"
    batches = []
    with connection.cursor() as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(chunk):
            cols = list(zip(*rows))
            ts = cols[4]
            if connection.vendor != "postgresql":
                ts = _parse_sqlite_ts(ts)
            batches.append(pa.record_batch([
                pa.array(cols[0], pa.int64()), pa.array(cols[1], pa.int64()), pa.array(cols[2], pa.string()),
                pa.array(cols[3], pa.string()), pa.array(ts, pa.int64()), pa.array(cols[5], pa.string()),
                pa.array(cols[6], pa.string()),
            ], schema=CONTACT_SCHEMA))
    return pa.Table.from_batches(batches, schema=CONTACT_SCHEMA)


def _parse_sqlite_ts(texts: tuple[str, ...]) -> np.ndarray:
    con = duckdb.connect()
    con.register("arr", pa.table({"t": pa.array(texts, pa.string())}))
    try:
        return con.execute("SELECT epoch_us(t::TIMESTAMP) AS ts FROM arr").fetchnumpy()["ts"]
    finally:
        con.close()


def store(results: list[RuleResult]) -> dict[str, int]:
    """Replace the stored episodes of these rules by `results`, keeping ids and status.

    An episode computed now takes over the oldest stored episode of the same subject and
    rule that it overlaps (any others it overlaps are folded into it, case links kept);
    stored episodes that nothing overlaps any more are deleted.
    """
    from django.db import connection, transaction

    from engage.detection.models import Episode
    from engage.detection.store import move_related

    through = Episode.contacts.through
    stats = {"created": 0, "updated": 0, "deleted": 0, "evidence": 0}
    with transaction.atomic():
        for result in results:
            rule = result.rule
            stored: dict[str, list[tuple[int, int, int]]] = {}
            for pk, caller_id, place, start, end in Episode.objects.filter(rule=rule.name, subject=rule.subject) \
                    .order_by("pk").values_list("pk", "caller_id", "place_key", "window_start", "window_end"):
                key = str(caller_id) if rule.subject == "caller" else place
                stored.setdefault(key, []).append((pk, W.to_us(start), W.to_us(end)))
            rows = result.episodes.to_pylist()
            pk_of_no: dict[int, int] = {}
            used: set[int] = set()
            creates, updates, absorbed = [], [], []
            for row in rows:
                key = str(row["key"])
                overlapping = [s for s in stored.get(key, []) if s[0] not in used and s[1] < row["end"] and s[2] > row["start"]]
                used.update(s[0] for s in overlapping)
                episode = Episode(pk=overlapping[0][0]) if overlapping else Episode()
                episode.subject, episode.rule = rule.subject, rule.name
                episode.caller_id = int(row["key"]) if rule.subject == "caller" else None
                episode.place_key = key if rule.subject == "location" else ""
                episode.window_start, episode.window_end = W.from_us(row["start"]), W.from_us(row["end"])
                episode.first_contact_at, episode.last_contact_at = W.from_us(row["first"]), W.from_us(row["last"])
                episode.contact_count = row["count"]
                (updates if overlapping else creates).append((row["no"], episode))
                absorbed.extend((overlapping[0][0], s[0]) for s in overlapping[1:])
            Episode.objects.bulk_update([e for _, e in updates], ["subject", "rule", "caller_id", "place_key",
                                        "window_start", "window_end", "first_contact_at", "last_contact_at",
                                        "contact_count"], batch_size=2000)
            made = Episode.objects.bulk_create([e for _, e in creates], batch_size=2000)
            for (no, _), episode in zip(creates, made):
                pk_of_no[no] = episode.pk
            for no, episode in updates:
                pk_of_no[no] = episode.pk
            for keep, other in absorbed:  # case links and decisions follow the episode that absorbed theirs
                move_related(keep, [other])
            stale = [s[0] for ss in stored.values() for s in ss if s[0] not in used] + [o for _, o in absorbed]
            for i in range(0, len(stale), 5000):
                Episode.objects.filter(pk__in=stale[i:i + 5000]).delete()
            kept = list(pk_of_no.values())
            for i in range(0, len(kept), 5000):
                through.objects.filter(episode_id__in=kept[i:i + 5000]).delete()
            nos = result.evidence.column("no").to_numpy()
            cids = result.evidence.column("contact_id").to_numpy()
            lookup = np.zeros(int(nos.max()) + 1 if len(nos) else 1, dtype=np.int64)
            for no, pk in pk_of_no.items():
                lookup[no] = pk
            pairs = list(zip(lookup[nos].tolist(), cids.tolist()))
            with connection.cursor() as cursor:
                for i in range(0, len(pairs), 50_000):
                    cursor.executemany(f"INSERT INTO {through._meta.db_table} (episode_id, contact_id) VALUES (%s, %s)",
                                       pairs[i:i + 50_000])
            stats["created"] += len(creates)
            stats["updated"] += len(updates)
            stats["deleted"] += len(stale)
            stats["evidence"] += len(pairs)
    return stats


def run_full(rules: list[Rule] | None = None) -> dict[str, int]:
    """`engage detect --full`: place keys, every rule over every contact, episodes stored."""
    from django.db import transaction

    from engage.contacts.models import Contact
    from engage.detection.incremental import fill_place_keys
    from engage.detection.rules import load_rules, timezone_name
    from engage.detection.sql import mark_all_evaluated
    from engage.detection.store import shared_numbers

    missing = list(Contact.objects.filter(place_key="").exclude(location="", address="").values_list("id", flat=True))
    for i in range(0, len(missing), 5000):
        fill_place_keys(missing[i:i + 5000])
    rules = rules if rules is not None else load_rules()
    tz = timezone_name()
    with transaction.atomic():
        contacts = load_contacts()
        results = detect(contacts, rules, tz, sorted(shared_numbers()))
        stats = store(results)
        # Everything is now evaluated as it stands: the catch-up starts from here.
        mark_all_evaluated()
    stats["contacts"] = contacts.num_rows
    return stats

"""The one-pass plan: several canonical files loaded into an empty store at once.

`engage import calls=F acd=F cc=F digital=F` on a store with no source rows yet (a
force's first load, the benchmark) reads and checks every file column-wise (as the bulk
path does, `ingest.parse_columns`), computes all the joins of docs/formats.md set-wise
over all rows at once, and writes each contact ONCE, in its final form, with its source
rows. The per-file path instead writes a call's contact, then updates it for its ACD
row, then again for its incident: three writes and two look-ups per contact.

The result is the per-file path's (tests/contacts/test_bulk_path.py compares them):
  - calls and ACD rows with the same call_id are one contact;
  - an incident joins a call by number and time exactly as `joining.match_incidents`
    decides: an as-of join (closest preceding call of the same number within the
    tolerance) is that rule's answer whenever no two incidents pick the same call and no
    two calls of the number start at the same second; the numbers where that does not
    hold go through `match_incidents` itself;
  - a digital incident joins the earliest digital contact (time, then key) naming it.
It writes in transactions of `[ingest] bulk_batch_size` whole contacts (each with all its
source rows), so a run killed halfway leaves whole contacts; running it again goes
through the per-file path (the store is no longer empty), which re-derives the joins of
the rows it adds against those stored and so completes the same result.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Callable
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from queue import SimpleQueue

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from engage.contacts import store
from engage.contacts.formats import DATA_FIELDS, TimeParser
from engage.contacts.joining import (
    CONTACT_FIELDS, WITHHELD_LINES, build_contacts, match_incidents, match_withheld, no_cli,
)
from engage.contacts.models import ImportRun
from engage.contacts.signals import contacts_imported

log = logging.getLogger(__name__)


@dataclass
class _File:
    path: Path
    source: str
    digest: str
    parsed: object  # ingest.ParsedFile
    run: ImportRun | None = None


def applies(files: list[tuple[Path, str]], column_map, enabled: bool) -> bool:
    """A plan needs canonical files (no column map), one per source, and a store without source rows."""
    sources = [source for _, source in files]
    if not enabled or column_map is not None or len(set(sources)) != len(sources):
        return False
    return store.is_empty()


def load(files: list[tuple[Path, str]], defer: bool, progress: Callable[[str, int, int], None] | None):
    """Import the files in one plan; None when one of them needs the per-row path (nothing written then)."""
    from engage.contacts import ingest

    started = time.perf_counter()
    s = ingest._settings()
    # The files are read and checked two at a time: DuckDB and Polars work outside the GIL (second core).
    with ThreadPoolExecutor(2) as pool:
        parsed = list(pool.map(lambda file: _parse(*file, s), files))
    if any(f is None for f in parsed):
        return None
    if progress:
        for f in parsed:
            progress(str(f.path), 1, 2)
    frames = assign_contacts({f.source: f.parsed.good for f in parsed}, s["tolerance"], s["join_withheld"], s["region"])
    for f in parsed:
        f.parsed.good = None  # frames hold the rows now: memory
        f.run = _start_run(f)
    try:
        results = _write(frames, parsed, s["bulk_batch_size"], s["region"], defer)
    except BaseException as exc:  # as ingest._run records a failed run (a SIGKILL leaves them "running")
        ImportRun.objects.filter(pk__in=[f.run.pk for f in parsed]).update(
            status=ImportRun.Status.FAILED, ended_at=timezone.now(), message=str(exc)[:2000] or type(exc).__name__)
        raise
    seconds = time.perf_counter() - started
    for f, result in zip(parsed, results):
        result.seconds, result.one_load = seconds, True  # one plan for all files: one time
        ImportRun.objects.filter(pk=f.run.pk).update(status=ImportRun.Status.COMPLETED, ended_at=timezone.now())
        if progress:
            progress(str(f.path), 2, 2)
    return results


def _parse(path: Path, source: str, s: dict) -> _File | None:
    """One file read and checked column-wise; None when it needs the per-row path."""
    from engage.contacts import ingest

    digest, encoding = ingest._scan(path, None)
    items = ingest._read_csv(path, source, None, encoding, None)
    header = next(items)[1]  # checks the header: a file that cannot be imported raises here
    items.close()
    raw = ingest._read_columns(path, header, encoding)
    if raw is None:
        return None
    return _File(path, source, digest, ingest.parse_columns(raw, source, TimeParser(s["timezone"], None), s["region"]))


def _deferring() -> bool:
    from engage.contacts import ingest

    return ingest._deferring


def _start_run(f: _File) -> ImportRun:
    now = timezone.now()
    ImportRun.objects.filter(file_hash=f.digest, source=f.source, status=ImportRun.Status.RUNNING).update(
        status=ImportRun.Status.FAILED, message="interrupted; a later run of the same file completes it", ended_at=now
    )
    return ImportRun.objects.create(source=f.source, file_name=str(f.path.resolve())[:500], file_hash=f.digest,
                                    started_at=now)


# ---------------------------------------------------------------- joins, set-wise


def assign_contacts(
    good: dict[str, pl.DataFrame], tolerance: float, withheld: bool = True, region: str = "GB"
) -> dict[str, pl.DataFrame]:
    """Each source's good rows with a `group` column: rows with the same group are one contact."""
    joined = []  # (cc key, group it joins)
    if "calls" in good and "cc" in good:
        pick = lambda source: good[source].filter(pl.col("matchable")).select("phone", "at", "key")  # noqa: E731
        joined.append(match_calls(pick("calls"), pick("cc"), tolerance).select(
            pl.col("incident").alias("key"), (pl.lit("t") + pl.col("call")).alias("joined")))
        if withheld and "acd" in good:
            joined.append(_withheld_incidents(good, tolerance, region))
    if "digital" in good and "cc" in good:
        joined.append(_digital_incidents(good["digital"], good["cc"]))
    out = {}
    for source, frame in good.items():
        frame = frame.with_columns(_own_group(source))
        if source == "cc" and joined:
            frame = frame.join(pl.concat(joined), on="key", how="left", maintain_order="left")
            frame = frame.with_columns(pl.coalesce("joined", "group").alias("group")).drop("joined")
        out[source] = frame
    return out


def _own_group(source: str) -> pl.Expr:
    # calls and ACD rows are grouped by call_id (their link); others are contacts of their own.
    if source in ("calls", "acd"):
        return (pl.lit("t") + pl.col("link")).alias("group")
    return (pl.lit("d" if source == "digital" else "i") + pl.col("key")).alias("group")


def _withheld_incidents(good: dict[str, pl.DataFrame], tolerance: float, region: str) -> pl.DataFrame:
    """(incident key, joined group): `joining.match_withheld` over all rows (a few thousand: no-CLI only).

    A call qualifies when its call-log CLI names nobody and its ACD row says answered
    (a call-log row alone does not qualify); an incident when it has no usable number.
    """
    lines = list(WITHHELD_LINES)
    answered = good["acd"].filter(~pl.col("abandoned").fill_null(True))["link"].implode()
    calls = good["calls"].filter(
        (pl.col("phone").fill_null("") == "") & pl.col("channel").is_in(lines) & pl.col("link").is_in(answered)
    ).select("channel", "at", "key", "phone_raw")
    incidents = good["cc"].filter((pl.col("phone").fill_null("") == "") & (pl.col("link") == "") & pl.col("channel").is_in(lines))
    pairs = match_withheld(
        [(line, at, key) for line, at, key, raw in calls.iter_rows() if no_cli(raw, region)],
        incidents.select("channel", "at", "key").iter_rows(), tolerance)
    return pl.DataFrame({"key": list(pairs), "joined": ["t" + call for call in pairs.values()]},
                        schema={"key": pl.String, "joined": pl.String})


def _digital_incidents(digital: pl.DataFrame, cc: pl.DataFrame) -> pl.DataFrame:
    """(incident key, joined group): each digital incident and the earliest digital contact naming it."""
    first = digital.filter(pl.col("link") != "").select("at", "key", "link").sort("at", "key").unique(
        subset="link", keep="first", maintain_order=True)
    incidents = cc.filter(pl.col("link") != "").select("key")
    return incidents.join(first.select(pl.col("link").alias("key"), (pl.lit("d") + pl.col("key")).alias("joined")),
                          on="key", how="inner")


def match_calls(calls: pl.DataFrame, incidents: pl.DataFrame, tolerance: float) -> pl.DataFrame:
    """`match_incidents` for every number at once: (incident, call) key pairs.

    calls and incidents: phone, at (UTC text), key. Numbers where the as-of join might
    differ from the greedy rule (a call picked twice, two calls in one second, a time
    this parse cannot read) go through match_incidents itself.
    """
    stamp = pl.col("at").str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False).alias("t")
    calls = calls.with_columns(stamp).filter(pl.col("phone").is_in(incidents["phone"].implode()))
    incidents = incidents.with_columns(stamp)
    unsure = pl.concat([calls.filter(pl.col("t").is_null())["phone"], incidents.filter(pl.col("t").is_null())["phone"],
                        calls.filter(pl.struct("phone", "t").is_duplicated())["phone"]])
    asof = incidents.drop_nulls("t").sort("t").join_asof(
        calls.drop_nulls("t").select("phone", "t", pl.col("t").alias("call_t"), pl.col("key").alias("call")).sort("t"),
        on="t", by="phone", strategy="backward", check_sortedness=False,
    ).filter(pl.col("call").is_not_null() & (pl.col("t") - pl.col("call_t") <= dt.timedelta(seconds=tolerance)))
    unsure = pl.concat([unsure, asof.filter(pl.col("call").is_duplicated())["phone"]]).unique()
    sure = asof.filter(~pl.col("phone").is_in(unsure.implode())).select(pl.col("key").alias("incident"), "call")
    return pl.concat([sure, _greedy(calls, incidents, unsure, tolerance)])


def _greedy(calls: pl.DataFrame, incidents: pl.DataFrame, phones: pl.Series, tolerance: float) -> pl.DataFrame:
    by_phone: dict[str, tuple[list, list]] = {p: ([], []) for p in phones.to_list()}
    for phone, at, key in calls.filter(pl.col("phone").is_in(phones.implode())).select("phone", "at", "key").iter_rows():
        by_phone[phone][0].append((at, key))
    for phone, at, key in incidents.filter(pl.col("phone").is_in(phones.implode())).select("phone", "at", "key").iter_rows():
        by_phone[phone][1].append((at, key))
    pairs = [pair for phone_calls, phone_incidents in by_phone.values()
             for pair in match_incidents(phone_calls, phone_incidents, tolerance).items()]
    return pl.DataFrame(pairs, schema={"incident": pl.String, "call": pl.String}, orient="row")


# ---------------------------------------------------------------- writing


def _write(frames: dict[str, pl.DataFrame], files: list[_File], batch_contacts: int, region: str,
           defer: bool) -> list:
    """Every contact once, with its source rows, in transactions of whole contacts."""
    from engage.contacts.ingest import ImportResult

    results = {f.source: ImportResult(run_id=f.run.pk, source=f.source, file_name=f.run.file_name) for f in files}
    runs = {f.source: (f.run.pk, f.run.file_name) for f in files}
    pg = store.is_postgres()
    groups = pl.concat([frame["group"] for frame in frames.values()]).unique()
    with transaction.atomic():
        cursor = connection.cursor()
        store.lock_for_import(cursor)
        if _deferring():  # the load rebuilds every deferrable index at its end (ingest._bulk_load)
            store.drop_deferrable_indexes(cursor, lookups=True)
            store.drop_source_foreign_keys(cursor)
            store.pause_autovacuum(cursor)
        first_id = store.reserve_contact_ids(cursor, len(groups))
    ids = pl.DataFrame({"group": groups, "contact_id": pl.int_range(
        first_id, first_id + len(groups), dtype=pl.Int64, eager=True)})
    del groups
    for source in list(frames):  # one at a time: memory
        frames[source] = frames[source].join(ids, on="group").drop("group").sort("contact_id")
    del ids
    starts = list(range(first_id, _top(frames) + 1, batch_contacts))
    writers = store.frame_writers()
    # Own-connection writers commit batches in threads (SQLite and the PostgreSQL server
    # work outside the GIL) while this one builds the next: the second core. PostgreSQL
    # has two, each COPYing every other batch. Receivers of contacts_imported are called
    # here, after each commit, so only deferred loads overlap.
    pool = ThreadPoolExecutor(len(writers)) if writers[0].own_connection and defer else None
    in_flight: deque = deque()
    try:
        for n, low in enumerate(starts):
            batch = {source: _id_range(frame, low, low + batch_contacts) for source, frame in frames.items()}
            tables = _batch_tables(batch, runs, region)
            counts = {source: rows.height for source, rows in batch.items()}
            if len(in_flight) == len(writers):
                in_flight.popleft().result()  # this batch's writer is free again
            previous = in_flight[-1] if in_flight else None
            commit = functools.partial(_commit_batch, writers[n % len(writers)], n == 0, tables, counts, files,
                                       results, previous)
            if pool is None:
                commit()
            else:
                in_flight.append(pool.submit(commit))
            _announce(batch, results, defer)
        while in_flight:
            in_flight.popleft().result()
        batch = tables = commit = None  # slices of the frames: they hold the frames' memory
        frames.clear()  # all written: the rows' memory back before the index builds
        if pool is not None and _deferring():
            _rebuild_indexes(pool, writers[0], pg)
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
        for writer in writers:
            writer.close()
    if not starts:  # no good rows at all: the quarantine and counters still go in
        with transaction.atomic():
            _write_file_outcomes(connection.cursor(), files, results)
            store.write_run_counters(connection.cursor(), results.values())
    return [results[f.source] for f in files]


def _rebuild_indexes(pool: ThreadPoolExecutor, writer: store.FrameWriter, pg: bool) -> None:
    """The indexes back now (ingest._bulk_load then finds them), using both connections at once.

    PostgreSQL: both connections take the next index from one queue (index builds on one
    table share their lock); the writer's first checks the foreign keys, added unchecked.
    SQLite, one writer at a time: the writer's connection copies the load from the WAL
    into the database file meanwhile.
    """
    with transaction.atomic():
        store.ensure_foreign_keys(connection.cursor(), check=not pg)  # PostgreSQL: validated beside the builds
        statements = store.missing_indexes(connection.cursor())
    if pg:  # both sessions take the next index from one queue; the writer's checks the foreign keys first
        queue = SimpleQueue()
        for sql in store.rebuild_order(statements):
            queue.put(sql)
        pending = pool.submit(writer.validate_then_build, queue)
        store.build_from_queue(connection.cursor(), queue)
        pending.result()
        with transaction.atomic():
            store.resume_autovacuum(connection.cursor())
        return
    pending = pool.submit(writer.checkpoint)
    with transaction.atomic():
        cursor = connection.cursor()
        for sql in statements:
            cursor.execute(sql)
    pending.result()


def _commit_batch(writer: store.FrameWriter, first: bool, tables: list, counts: dict[str, int], files: list[_File],
                  results: dict, previous: Future | None = None) -> None:
    """One transaction: the batch's contacts and source rows, the run counters (and, first, quarantine).

    The rows go in while the previous batch may still be going in on another writer; the
    counters and the commit wait for it, so batches commit in order: a run killed halfway
    leaves its first batches, and the counters written are those of the batches committed.
    """
    with writer.batch():
        for table, frame in tables:
            writer.write(table, frame)
        if previous is not None:
            previous.result()  # raises if that batch failed: this one then rolls back too
        if first:
            _write_file_outcomes(writer.cursor(), files, results)
        for source, count in counts.items():
            results[source].imported += count
        store.write_run_counters(writer.cursor(), results.values())


def _top(frames: dict[str, pl.DataFrame]) -> int:
    """The highest contact id (0 with no rows)."""
    return max((frame["contact_id"].max() or 0 for frame in frames.values() if frame.height), default=0)


def _id_range(frame: pl.DataFrame, low: int, high: int) -> pl.DataFrame:
    """The rows of contacts low <= id < high of a frame sorted by contact_id."""
    ids = frame["contact_id"]
    start, end = ids.search_sorted(low, side="left"), ids.search_sorted(high, side="left")
    return frame.slice(start, end - start)


def _write_file_outcomes(cursor, files: list[_File], results: dict) -> None:
    """Each file's quarantined rows and counters (rows read, skipped, duplicated within the file)."""
    from engage.contacts.ingest import _now_text

    now = _now_text()
    for f in files:
        p, r = f.parsed, results[f.source]
        store.upsert_quarantine(cursor, [(r.run_id, f.source, r.file_name, line, fld[:100], reason[:500], raw, now)
                                         for line, fld, reason, raw in p.bad])
        r.read, r.skipped, r.duplicate, r.quarantined = p.height, len(p.skipped), len(p.duplicates), len(p.bad)
        r.problems.extend((line, fld, reason) for line, fld, reason, _ in p.bad)


def _batch_tables(batch: dict[str, pl.DataFrame], runs: dict[str, tuple[int, str]],
                  region: str) -> list[tuple[str, pl.DataFrame]]:
    """A batch's rows as they go into the tables: its contacts (built once), then its source rows."""
    from engage.contacts.ingest import _now_text

    parts = pl.concat([rows.select("contact_id", pl.lit(source).alias("system"), pl.col("key").alias("source_key"),
                                   *DATA_FIELDS[source]) for source, rows in batch.items()], how="diagonal_relaxed")
    contacts = build_contacts(parts, region)
    del parts
    tables = [(store.CONTACT, contacts.select(
        pl.col("contact_id").alias("id"), *CONTACT_FIELDS, pl.lit(_now_text()).alias("imported_at")))]
    for source, rows in batch.items():
        # In key order: the unique (system, source key) index then grows in order, not at random pages.
        tables.append((store.SOURCE, rows.sort("key").select(
            "contact_id", pl.lit(source).alias("system"), pl.col("key").alias("source_key"),
            pl.lit(runs[source][1]).alias("file_name"), pl.col("line").alias("line_number"),
            pl.lit(runs[source][0], dtype=pl.Int64).alias("run_id"), "at", pl.col("phone").alias("phone_e164"),
            pl.col("link").str.slice(0, 128).alias("link_key"),
            pl.struct(DATA_FIELDS[source]).struct.json_encode().alias("data"))))
    return tables


def _announce(batch: pl.DataFrame, results: dict, defer: bool) -> None:
    """Each file's contacts in this batch: in its result, and (unless deferred) to contacts_imported."""
    for source, rows in batch.items():
        ids = rows["contact_id"].unique().sort().to_list()
        if not ids:
            continue
        results[source].contact_ids.extend(ids)
        if defer:
            continue
        for receiver, response in contacts_imported.send_robust(sender=None, contact_ids=ids, source=source):
            if isinstance(response, Exception):
                log.error("contacts_imported receiver %s failed: %s", receiver, response)

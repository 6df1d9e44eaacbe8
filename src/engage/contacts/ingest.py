"""Contact ingestion: files (`engage import`) and the live feed (`ingest_rows`).

Rows are parsed and validated either column-wise (vector.py: canonical UTF-8 files) or
row by row (formats.PARSERS: the live feed, column maps, anything else), then written a
batch at a time, each batch in one transaction together with its quarantined rows and
the run's counters. So a run killed at any moment leaves whole batches only, and running
it again completes it: rows already in are recognised by SourceRecord (system,
source_key) and counted as duplicates. Joins (docs/formats.md) are computed in the same
transaction; a batch is a Polars frame and its contacts are built set-wise.
"""
from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from engage import config
from engage.contacts import plan, store, vector
from engage.contacts.colmap import ColumnMap, load_map
from engage.contacts.formats import (
    ALL_DATA_FIELDS, COLUMNS, DATA_FIELDS, FLAG_FIELDS, NUMBER_FIELDS, PARSERS, SOURCES, BadRow, Record, SkipRow,
    TimeParser,
)
from engage.contacts.joining import (
    CONTACT_FIELDS, WITHHELD_LINES, build_contact, build_contacts, match_incidents, match_withheld, naive_utc, no_cli,
)
from engage.contacts.models import Contact, ImportRun
from engage.contacts.signals import contacts_imported

log = logging.getLogger(__name__)
csv.field_size_limit(10_000_000)


class IngestError(Exception):
    """A file that cannot be imported at all (missing columns, empty, unreadable)."""


@dataclass
class ImportResult:
    run_id: int
    source: str = ""
    file_name: str = ""
    read: int = 0
    imported: int = 0
    duplicate: int = 0
    quarantined: int = 0
    skipped: int = 0
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (line, field, reason)
    contact_ids: list[int] = field(default_factory=list)  # contacts created or changed
    status: str = "completed"
    seconds: float = 0.0
    one_load: bool = False  # read in one plan with the run's other files: `seconds` is that whole load's


def _settings() -> dict:
    ingest = config.section("ingest")
    force = config.section("force")
    return {
        "tolerance": float(ingest.get("cc_call_tolerance_seconds", 900)),
        # A no-number incident joins the one answered no-CLI call on its line (docs/formats.md).
        "join_withheld": bool(ingest.get("join_withheld_calls", True)),
        "batch_size": int(ingest.get("batch_size", 5000)),
        # The bulk path's batches: one transaction each; a killed run keeps whole batches.
        "bulk_batch_size": int(ingest.get("bulk_batch_size", 100_000)),
        "defer_indexes_rows": int(ingest.get("defer_indexes_rows", 100_000)),
        # Several files into an empty store: one set-wise pass (plan.py) instead of file by file.
        "plan": bool(ingest.get("plan", True)),
        "timezone": force.get("timezone", "Europe/London"),
        "region": force.get("phone_region", "GB"),
    }


# ---------------------------------------------------------------- public entry points


def ingest_rows(
    source: str, rows: list[dict], *, file_name: str = "api", defer: bool = False, column_map: ColumnMap | None = None
) -> ImportResult:
    """Import rows given as dicts (canonical column names, or a map's headers).

    The live feed's path: same validation, quarantine and idempotency as a file.
    Line numbers in problems are 1-based positions in `rows`.
    """
    _check_source(source)
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()
    items = ((i, _as_text(row), None) for i, row in enumerate(rows, start=1))
    return _run(source, file_name, digest, column_map, defer, lambda importer: importer.consume(items))


def ingest_files(
    files: list[tuple[str | Path, str]],
    column_map: ColumnMap | str | Path | None = None,
    defer: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[ImportResult]:
    """Import several (path, source) files in one go: one bulk load (see _bulk_load) for all."""
    for path, source in files:
        _check_source(source)
        if not Path(path).is_file():
            raise IngestError(f"{path}: no such file")
    paths = [(Path(path), source) for path, source in files]
    with _bulk_load(sum(path.stat().st_size for path, _ in paths)):
        if plan.applies(paths, column_map, _settings()["plan"]):
            results = plan.load(paths, defer, progress)  # None: a file needs the per-row path
            if results is not None:
                return results
        return [
            ingest_file(path, source, column_map, defer,
                        (lambda done, total, p=str(path): progress(p, done, total)) if progress else None)
            for path, source in files
        ]


def ingest_file(
    path: str | Path,
    source: str,
    column_map: ColumnMap | str | Path | None = None,
    defer: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import one CSV file. Raises IngestError (one clear line) if it cannot be read at all."""
    _check_source(source)
    path = Path(path)
    if isinstance(column_map, (str, Path)):
        column_map = load_map(column_map, source)
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    with _bulk_load(path.stat().st_size):
        return _ingest_file(path, source, column_map, defer, progress)


def _ingest_file(
    path: Path, source: str, column_map: ColumnMap | None, defer: bool, progress: Callable[[int, int], None] | None
) -> ImportResult:
    digest, encoding = _scan(path, column_map.encoding if column_map else None)
    items = _read_csv(path, source, column_map, encoding, progress)
    first = next(items)  # reads and checks the header before a run is recorded
    raw = None if column_map else _read_columns(path, first[1], encoding)
    if raw is None:
        feed = lambda importer: importer.consume(itertools.chain([first], items))  # noqa: E731
    else:
        items.close()
        held = [raw]  # handed over, so the importer can let go of the raw text once it is parsed
        raw = None
        feed = lambda importer: importer.consume_columns(held.pop(), progress, path.stat().st_size)  # noqa: E731
    return _run(source, str(path.resolve()), digest, column_map, defer, feed, bulk=True)


def _read_columns(path: Path, header: dict, encoding: str) -> pl.DataFrame | None:
    """A canonical file's columns for the bulk path (vector.py), or None for the per-row path."""
    raw = vector.read_file(path, header["width"], encoding, ",")
    if raw is None:
        return None
    return raw.select("_line", *(pl.col(f"c{i}").alias(name) for name, i in zip(header["names"], header["positions"])))


_BYTES_PER_ROW = 100  # about right for the canonical formats; only used to size a load
_deferring = False


@contextlib.contextmanager
def _bulk_load(size: int) -> Iterator[None]:
    """A big load (by file size) drops the indexes the importer does not use and rebuilds them at the end.

    Building an index once is cheaper than keeping it current row by row, when the load
    is large against what is stored (at least 100,000 rows and a quarter of the contacts).
    While it runs, other readers of contacts are slower, not wrong. A killed load leaves
    them missing until the next import run (file or live feed) rebuilds them (_run).
    """
    global _deferring
    rows = size // _BYTES_PER_ROW
    if _deferring or rows < _settings()["defer_indexes_rows"] or rows < Contact.objects.count() // 4:
        yield
        return
    _deferring = True
    try:
        with transaction.atomic():
            store.drop_deferrable_indexes(connection.cursor())
        store.defer_checkpoints(connection.cursor(), True)
        yield
    finally:
        _deferring = False
        with transaction.atomic():
            store.ensure_indexes(connection.cursor())
        store.defer_checkpoints(connection.cursor(), False)


def _as_text(row: dict) -> dict:
    # Importers validate text, as a CSV file would carry it.
    return {str(k): "" if v is None else v if isinstance(v, str) else str(v) for k, v in row.items()}


def _check_source(source: str) -> None:
    if source not in SOURCES:
        raise IngestError(f"unknown source {source!r}: expected one of {', '.join(SOURCES)}")


# ---------------------------------------------------------------- reading files


def _scan(path: Path, encoding: str | None) -> tuple[str, str]:
    """One pass: the file's SHA-256 and its encoding (UTF-8 with/without BOM, else cp1252)."""
    sha = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = encoding is None
    first = b""
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            sha.update(chunk)
            if not first:
                first = chunk[:3]
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    if not first:
        raise IngestError(f"{path}: empty file (no header row)")
    if encoding:
        return sha.hexdigest(), encoding
    return sha.hexdigest(), ("utf-8-sig" if utf8 else "cp1252")


def _read_csv(
    path: Path, source: str, cmap: ColumnMap | None, encoding: str, progress: Callable[[int, int], None] | None
) -> Iterator[tuple[int, dict | None, str | None]]:
    """Yield (line, row, error) per data row; the first item is yielded after the header check."""
    size = path.stat().st_size
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
        reader = csv.reader(text, delimiter=cmap.delimiter if cmap else ",")
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise IngestError(f"{path}: unreadable header row: {exc}") from None
        if not header or not any(h.strip() for h in header):
            raise IngestError(f"{path}: empty file (no header row)")
        names, positions = _header_positions(path, source, cmap, header)
        width = len(header)
        yield (0, {"names": names, "positions": positions, "width": width}, None)  # header accepted
        last = reader.line_num
        for n in itertools.count():
            try:
                values = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                yield (last + 1, None, f"unreadable CSV: {exc}")
                last = reader.line_num
                continue
            line, last = last + 1, reader.line_num
            if not values:
                continue  # blank line
            if progress and n % 5000 == 0:
                progress(raw.tell(), size)
            if len(values) != width:
                what = "truncated" if len(values) < width else "too many fields"
                yield (line, {"_raw": values}, f"{what}: {len(values)} fields, header has {width}")
                continue
            yield (line, {name: values[i] for name, i in zip(names, positions)}, None)
        if progress:
            progress(size, size)


def _header_positions(path: Path, source: str, cmap: ColumnMap | None, header: list[str]):
    index = {h.strip().lstrip("\ufeff").strip().lower(): i for i, h in enumerate(header)}
    wanted = cmap.required_headers() if cmap else COLUMNS[source]
    missing = [name for name in wanted if name.strip().lower() not in index]
    if missing:
        hint = "" if cmap else f" (not a canonical {source} file? give its column map with --map)"
        raise IngestError(f"{path}: missing columns: {', '.join(missing)}{hint}")
    return wanted, [index[name.strip().lower()] for name in wanted]


# ---------------------------------------------------------------- the run


def _run(
    source, file_name: str, digest: str, cmap: ColumnMap | None, defer: bool, feed: Callable[[_Importer], None],
    bulk: bool = False,
) -> ImportResult:
    started = time.perf_counter()
    if not _deferring:
        with transaction.atomic():
            store.ensure_indexes(connection.cursor())  # after a killed bulk load
    now = timezone.now()
    ImportRun.objects.filter(file_hash=digest, source=source, status=ImportRun.Status.RUNNING).update(
        status=ImportRun.Status.FAILED, message="interrupted; a later run of the same file completes it", ended_at=now
    )
    run = ImportRun.objects.create(
        source=source, file_name=file_name[:500], file_hash=digest, column_map=(cmap.name if cmap else "")[:500],
        started_at=now,
    )
    importer = _Importer(source, run, file_name, cmap, defer)
    importer.bulk = bulk
    try:
        feed(importer)
    except BaseException as exc:
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.Status.FAILED, ended_at=timezone.now(), message=str(exc)[:2000] or type(exc).__name__
        )
        raise
    result = importer.result
    result.seconds = time.perf_counter() - started
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.COMPLETED, ended_at=timezone.now(), message=importer.message
    )
    return result


class _Importer:
    def __init__(self, source: str, run: ImportRun, file_name: str, cmap: ColumnMap | None, defer: bool):
        s = _settings()
        self.source, self.run, self.file_name, self.cmap, self.defer = source, run, file_name, cmap, defer
        self.tolerance, self.batch_size, self.region = s["tolerance"], s["batch_size"], s["region"]
        self.bulk_batch_size = s["bulk_batch_size"]
        self.join_withheld = s["join_withheld"]
        self.parse_time = TimeParser(cmap.timezone if cmap else s["timezone"], cmap.date_formats if cmap else None)
        self.parse_row = PARSERS[source]
        self.result = ImportResult(run_id=run.pk, source=source, file_name=file_name)
        self.seen: set[str] = set()  # keys met in this run: a second one is a duplicate
        self.message = ""
        self.tuned = False
        self.bulk = False  # a file import: refresh planner statistics as tables grow (not per live push)
        self.batches = 0

    def consume(self, items: Iterable) -> None:
        records: list[Record] = []
        bad: list[tuple[int, str, str, str]] = []
        pending_counts = [0, 0, 0]  # read, skipped, in-run duplicates since the last flush
        for line, row, error in items:
            if line == 0:
                continue
            pending_counts[0] += 1
            if error is not None:
                bad.append((line, "", error, _raw(row)))
            else:
                try:
                    canonical = self.cmap.transform(row) if self.cmap else row
                    record = self.parse_row(canonical, line, self.parse_time, self.region)
                except SkipRow:
                    pending_counts[1] += 1
                    continue
                except BadRow as exc:
                    bad.append((line, exc.field, exc.reason, _raw(row)))
                    continue
                if record.key in self.seen:
                    pending_counts[2] += 1
                    continue
                self.seen.add(record.key)
                records.append(record)
            if len(records) + len(bad) >= self.batch_size:
                self._flush(records, bad, pending_counts)
                records, bad, pending_counts = [], [], [0, 0, 0]
        self._flush(records, bad, pending_counts)

    def consume_columns(self, raw: pl.DataFrame, progress: Callable[[int, int], None] | None, size: int) -> None:
        """The bulk path: a whole canonical file checked column-wise (vector.py), committed in big batches."""
        parsed = parse_columns(raw, self.source, self.parse_time, self.region)
        del raw  # the raw text columns: the parsed ones are all that is needed from here
        good, bad, skipped, duplicates, height = (
            parsed.good, parsed.bad, parsed.skipped, parsed.duplicates, parsed.height)
        step = self.bulk_batch_size
        for start in range(2, height + 2, step):  # data rows are lines 2.. (vector.read_file)
            end = start + step
            in_batch = lambda lines: sum(1 for line in lines if start <= line < end)  # noqa: E731
            self.commit_batch(
                good.filter(pl.col("line").is_between(start, end, closed="left")),
                [b for b in bad if start <= b[0] < end],
                [min(end, height + 2) - start, in_batch(skipped), in_batch(duplicates)],
            )
            if progress:
                progress(size * (min(end, height + 2) - 2) // max(height, 1), size)

    def _flush(self, records: list[Record], bad: list, counts: list[int]) -> None:
        self.commit_batch(records, bad, counts)

    def commit_batch(self, batch: pl.DataFrame | list[Record], bad: list, counts: list[int]) -> None:
        """One transaction: the batch's new source rows and contacts, its quarantined rows, the run's counters.

        counts: rows read, skipped and duplicated within the run since the last batch.
        """
        if not len(batch) and not bad and not any(counts):
            return
        r = self.result
        with transaction.atomic():
            cursor = connection.cursor()
            if not self.tuned:
                store.tune_for_import(cursor)
                self.tuned = True
            # Fresh planner statistics as the tables grow: every 25 small batches, every big one.
            if self.bulk and (self.batches % 25 == 0 or not isinstance(batch, list)):
                store.refresh_statistics(cursor)
            self.batches += 1
            store.lock_for_import(cursor)
            new_ids, changed_ids, duplicates = _commit(cursor, self.source, batch, self, self.run.pk)
            now = _now_text()
            store.upsert_quarantine(
                cursor,
                [(self.run.pk, self.source, self.file_name[:500], line, fld[:100], reason[:500], raw, now)
                 for line, fld, reason, raw in bad],
            )
            r.read += counts[0]
            r.skipped += counts[1]
            r.duplicate += counts[2] + duplicates
            r.quarantined += len(bad)
            r.imported += len(batch) - duplicates
            store.write_run_counters(cursor, [r])
        r.problems.extend((line, fld, reason) for line, fld, reason, _ in bad)
        ids = new_ids + changed_ids
        r.contact_ids.extend(ids)
        if ids and not self.defer:
            for receiver, response in contacts_imported.send_robust(sender=None, contact_ids=ids, source=self.source):
                if isinstance(response, Exception):
                    log.error("contacts_imported receiver %s failed: %s", receiver, response)
                    self.message = f"a receiver of contacts_imported failed: {response}"[:2000]


@dataclass
class ParsedFile:
    """A canonical file after the column-wise checks: what each path then writes."""

    good: pl.DataFrame  # batch_schema rows, first of each key, in line order
    bad: list[tuple[int, str, str, str]]  # (line, field, reason, raw) sorted by line
    skipped: list[int]  # lines of rows that are not contacts
    duplicates: list[int]  # lines repeating a key met earlier in the file
    height: int  # data rows read


def parse_columns(raw: pl.DataFrame, source: str, parse_time: TimeParser, region: str) -> ParsedFile:
    """Check a canonical file column-wise; rejected rows go through the per-row parser (same messages)."""
    parsed = vector.parse(raw, source, vector.Times(parse_time), region)
    records: list[Record] = []
    bad: list[tuple[int, str, str, str]] = []
    skipped = parsed.skipped.to_list()
    for line, record, error, row in vector.parse_rows(parsed.fallback, source, parse_time, region):
        if record is not None:
            records.append(record)
        elif error is not None:
            bad.append((line, error.field, error.reason, _raw(row)))
        else:
            skipped.append(line)
    good = pl.concat([parsed.good, records_frame(source, records)]).sort("line")
    first = good["key"].is_first_distinct()  # in file order: a key's second row is a duplicate
    duplicates = good.filter(~first)["line"].to_list()
    bad.sort()
    return ParsedFile(good.filter(first), bad, skipped, duplicates, raw.height)


def _now_text() -> str:
    return store.db_time(str(timezone.now().replace(tzinfo=None)))


def _raw(row) -> str:
    if row is None:
        return ""
    values = row["_raw"] if "_raw" in row else list(row.values())
    out = io.StringIO()
    csv.writer(out).writerow(["" if v is None else v for v in values])
    return out.getvalue().rstrip("\r\n")[:2000]


# ---------------------------------------------------------------- one batch, one transaction


def batch_schema(source: str) -> dict[str, pl.DataType]:
    """Columns of a batch of parsed rows: the Record fields, then the source's data fields."""
    schema: dict[str, pl.DataType] = {
        "line": pl.Int64, "key": pl.String, "at": pl.String, "phone": pl.String, "link": pl.String,
        "matchable": pl.Boolean,
    }
    for name in DATA_FIELDS[source]:
        schema[name] = pl.Float64 if name in NUMBER_FIELDS else pl.Boolean if name in FLAG_FIELDS else pl.String
    return schema


def records_frame(source: str, records: list[Record]) -> pl.DataFrame:
    """Parsed rows (the per-row parsers' Records) as a batch frame."""
    columns: dict[str, list] = {
        "line": [r.line for r in records], "key": [r.key for r in records], "at": [r.at for r in records],
        "phone": [r.phone for r in records], "link": [r.link for r in records],
        "matchable": [r.matchable for r in records],
    }
    for name in DATA_FIELDS[source]:
        columns[name] = [r.data.get(name) for r in records]
    return pl.DataFrame(columns, schema=batch_schema(source))


class _Slots:
    """Where each row goes: an existing contact ("c", id) or a new one ("n", token)."""

    def __init__(self):
        self.tokens = itertools.count()

    def new(self) -> tuple[str, int]:
        return ("n", next(self.tokens))


@dataclass
class _Rows:
    """A batch's columns as lists, for the placement rules."""

    keys: list[str]
    links: list[str]
    ats: list[str]
    phones: list[str]
    matchable: list[bool]


def _commit(cursor, source: str, batch: pl.DataFrame | list[Record], imp: _Importer, run_id: int):
    """Write one batch; returns (new contact ids, changed contact ids, duplicates vs the database).

    A batch is a frame (bulk path) or a list of Records (per-row path: the live feed's few
    rows, where a frame's fixed cost would dominate). Placement is the same code for both.
    """
    records = batch if isinstance(batch, list) else None
    if not len(batch):
        return [], [], 0
    pg = store.is_postgres()
    keys = [r.key for r in records] if records is not None else batch["key"].to_list()
    existing = {k for (k,) in store.select_in(
        cursor, f"SELECT source_key FROM {store.SOURCE} WHERE system = %s AND source_key {{in}}", keys, [source])}
    if existing:
        if records is not None:
            batch = records = [r for r in records if r.key not in existing]
        else:
            batch = batch.filter(~pl.col("key").is_in(list(existing)))
        if not len(batch):
            return [], [], len(existing)
    if records is not None:
        rows = _Rows([r.key for r in records], [r.link for r in records], [r.at for r in records],
                     [r.phone for r in records], [r.matchable for r in records])
    else:
        cols = batch.select("key", "link", "at", "phone", "matchable").to_dict(as_series=False)
        rows = _Rows(cols["key"], cols["link"], cols["at"], cols["phone"], cols["matchable"])
    slots = _Slots()
    slot_of: dict[str, tuple[str, int]] = {}
    moves: list[tuple[int, tuple[str, int], int]] = []  # (source record id, target slot, from contact)
    if source in ("calls", "acd"):
        _place_by_call_id(cursor, rows, slot_of, slots)
    elif source == "digital":
        _place_digital(cursor, rows, slot_of, slots)
    else:
        _place_digital_incidents(cursor, rows, slot_of, slots)
    if source in ("calls", "cc"):
        _match_by_number(cursor, source, rows, slot_of, slots, moves, imp.tolerance)
    if imp.join_withheld:
        _match_withheld(cursor, source, _withheld_rows(source, batch, imp.region), slot_of, slots, moves, imp)
    for key in rows.keys:
        if key not in slot_of:
            slot_of[key] = slots.new()

    # Contact ids for new slots.
    new_tokens = sorted({s for s in slot_of.values() if s[0] == "n"} | {t for _, t, _ in moves if t[0] == "n"})
    token_id = dict(zip(new_tokens, store.allocate_contact_ids(cursor, len(new_tokens))))
    contact_of = lambda slot: token_id[slot] if slot[0] == "n" else slot[1]  # noqa: E731
    cids = [token_id[slot] if slot[0] == "n" else slot[1] for slot in map(slot_of.__getitem__, rows.keys)]

    if records is not None:
        store.insert_rows(cursor, store.SOURCE, store.SR_COLUMNS, [
            (cid, source, r.key, imp.file_name[:500], r.line, run_id, store.db_time(r.at, pg), r.phone, r.link[:128],
             json.dumps(r.data, separators=(",", ":")))
            for cid, r in zip(cids, records)
        ])
    else:
        batch = batch.with_columns(pl.Series("contact_id", cids, dtype=pl.Int64))
        _insert_source_rows(cursor, source, batch, imp.file_name, run_id, pg)
    store.move_source_records(cursor, [(contact_of(t), sr_id) for sr_id, t, _ in moves])

    # Rebuild every contact the batch touched; new ones without moved-in rows from the batch alone.
    existing_touched = {s[1] for s in slot_of.values() if s[0] == "c"} | {c for _, _, c in moves}
    existing_touched |= {t[1] for _, t, _ in moves if t[0] == "c"}
    from_db = existing_touched | {token_id[t] for _, t, _ in moves if t[0] == "n"}
    new_ids = sorted(token_id.values())
    if records is not None:
        fresh = [(cid, r) for cid, r in zip(cids, records) if cid not in from_db]
        changed = _write_contacts_small(cursor, source, from_db, fresh, new_ids, existing_touched, imp.region, pg)
    else:
        changed = _write_contacts(cursor, source, batch, from_db, new_ids, existing_touched, imp.region, pg)
    emptied = sorted(existing_touched - set(changed))
    if emptied:
        Contact.objects.filter(id__in=emptied).delete()
    return new_ids, changed, len(existing)


def _stored_parts(cursor, contact_ids: set[int]) -> list[tuple]:
    """(contact_id, system, source_key, data JSON) of the stored source rows of these contacts."""
    return store.select_in(
        cursor, f"SELECT contact_id, system, source_key, data FROM {store.SOURCE} WHERE contact_id {{in}}", contact_ids)


def _write_contacts(cursor, source, batch, from_db, new_ids, touched, region, pg) -> list[int]:
    """Build (build_contacts) and write the batch's contacts set-wise; returns the existing ones changed."""
    fresh = batch.filter(~pl.col("contact_id").is_in(list(from_db))).select(
        "contact_id", pl.lit(source).alias("system"), pl.col("key").alias("source_key"), *DATA_FIELDS[source])
    stored = _decoded(_stored_parts(cursor, from_db))  # the fetched tuples are freed here: memory
    contacts = build_contacts(pl.concat([stored, fresh], how="diagonal_relaxed"), region)
    del stored, fresh
    if pg:
        contacts = contacts.with_columns(pl.col(f) + "+00:00" for f in ("arrived_at", "answered_at", "ended_at"))
    present = set(contacts["contact_id"].to_list())
    changed = sorted(c for c in touched if c in present)
    fields = CONTACT_FIELDS
    new = contacts.filter(pl.col("contact_id").is_in(new_ids)).sort("contact_id")
    store.insert_rows(cursor, store.CONTACT, ["id", *fields, "imported_at"],
                      _rows(new.with_columns(pl.lit(_now_text()).alias("imported_at"))))
    if changed:
        store.update_contacts(cursor, fields, _rows(contacts.filter(pl.col("contact_id").is_in(changed))
                                                    .select(*fields, "contact_id")))
    return changed


def _write_contacts_small(cursor, source, from_db, fresh, new_ids, touched, region, pg) -> list[int]:
    """The same for a few rows, in plain Python (joining.build_contact)."""
    parts: dict[int, list] = defaultdict(list)
    for cid, system, key, data in _stored_parts(cursor, from_db):
        parts[cid].append((system, key, json.loads(data) if data else {}))
    for cid, r in fresh:
        parts[cid].append((source, r.key, r.data))
    changed = sorted(c for c in touched if parts.get(c))
    times = ("arrived_at", "answered_at", "ended_at")

    def values(cid: int) -> list:
        contact = build_contact(parts[cid], region)
        if pg:
            for name in times:
                contact[name] = store.db_time(contact[name], pg)
        return [contact[f] for f in CONTACT_FIELDS]

    now = _now_text()
    store.insert_rows(cursor, store.CONTACT, ["id", *CONTACT_FIELDS, "imported_at"],
                      [(cid, *values(cid), now) for cid in new_ids])
    if changed:
        store.update_contacts(cursor, CONTACT_FIELDS, [(*values(cid), cid) for cid in changed])
    return changed


def _rows(frame: pl.DataFrame) -> Iterator[tuple]:
    """A frame's rows as tuples, a slice at a time (a whole batch as Python objects is big)."""
    return itertools.chain.from_iterable(part.rows() for part in frame.iter_slices(10_000))


def _insert_source_rows(cursor, source: str, batch: pl.DataFrame, file_name: str, run_id: int, pg: bool) -> None:
    at = pl.col("at") + "+00:00" if pg else pl.col("at")
    rows = batch.select(
        "contact_id", pl.lit(source).alias("system"), "key", pl.lit(file_name[:500]).alias("file_name"), "line",
        pl.lit(run_id).alias("run_id"), at.alias("at"), "phone", pl.col("link").str.slice(0, 128),
        pl.struct(DATA_FIELDS[source]).struct.json_encode().alias("data"),
    )
    rows = _rows(rows)
    store.insert_rows(cursor, store.SOURCE, store.SR_COLUMNS, rows)


_DATA_SCHEMA = pl.Struct({
    name: pl.Float64 if name in NUMBER_FIELDS else pl.Boolean if name in FLAG_FIELDS else pl.String
    for name in ALL_DATA_FIELDS
})


def _decoded(stored: list[tuple]) -> pl.DataFrame:
    """Stored source rows (contact_id, system, source_key, data JSON) with their data as columns."""
    frame = pl.DataFrame(stored, schema={"contact_id": pl.Int64, "system": pl.String, "source_key": pl.String,
                                         "data": pl.String}, orient="row")
    data = frame["data"].replace("", None).str.json_decode(_DATA_SCHEMA).struct.unnest()
    return pl.concat([frame.drop("data"), data], how="horizontal")


def _place_by_call_id(cursor, rows: _Rows, slot_of, slots) -> None:
    # calls and ACD rows with the same call_id are one contact, whichever came first.
    found = dict(store.select_in(
        cursor, f"SELECT link_key, contact_id FROM {store.SOURCE} WHERE system IN ('calls', 'acd') AND link_key {{in}}",
        set(rows.links)))
    by_link: dict[str, tuple[str, int]] = {}
    for key, link in zip(rows.keys, rows.links):
        cid = found.get(link)
        if cid is not None:
            slot_of[key] = ("c", cid)
        else:
            slot = by_link.get(link)
            slot_of[key] = slot if slot is not None else by_link.setdefault(link, slots.new())


def _place_digital(cursor, rows: _Rows, slot_of, slots) -> None:
    # A digital contact joins the C&C incident its reference names, if that incident's
    # contact has no digital contact yet (the first to arrive joins; docs/formats.md).
    refs = {link for link in rows.links if link}
    found = dict(store.select_in(
        cursor, f"SELECT link_key, contact_id FROM {store.SOURCE} WHERE system = 'cc' AND link_key {{in}}", refs))
    if not found:
        return
    taken = {c for (c,) in store.select_in(
        cursor, f"SELECT contact_id FROM {store.SOURCE} WHERE system = 'digital' AND contact_id {{in}}",
        set(found.values()))}
    for at, key, link in sorted(zip(rows.ats, rows.keys, rows.links)):
        cid = found.get(link) if link else None
        if cid is not None and cid not in taken:
            taken.add(cid)
            slot_of[key] = ("c", cid)


def _place_digital_incidents(cursor, rows: _Rows, slot_of, slots) -> None:
    # A digital C&C incident joins the earliest digital contact giving its number as reference.
    links = {link for link in rows.links if link}
    found = store.select_in(
        cursor, f"SELECT link_key, contact_id, at, source_key FROM {store.SOURCE} WHERE system = 'digital' AND link_key {{in}}",
        links)
    if not found:
        return
    taken = {c for (c,) in store.select_in(
        cursor, f"SELECT contact_id FROM {store.SOURCE} WHERE system = 'cc' AND contact_id {{in}}", {r[1] for r in found})}
    best: dict[str, int] = {}
    for link, cid, _at, _key in sorted(found, key=lambda x: (str(x[2]), x[3])):
        if cid not in taken and link not in best:
            best[link] = cid
    for key, link in zip(rows.keys, rows.links):
        if link and link in best:
            slot_of[key] = ("c", best[link])


def _match_by_number(cursor, source: str, rows: _Rows, slot_of, slots, moves, tolerance) -> None:
    """Re-derive the incident-to-call join for every number in the batch that has incidents (see joining.py)."""
    phones = {phone for phone, ok in zip(rows.phones, rows.matchable) if ok}
    if not phones:
        return
    at = "at" if store.is_postgres() else "CAST(at AS TEXT)"  # text, not parsed: naive_utc reads either
    db_incs = store.select_in(
        cursor, f"SELECT id, contact_id, source_key, {at}, phone_e164 FROM {store.SOURCE} "
        "WHERE system = 'cc' AND link_key = '' AND phone_e164 {in}", phones)
    # A number without incidents has nothing to join: its calls keep the contacts they have.
    phones = {row[4] for row in db_incs} | (phones if source == "cc" else set())
    if not phones:
        return
    db_calls = store.select_in(
        cursor, f"SELECT id, contact_id, source_key, {at}, phone_e164 FROM {store.SOURCE} "
        "WHERE system = 'calls' AND phone_e164 {in}", phones)
    call_contacts = {row[1] for row in db_calls}
    calls: dict[str, list] = defaultdict(list)
    incidents: dict[str, list] = defaultdict(list)
    call_slot: dict[str, tuple[str, int]] = {}
    inc_db: dict[str, tuple[int, int]] = {}
    for sr_id, cid, key, at, phone in db_calls:
        calls[phone].append((at, key))
        call_slot[key] = ("c", cid)
    for sr_id, cid, key, at, phone in db_incs:
        incidents[phone].append((at, key))
        inc_db[key] = (sr_id, cid)
    for key, at, phone, ok in zip(rows.keys, rows.ats, rows.phones, rows.matchable):
        if not ok or phone not in phones:
            continue
        if source == "calls":
            calls[phone].append((at, key))
            call_slot[key] = slot_of[key]
        else:
            incidents[phone].append((at, key))
    for phone in phones:
        matched = match_incidents(calls.get(phone, []), incidents.get(phone, []), tolerance)
        for _at, key in incidents.get(phone, []):
            target = call_slot.get(matched[key]) if key in matched else None
            _place_incident(key, target, inc_db, call_contacts, slot_of, slots, moves)


def _place_incident(key: str, target, inc_db: dict, call_contacts: set, slot_of, slots, moves) -> None:
    """An incident to the contact of the call it joins (target; None: a contact of its own).

    A new incident is placed; a stored one moves only if its join changed. Both joins
    (by number, and the no-CLI one) place their incidents so.
    """
    if key not in inc_db:
        slot_of[key] = target if target is not None else slots.new()
        return
    sr_id, current = inc_db[key]
    if target is None and current in call_contacts:
        moves.append((sr_id, slots.new(), current))  # left its call: a contact of its own again
    elif target is not None and target != ("c", current):
        moves.append((sr_id, target, current))


# ---------------------------------------------------------------- the no-CLI join (joining.match_withheld)


def _withheld_rows(source: str, batch: pl.DataFrame | list[Record], region: str) -> list[tuple[str, str, str, bool]]:
    """The batch's rows that take part in the no-CLI join: (key, at, link or line, answered).

    calls: no-CLI calls on a 999/101 line (link: their line); cc: incidents with no usable
    number on such a line; acd: every row (link: its call_id; answered: not abandoned).
    """
    if source == "digital" or not len(batch):
        return []
    if isinstance(batch, list):
        cols = [(r.key, r.at, r.phone, r.link, r.data.get("channel"), r.data.get("phone_raw"), r.data.get("abandoned"))
                for r in batch]
    else:  # a source without a field (acd: phone_raw; calls, cc: abandoned) gives None, as Record.data does
        names = ("key", "at", "phone", "link", "channel", "phone_raw", "abandoned")
        cols = batch.select(*(pl.col(n) if n in batch.columns else pl.lit(None).alias(n) for n in names)).rows()
    if source == "acd":
        return [(key, at, link, abandoned is False) for key, at, _p, link, _c, _r, abandoned in cols]
    if source == "calls":
        return [(key, at, channel, True) for key, at, phone, _l, channel, raw, _a in cols
                if not phone and channel in WITHHELD_LINES and no_cli(raw, region)]
    return [(key, at, channel, True) for key, at, phone, link, channel, _r, _a in cols
            if not phone and not link and channel in WITHHELD_LINES]


def _match_withheld(cursor, source: str, wrows: list, slot_of, slots, moves, imp: _Importer) -> None:
    """Re-derive the no-CLI join of every incident the batch can affect (see joining.match_withheld).

    A row at time t (a no-CLI call, its ACD row, a no-number incident) changes the joins of
    incidents created within [t - tol, t + 2 tol] on its line; deciding those needs the rows
    within [t - 3 tol, t + 3 tol]. So the result is the pure function of all rows whatever
    the order and batches, as the number join is.
    """
    pg = store.is_postgres()
    at = "at" if pg else "CAST(at AS TEXT)"
    times = [naive_utc(t) for _k, t, _l, _a in wrows]
    if source == "acd":  # an ACD row matters through its call-log row's time
        links = {link for _k, _t, link, _a in wrows}
        stored_calls = store.select_in(cursor, f"SELECT link_key, {at} FROM {store.SOURCE} "
                                       "WHERE system = 'calls' AND phone_e164 = '' AND link_key {in}", links)
        times = [naive_utc(t) for _link, t in stored_calls]
    if not times:
        return
    tol = dt.timedelta(seconds=imp.tolerance)
    low, high = min(times), max(times)
    cursor.execute(
        f"SELECT id, contact_id, system, source_key, {at}, link_key, data FROM {store.SOURCE} "
        "WHERE phone_e164 = '' AND at >= %s AND at <= %s AND system IN ('calls', 'cc')",
        [store.db_time(str(low - 3 * tol), pg), store.db_time(str(high + 3 * tol), pg)])
    calls, incidents, call_slot, inc_db = [], [], {}, {}
    for sr_id, cid, system, key, t, link, data in cursor.fetchall():
        data = json.loads(data) if data else {}
        line = data.get("channel")
        if line not in WITHHELD_LINES:
            continue
        if system == "calls" and no_cli(data.get("phone_raw"), imp.region):
            calls.append((line, t, key, link))
            call_slot[key] = ("c", cid)
        elif system == "cc" and not link:
            incidents.append((line, t, key))
            inc_db[key] = (sr_id, cid)
    for key, t, line, _a in wrows if source in ("calls", "cc") else ():
        if source == "calls":
            calls.append((line, t, key, key))
            call_slot[key] = slot_of[key]
        else:
            incidents.append((line, t, key))
    answered = _answered(cursor, {link for *_x, link in calls}, wrows if source == "acd" else [])
    matched = match_withheld([(line, t, key) for line, t, key, link in calls if answered.get(link)], incidents,
                             imp.tolerance)
    _place_withheld(cursor, incidents, matched, call_slot, inc_db, (low - tol, high + 2 * tol), slot_of, slots, moves)


def _answered(cursor, links: set[str], batch_acd: list) -> dict[str, bool]:
    """call_id -> whether an ACD row of the call says answered (stored rows and the batch's)."""
    out: dict[str, bool] = {}
    for link, data in store.select_in(
            cursor, f"SELECT link_key, data FROM {store.SOURCE} WHERE system = 'acd' AND link_key {{in}}", links):
        out[link] = out.get(link, False) or json.loads(data or "{}").get("abandoned") is False
    for _key, _at, link, answered in batch_acd:
        out[link] = out.get(link, False) or answered
    return out


def _place_withheld(cursor, incidents, matched, call_slot, inc_db, span, slot_of, slots, moves) -> None:
    """New incidents go to their call (or a contact of their own); stored ones within span move if their join changed.

    span: the creation times whose joins the batch can change (_match_withheld); a stored
    incident outside it keeps its contact (its join was decided from rows not all fetched).
    """
    low, high = span
    in_calls = {c for (c,) in store.select_in(
        cursor, f"SELECT contact_id FROM {store.SOURCE} WHERE system = 'calls' AND contact_id {{in}}",
        {cid for _sr, cid in inc_db.values()})}
    for _line, t, key in incidents:
        if key in inc_db and not low <= naive_utc(t) <= high:
            continue
        target = call_slot[matched[key]] if key in matched else None
        _place_incident(key, target, inc_db, in_calls, slot_of, slots, moves)

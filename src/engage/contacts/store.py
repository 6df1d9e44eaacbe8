"""Bulk database operations for the importer, on SQLite and PostgreSQL alike.

Raw SQL (executemany on SQLite, COPY on PostgreSQL) because the ORM's per-object cost
would dominate a million-row import. Callers hold a transaction.
"""
from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable, Sequence

from django.db import connection

CONTACT = "contacts_contact"
SOURCE = "contacts_sourcerecord"
RUN = "contacts_importrun"
QUARANTINE = "contacts_quarantinedrow"
SR_COLUMNS = ["contact_id", "system", "source_key", "file_name", "line_number", "run_id", "at", "phone_e164", "link_key", "data"]
_CHUNK = 5000
_COPY_BLOCK_ROWS = 25_000  # rows per block of CSV sent to COPY: small enough to overlap writing and sending


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def db_time(text: str | None, pg: bool | None = None):
    """Our naive-UTC timestamp text as the database wants it."""
    if text is None:
        return None
    if pg is None:
        pg = is_postgres()
    return f"{text}+00:00" if pg else text


def tune_for_import(cursor) -> None:
    """A bigger page cache for index-heavy bulk inserts (SQLite's default is 2 MB)."""
    if not is_postgres():
        cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB, this connection only


def defer_checkpoints(cursor, defer: bool) -> None:
    """SQLite: no WAL checkpoints during a bulk load, one at its end.

    A checkpoint copies every page changed since the last one into the database file;
    a big load changes the same index and table pages batch after batch, so one copy at
    the end writes each page once. Commits stay durable in the WAL meanwhile.
    """
    if is_postgres():
        return
    if defer:
        cursor.execute("PRAGMA wal_autocheckpoint = 0")
    else:
        cursor.execute("PRAGMA wal_autocheckpoint = 1000")  # SQLite's default
        if not connection.in_atomic_block:  # else the next commit's automatic checkpoint does it
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")


def refresh_statistics(cursor) -> None:
    """PostgreSQL: fresh planner statistics during a bulk load.

    Without them, after a large COPY the planner still thinks the tables are small and
    scans them whole for the per-batch join look-ups (seen: 1 s a batch at 1M rows).
    """
    if is_postgres():
        cursor.execute(f"ANALYZE {SOURCE}")
        cursor.execute(f"ANALYZE {CONTACT}")


def lock_for_import(cursor) -> None:
    """Serialise importers (file and live feed) so check-then-insert cannot race.

    SQLite's transactions here are BEGIN IMMEDIATE, which already takes the write lock.
    """
    if is_postgres():
        cursor.execute(f"LOCK TABLE {SOURCE} IN SHARE ROW EXCLUSIVE MODE")


def select_in(cursor, sql: str, values: Iterable, params: Sequence = ()) -> list[tuple]:
    """Run `sql` whose `{in}` stands for "IN (values)"; chunked for SQLite."""
    values = list(values)
    if not values:
        return []
    if is_postgres():
        cursor.execute(sql.format(**{"in": "= ANY(%s)"}), [*params, values])
        return cursor.fetchall()
    out: list[tuple] = []
    for i in range(0, len(values), _CHUNK):
        chunk = values[i : i + _CHUNK]
        cursor.execute(sql.format(**{"in": f"IN ({','.join(['%s'] * len(chunk))})"}), [*params, *chunk])
        out.extend(cursor.fetchall())
    return out


def is_empty() -> bool:
    """No source row stored yet (a first load)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {SOURCE} LIMIT 1")
        return cursor.fetchone() is None


def reserve_contact_ids(cursor, n: int) -> int:
    """The first of n consecutive new contact ids, reserved for the caller (who holds the import lock)."""
    if is_postgres():
        cursor.execute(f"SELECT pg_get_serial_sequence('{CONTACT}', 'id')")
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, nextval(%s) + %s - 1)", [sequence, sequence, max(n, 1)])
        return cursor.fetchone()[0] - max(n, 1) + 1
    return allocate_contact_ids(cursor, 1)[0]  # SQLite: the rows written carry their ids into sqlite_sequence


def write_frame(cursor, table: str, frame) -> None:
    """Insert a Polars frame's rows (columns named as the table's).

    PostgreSQL: binary COPY (_copy_frame). SQLite: executemany.
    """
    if is_postgres():
        _copy_frame(cursor.cursor, table, frame)
        return
    columns = ", ".join(frame.columns)
    marks = ", ".join(["?"] * frame.width)
    raw = cursor.cursor  # the driver's cursor: no Django placeholder rewriting per row
    for part in frame.iter_slices(50_000):
        raw.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", part.rows())


def _copy_frame(raw_cursor, table: str, frame) -> None:
    """COPY a frame into a PostgreSQL table through a psycopg cursor, in COPY's binary format.

    pgpq encodes the Arrow columns in native code; the server then reads each value as it
    is stored (no text to parse: a quarter less of its time than CSV). The queued writer
    sends each block from a thread of its own, so the server reads block n while block
    n+1 is encoded.
    """
    from pgpq import ArrowToPostgresBinaryEncoder
    from psycopg.copy import QueuedLibpqWriter

    if not frame.height:
        return
    frame = _as_column_types(frame, _column_types(raw_cursor, table))
    columns = ", ".join(frame.columns)
    encoder = ArrowToPostgresBinaryEncoder(frame.head(0).to_arrow().schema)
    with raw_cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT binary)",
                         writer=QueuedLibpqWriter(raw_cursor)) as copy:
        copy.write(encoder.write_header())
        for part in frame.iter_slices(_COPY_BLOCK_ROWS):
            for batch in part.to_arrow().to_batches():
                copy.write(encoder.write_batch(batch))
        copy.write(encoder.finish())


def _column_types(raw_cursor, table: str) -> dict[str, str]:
    """A table's columns and their PostgreSQL types (format_type): one catalog look-up per COPY."""
    raw_cursor.execute("SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
                       "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped", [table])
    return dict(raw_cursor.fetchall())


def _as_column_types(frame, types: dict[str, str]):
    """The frame's columns as the Arrow types whose binary form is their column's type.

    Binary COPY takes a value only in its column's exact width and kind: an int8 sent for
    an integer column is an error, not a conversion. Times come as our UTC text.
    """
    import polars as pl

    def column(name: str) -> pl.Expr:
        kind, col = types[name], pl.col(name)
        if kind == "timestamp with time zone":
            if frame.schema[name] == pl.String:  # our naive-UTC text (db_time may have added the offset)
                return col.str.strip_suffix("+00:00").str.to_datetime(
                    "%Y-%m-%d %H:%M:%S%.f", time_unit="us", time_zone="UTC", strict=True)
            if isinstance(frame.schema[name], pl.Datetime):
                return col.dt.convert_time_zone("UTC").dt.cast_time_unit("us")
            return col.cast(pl.Datetime("us", "UTC"))  # a column of nulls
        if kind not in _arrow_types():
            raise ValueError(f"{name}: no binary COPY for a {kind} column")
        return col.cast(_arrow_types()[kind])

    return frame.select(column(name) for name in frame.columns)


@functools.cache
def _arrow_types() -> dict:
    import polars as pl

    return {"smallint": pl.Int16, "integer": pl.Int32, "bigint": pl.Int64, "double precision": pl.Float64,
            "boolean": pl.Boolean, "character varying": pl.String, "text": pl.String}


def allocate_contact_ids(cursor, n: int) -> list[int]:
    if n == 0:
        return []
    if is_postgres():
        cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{CONTACT}', 'id')) FROM generate_series(1, %s)", [n])
        return [row[0] for row in cursor.fetchall()]
    # The write lock is held (BEGIN IMMEDIATE): nobody else can take these ids.
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {CONTACT}")
    top = cursor.fetchone()[0]
    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [CONTACT])
    row = cursor.fetchone()
    start = max(top, row[0] if row else 0) + 1
    return list(range(start, start + n))


def insert_rows(cursor, table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    if is_postgres():
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(columns))
    cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def update_contacts(cursor, columns: list[str], rows: Iterable[tuple]) -> None:
    """rows: (values..., id). PostgreSQL: COPY into a temporary table, then one UPDATE ... FROM."""
    if is_postgres():
        names = ", ".join(columns)
        cursor.execute(f"CREATE TEMP TABLE contact_update ON COMMIT DROP AS SELECT {names}, id FROM {CONTACT} WITH NO DATA")
        insert_rows(cursor, "contact_update", [*columns, "id"], rows)
        sets = ", ".join(f"{c} = u.{c}" for c in columns)
        cursor.execute(f"UPDATE {CONTACT} c SET {sets} FROM contact_update u WHERE c.id = u.id")
        cursor.execute("DROP TABLE contact_update")
        return
    sets = ", ".join(f"{c} = %s" for c in columns)
    cursor.executemany(f"UPDATE {CONTACT} SET {sets} WHERE id = %s", rows)


def move_source_records(cursor, moves: list[tuple[int, int]]) -> None:
    """moves: (new contact id, source record id)."""
    if moves:
        cursor.executemany(f"UPDATE {SOURCE} SET contact_id = %s WHERE id = %s", moves)


def write_run_counters(cursor, results: Iterable) -> None:
    """Each ImportResult's counters onto its run, on any cursor (Django's or a bulk writer's own)."""
    for r in results:
        cursor.execute(
            f"UPDATE {RUN} SET rows_read = %s, rows_imported = %s, rows_quarantined = %s, "
            "rows_duplicate = %s, rows_skipped = %s WHERE id = %s",
            [r.read, r.imported, r.quarantined, r.duplicate, r.skipped, r.run_id])


def upsert_quarantine(cursor, rows: list[tuple]) -> None:
    """rows: (run_id, source, file_name, line_number, field, reason, raw, created_at).

    A re-imported file's bad rows are the same rows: they move to the newest run.
    """
    if rows:
        cursor.executemany(
            f"INSERT INTO {QUARANTINE} (run_id, source, file_name, line_number, field, reason, raw, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (source, file_name, line_number, field) DO UPDATE "
            "SET run_id = excluded.run_id, reason = excluded.reason, raw = excluded.raw",
            rows,
        )


@functools.cache
def _deferrable_indexes(vendor: str) -> tuple[tuple[str, str], ...]:
    """(name, CREATE INDEX sql) of the indexes a bulk load may drop and rebuild: the contact table's.

    The importer reaches contacts by primary key only. The definitions are Django's, from
    the model, so a killed load can always restore them.
    """
    from engage.contacts.models import Contact

    return _indexes_of(Contact)


@functools.cache
def _lookup_indexes(vendor: str) -> tuple[tuple[str, str], ...]:
    """(name, CREATE INDEX sql) of the source rows' indexes: the per-file path's look-ups.

    Only the one-pass plan (plan.py) drops them, on an empty store; ensure_indexes
    restores them with the others.
    """
    from engage.contacts.models import SourceRecord

    return _indexes_of(SourceRecord)


def _indexes_of(model) -> tuple[tuple[str, str], ...]:
    editor = connection.SchemaEditorClass(connection, collect_sql=True)  # SQL only, nothing run
    return tuple((str(s).split('"')[1], str(s)) for s in editor._model_indexes_sql(model))


def drop_deferrable_indexes(cursor, lookups: bool = False) -> None:
    """Drop the deferrable indexes; with lookups=True also the source rows' look-up indexes (a plan needs none)."""
    for name, _sql in _deferrable_indexes(connection.vendor) + (_lookup_indexes(connection.vendor) if lookups else ()):
        cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


def _source_foreign_keys() -> list:
    from engage.contacts.models import SourceRecord

    return [f for f in SourceRecord._meta.concrete_fields if f.many_to_one and f.db_constraint]


def drop_source_foreign_keys(cursor) -> None:
    """PostgreSQL: drop the source rows' foreign keys for a one-pass plan (ensure_indexes adds them back).

    Each checks every COPY'd row with a query that also locks the contact's row (FOR
    KEY SHARE, a write to every new contact); added back, the constraint checks all
    rows in one join. The plan allocates the ids it writes, so nothing can fail that check.
    """
    if not is_postgres():
        return
    cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", [SOURCE])
    for (name,) in cursor.fetchall():
        cursor.execute(f'ALTER TABLE {SOURCE} DROP CONSTRAINT "{name}"')


def pause_autovacuum(cursor) -> None:
    """PostgreSQL: no autovacuum of the contact tables during a one-pass plan (resume_autovacuum ends it).

    Started by the rows pouring in, it spends a core on tables about to change again, and
    its lock holds every index build and foreign key after the load up for a second
    (deadlock_timeout) before the server cancels it.
    """
    if is_postgres():
        for table in (CONTACT, SOURCE):
            cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")


def resume_autovacuum(cursor) -> None:
    """PostgreSQL: autovacuum back on the tables pause_autovacuum paused (also after a killed load)."""
    if not is_postgres():
        return
    cursor.execute("SELECT relname FROM pg_class WHERE relname IN (%s, %s) "
                   "AND 'autovacuum_enabled=false' = ANY(reloptions)", [CONTACT, SOURCE])
    for (table,) in cursor.fetchall():
        cursor.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")


def ensure_foreign_keys(cursor, check: bool = True) -> None:
    """PostgreSQL: add back any foreign key of the source rows a one-pass plan dropped.

    check=False adds them NOT VALID (instant: no scan, a moment's lock); validate_foreign_keys
    then checks the rows under a lock that lets the contacts' indexes be built meanwhile.
    With check=True a key left NOT VALID (a load killed before validating) is validated too.
    """
    if not is_postgres():
        return
    cursor.execute(
        "SELECT a.attname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "WHERE c.conrelid = %s::regclass AND c.contype = 'f'", [SOURCE])
    present = {name for (name,) in cursor.fetchall()}
    from engage.contacts.models import SourceRecord

    editor = connection.SchemaEditorClass(connection, collect_sql=True)  # Django's own definition, SQL only
    for field in _source_foreign_keys():
        if field.column not in present:
            sql = str(editor._create_fk_sql(SourceRecord, field, "_fk_%(to_table)s_%(to_column)s"))
            cursor.execute(sql if check else f"{sql.rstrip().rstrip(';')} NOT VALID")
    if check:
        validate_foreign_keys(cursor)


def validate_foreign_keys(cursor) -> None:
    """PostgreSQL: check the rows against the source rows' NOT VALID foreign keys.

    VALIDATE locks the source rows' table SHARE UPDATE EXCLUSIVE (no index builds on it
    meanwhile) but the referenced contacts only ROW SHARE: their indexes can be built alongside.
    """
    cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f' "
                   "AND NOT convalidated", [SOURCE])
    for (name,) in cursor.fetchall():
        cursor.execute(f'ALTER TABLE {SOURCE} VALIDATE CONSTRAINT "{name}"')


def ensure_indexes(cursor) -> None:
    """Rebuild any index (and PostgreSQL foreign key) a bulk load dropped (one query when they all exist)."""
    ensure_foreign_keys(cursor)
    resume_autovacuum(cursor)
    statements = missing_indexes(cursor)
    if statements and is_postgres():  # the sorts of a million-row index in memory, not in temporary files
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for sql in statements:
        cursor.execute(sql)


def build_from_queue(cursor, queue) -> None:
    """CREATE INDEX statements taken one by one from a queue.SimpleQueue until it is empty.

    Each statement is a transaction of its own (autocommit), so its lock goes at its end and
    the other session can build on the same table or validate a foreign key meanwhile.
    """
    import queue as queues

    cursor.execute("SET maintenance_work_mem = '256MB'")  # the sorts in memory, not in temporary files
    try:
        while True:
            try:
                sql = queue.get_nowait()
            except queues.Empty:
                return
            cursor.execute(sql)
    finally:
        cursor.execute("RESET maintenance_work_mem")


def rebuild_order(statements: list[str]) -> list[str]:
    """The contacts' indexes first, then the source rows': the foreign keys' check (first on the
    other session) locks the source rows' table against index builds, not the contacts'."""
    return sorted(statements, key=lambda sql: f'ON "{SOURCE}"' in sql)


def missing_indexes(cursor) -> list[str]:
    """CREATE INDEX statements of the deferrable indexes not there now (one query when they all are)."""
    indexes = _deferrable_indexes(connection.vendor) + _lookup_indexes(connection.vendor)
    names = [name for name, _sql in indexes]
    marks = ", ".join(["%s"] * len(names))
    if is_postgres():
        cursor.execute(f"SELECT count(*) FROM pg_indexes WHERE indexname IN ({marks})", names)
    else:
        cursor.execute(f"SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ({marks})", names)
    if cursor.fetchone()[0] == len(names):
        return []
    return [sql.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1) for _name, sql in indexes]


# ---------------------------------------------------------------- frame writers (plan.py)


class FrameWriter:
    """Writes Polars frames and a few statements, one transaction per `batch()`: Django's connection."""

    own_connection = False  # Django's connections belong to their thread

    @contextlib.contextmanager
    def batch(self):
        from django.db import transaction

        with transaction.atomic():
            cursor = connection.cursor()
            tune_for_import(cursor)
            lock_for_import(cursor)
            yield

    def cursor(self):
        return connection.cursor()

    def write(self, table: str, frame) -> None:
        write_frame(connection.cursor(), table, frame)

    def checkpoint(self) -> None:
        """Copy what is committed from the WAL into the database file (SQLite; nothing elsewhere)."""

    def close(self) -> None:
        pass


class AdbcSqliteWriter(FrameWriter):
    """SQLite through ADBC's driver: Arrow columns bound in C, no Python object per row or value.

    A second connection to the same file, used only while Django's holds no transaction
    (each batch's rows, quarantine and counters commit together on this one).
    """

    own_connection = True  # usable from another thread (one at a time)

    def __init__(self, path: str):
        import adbc_driver_sqlite.dbapi as adbc

        self.conn = adbc.connect(path, autocommit=True)  # transactions are ours: BEGIN IMMEDIATE per batch
        self.raw = self.conn.cursor()
        # The connection's settings as Django's (engage.settings), plus the bulk load's.
        for pragma in ("busy_timeout = 30000", "synchronous = NORMAL", "cache_size = -262144",
                       "wal_autocheckpoint = 0"):
            self.raw.execute(f"PRAGMA {pragma}")
            self.raw.fetchall()

    @contextlib.contextmanager
    def batch(self):
        self.raw.execute("BEGIN IMMEDIATE")  # the write lock, as Django's transactions take it
        try:
            yield
        except BaseException:
            self.raw.execute("ROLLBACK")
            raise
        self.raw.execute("COMMIT")

    def cursor(self):
        return _QmarkCursor(self.raw)

    def write(self, table: str, frame) -> None:
        if frame.height:
            self.raw.adbc_ingest(table, frame, mode="append")

    def checkpoint(self) -> None:
        self.raw.execute("PRAGMA wal_checkpoint(PASSIVE)")  # never waits for other connections
        self.raw.fetchall()

    def close(self) -> None:
        self.raw.close()
        self.conn.close()


class _QmarkCursor:
    """store's SQL (%s placeholders) on an ADBC cursor (? placeholders)."""

    def __init__(self, raw):
        self.raw = raw

    def execute(self, sql: str, params=()) -> None:
        self.raw.execute(sql.replace("%s", "?"), tuple(params))

    def executemany(self, sql: str, rows) -> None:
        self.raw.executemany(sql.replace("%s", "?"), list(rows))


class PostgresWriter(FrameWriter):
    """PostgreSQL through a psycopg connection of its own (Django's settings), usable from another thread."""

    own_connection = True

    def __init__(self):
        self.conn = connection.Database.connect(**connection.get_connection_params())
        self.conn.autocommit = True  # a transaction per batch(), nothing in between
        self.raw = self.conn.cursor()

    @contextlib.contextmanager
    def batch(self):
        with self.conn.transaction():
            # The lock COPY takes anyway, taken first: it waits for, and holds off, every other
            # importer (lock_for_import's SHARE ROW EXCLUSIVE) but not the plan's other writer,
            # whose batches are other contacts.
            self.raw.execute(f"LOCK TABLE {SOURCE} IN ROW EXCLUSIVE MODE")
            yield

    def cursor(self):
        return self.raw

    def write(self, table: str, frame) -> None:
        _copy_frame(self.raw, table, frame)

    def validate_then_build(self, queue) -> None:
        """The foreign keys' check, then index builds taken from `queue` (shared with another session)."""
        validate_foreign_keys(self.raw)  # autocommit: its lock goes at its end
        build_from_queue(self.raw, queue)

    def close(self) -> None:
        self.conn.close()


def frame_writers() -> list[FrameWriter]:
    """The fastest writers usable now: two connections of their own on PostgreSQL (the server
    COPYs on both cores), one on SQLite (one writer at a time), Django's inside a transaction."""
    if connection.in_atomic_block:
        return [FrameWriter()]
    if is_postgres():
        return [PostgresWriter(), PostgresWriter()]
    try:
        import adbc_driver_sqlite.dbapi  # noqa: F401
    except ImportError:
        return [FrameWriter()]
    path = str(connection.settings_dict["NAME"])
    if path == ":memory:" or path.startswith("file:"):
        return [FrameWriter()]
    return [AdbcSqliteWriter(path)]

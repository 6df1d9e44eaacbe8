"""The bulk path of `engage import`: a canonical file read and validated column-wise.

DuckDB reads the CSV (strict: a row with the wrong number of fields fails the read);
Polars checks and converts whole columns at once: keys, ISO 8601 timestamps (UTC "Z" or
local time, converted with the zone's offset of each distinct local hour), and values
with few distinct forms (channels, directions, flags, numbers, phone numbers) through
the per-row parsers' own functions applied once per distinct value. A row any check
rejects goes through the per-row parser (formats.PARSERS) instead, so its outcome and
its quarantine message are exactly the per-row path's.

A file the bulk path cannot read exactly as the csv module would (other encodings,
quoted line breaks, blank lines, ragged rows, NUL bytes, a column map) returns None
from `read_file` and goes through the per-row path whole.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from engage.contacts.formats import (
    COLUMNS, DIGITAL_CHANNELS, KEY, PARSERS, TIME, BadRow, SkipRow, TimeParser, _clip, _number, _phone,
    _NO, _YES, channel_of,
)

# What str.strip() strips (Polars' default set is smaller).
_SPACE = "".join(c for c in map(chr, range(0x110000)) if c.isspace())
_ZULU = r"^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$"
_NAIVE = r"^\d{4}-\d{2}-\d{2}[T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"


def read_file(path: Path, width: int, encoding: str, delimiter: str) -> pl.DataFrame | None:
    """All data rows as text columns c0..c{width-1} plus their physical line numbers (_line), or None."""
    if encoding != "utf-8-sig":
        return None
    data = path.read_bytes()
    if b"\x00" in data or data.count(b"\r") != data.count(b"\r\n"):
        return None
    names = {f"c{i}": "VARCHAR" for i in range(width)}
    try:
        con = duckdb.connect()
        try:
            frame = pl.from_arrow(con.sql(
                "SELECT * FROM read_csv(?, header = true, auto_detect = false, strict_mode = true, quote = '\"', "
                "escape = '\"', delim = ?, columns = ?, max_line_size = 100000000)",
                params=[str(path), delimiter, names]).to_arrow_table())
        finally:
            con.close()
    except (duckdb.Error, ValueError):
        return None
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1) - 1  # less the header
    if frame.height != lines:
        return None  # blank lines or a header across lines: let the csv module count them
    frame = frame.with_columns(pl.all().fill_null(""))
    if frame.height and frame.select(pl.any_horizontal(pl.all().str.contains("[\r\n]")).any()).item():
        return None  # a quoted line break: physical lines no longer follow rows
    return frame.with_columns(pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias("_line"))


# ------------------------------------------------------------------ column helpers


def _strip(col: pl.Expr) -> pl.Expr:
    return col.str.strip_chars(_SPACE)


def _clip_col(col: pl.Expr, size: int) -> pl.Expr:
    return _strip(col.str.replace_all("\x00", "", literal=True)).str.slice(0, size)


def _each_distinct(frame: pl.DataFrame, column: str, func: Callable[[str], object], dtype: pl.DataType) -> pl.Series:
    """func applied once per distinct value of a text column."""
    values = frame[column]
    uniques = values.unique()
    mapped = pl.Series([func(v) for v in uniques.to_list()], dtype=dtype)
    return values.replace_strict(uniques, mapped, return_dtype=dtype)


@dataclass
class Times:
    """Column-wise timestamps: ISO 8601 in UTC ("Z") or local time; others left to the per-row parser."""

    parser: TimeParser

    def convert(self, frame: pl.DataFrame, column: str) -> tuple[pl.Series, pl.Series]:
        """(utc text or null, ok): ok marks values read here; empty values are not ok."""
        text = pl.col("t")
        stamp = text.str.replace("T", " ", literal=True).str.replace("Z", "", literal=True)
        stamp = pl.when(stamp.str.len_chars() == 16).then(stamp + ":00").otherwise(stamp)
        t = frame.select(_strip(pl.col(column)).alias("t")).with_columns(
            text.str.contains(_ZULU).alias("zulu"), text.str.contains(_NAIVE).alias("naive"),
            stamp.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False).alias("local"),
        )
        year = pl.col("local").dt.year()
        t = t.with_columns(
            ((pl.col("zulu") | pl.col("naive")) & pl.col("local").is_not_null() & (year > 1900) & (year < 2200))
            .fill_null(False).alias("ok"),
            pl.col("local").dt.truncate("1h").alias("hour"),
        )
        offsets = self._offsets(t.filter(pl.col("naive") & pl.col("ok"))["hour"].unique())
        t = t.join(offsets, on="hour", how="left", maintain_order="left")
        utc = pl.when(pl.col("naive")).then(pl.col("local") - pl.duration(seconds=pl.col("seconds").fill_null(0)))
        utc = utc.otherwise(pl.col("local")).dt.strftime("%Y-%m-%d %H:%M:%S")
        out = t.select(pl.when(pl.col("ok")).then(utc).otherwise(None).alias("utc"), "ok")
        return out["utc"], out["ok"]

    def _offsets(self, hours: pl.Series) -> pl.DataFrame:
        values = hours.to_list()
        seconds = [int(self.parser._offset(h).total_seconds()) for h in values]
        return pl.DataFrame({"hour": values, "seconds": seconds}, schema={"hour": pl.Datetime("us"), "seconds": pl.Int64})


# ------------------------------------------------------------------ per source


@dataclass
class Parsed:
    """A file's rows: good ones column-wise, and those for the per-row parser."""

    good: pl.DataFrame  # columns of ingest.batch_schema(source)
    skipped: pl.Series  # lines of rows that are not contacts (outbound calls)
    fallback: pl.DataFrame  # raw rows (_line + canonical columns) for formats.PARSERS


def parse(raw: pl.DataFrame, source: str, times: Times, region: str) -> Parsed:
    """Validate and convert the canonical columns of `raw` (named as COLUMNS[source], plus _line)."""
    raw = raw.with_columns(_strip(pl.col(KEY[source])).alias("_key"))
    key_ok = (pl.col("_key") != "") & (pl.col("_key").str.len_chars() <= 128)
    at, at_ok = times.convert(raw, TIME[source])
    raw = raw.with_columns(at.alias("_at"), key_ok.alias("_key_ok"))
    ok = at_ok & raw["_key_ok"]
    skip = pl.Series([False] * raw.height, dtype=pl.Boolean)
    cols: dict[str, pl.Series | pl.Expr] = {}
    if source == "calls":
        direction = _each_distinct(raw, "direction", _direction, pl.String)
        skip = raw["_key_ok"] & (direction == "out")
        ok = ok & (direction == "in")
        ended, ended_ok = _optional(raw, "ended_at", times)
        ok = ok & ended_ok
        phone_raw, e164 = _phones(raw, "cli", region)
        cols = {"phone": e164, "link": raw["_key"], "matchable": e164 != "",
                "channel": _each_distinct(raw, "line", channel_of, pl.String), "arrived_at": raw["_at"],
                "ended_at": ended, "phone_raw": phone_raw, "handler": _clip_series(raw, "handler_id", 64)}
    elif source == "acd":
        answered, answered_ok = _optional(raw, "answered_at", times)
        ended, ended_ok = _optional(raw, "ended_at", times)
        ok = ok & answered_ok & ended_ok
        flag = _each_distinct(raw, "abandoned", _flag, pl.Boolean)
        abandoned = pl.select(pl.when(flag.is_null()).then(answered.is_null()).otherwise(flag)).to_series()
        cols = {"phone": _empty(raw), "link": raw["_key"], "matchable": pl.Series([False] * raw.height),
                "channel": _each_distinct(raw, "line", channel_of, pl.String), "arrived_at": raw["_at"],
                "answered_at": answered, "ended_at": ended, "abandoned": abandoned,
                "queue_seconds": _each_distinct(raw, "queue_seconds", _number, pl.Float64),
                "talk_seconds": _each_distinct(raw, "talk_seconds", _number, pl.Float64),
                "handler": _clip_series(raw, "handler_id", 64)}
    elif source == "cc":
        channel = _each_distinct(raw, "source", channel_of, pl.String)
        digital = channel.is_in(sorted(DIGITAL_CHANNELS))
        phone_raw, e164 = _phones(raw, "caller_phone", region)
        key = raw["_key"]
        cols = {"phone": e164, "link": pl.select(pl.when(digital).then(key).otherwise(pl.lit(""))).to_series(),
                "matchable": ~digital & (e164 != ""), "channel": channel, "arrived_at": raw["_at"],
                "phone_raw": phone_raw, "name": _clip_series(raw, "caller_name", 200),
                "address": _clip_series(raw, "caller_address", 300),
                "postcode": _each_distinct(raw, "caller_postcode", lambda v: _clip(v, 12).upper(), pl.String),
                "location": _clip_series(raw, "location", 300),
                "incident_number": key.str.slice(0, 64),  # already stripped, NUL-free (no NUL in the file)
                "opening_code": _clip_series(raw, "opening_code", 64), "grade": _clip_series(raw, "grade", 16),
                "closing_code": _clip_series(raw, "closing_code", 64),
                "narrative": _clip_series(raw, "narrative", 100_000)}
    else:  # digital
        channel = _each_distinct(raw, "channel", channel_of, pl.String)
        phone_raw, e164 = _phones(raw, "phone", region)
        reference = _clip_series(raw, "reference", 100)
        cols = {"phone": e164, "link": reference, "matchable": pl.Series([False] * raw.height),
                "channel": pl.select(pl.when(channel.is_in(sorted(DIGITAL_CHANNELS))).then(channel)
                                     .otherwise(pl.lit("other"))).to_series(),
                "arrived_at": raw["_at"], "phone_raw": phone_raw, "name": _clip_series(raw, "name", 200),
                "email": _each_distinct(raw, "email", lambda v: _clip(v, 200).lower(), pl.String),
                "handle": _clip_series(raw, "handle", 200), "subject": _clip_series(raw, "subject", 300),
                "reference": reference}
    ok = ok & ~skip
    good = pl.DataFrame({"line": raw["_line"], "key": raw["_key"], "at": raw["_at"]}).with_columns(
        **{name: value for name, value in cols.items()})
    from engage.contacts.ingest import batch_schema  # the batch layout is the importer's

    schema = batch_schema(source)
    good = good.filter(ok).select(pl.col(name).cast(dtype) for name, dtype in schema.items())
    fallback = raw.filter(~ok & ~skip).select("_line", *COLUMNS[source])
    return Parsed(good, raw.filter(skip)["_line"], fallback)


def _clip_series(raw: pl.DataFrame, column: str, size: int) -> pl.Series:
    return raw.select(_clip_col(pl.col(column), size)).to_series()


def _empty(raw: pl.DataFrame) -> pl.Series:
    return pl.Series([""] * raw.height, dtype=pl.String)


def _optional(raw: pl.DataFrame, column: str, times: Times) -> tuple[pl.Series, pl.Series]:
    """A secondary time: empty is None; values this path cannot read go to the per-row parser."""
    value, ok = times.convert(raw, column)
    empty = raw.select(_strip(pl.col(column)) == "").to_series()
    return value, ok | empty


def _phones(raw: pl.DataFrame, column: str, region: str) -> tuple[pl.Series, pl.Series]:
    """(recorded number as stored, E.164 or ""), normalised once per distinct value."""
    values = raw[column]
    uniques = values.unique().to_list()
    pairs = [_phone(v, region) for v in uniques]
    table = pl.DataFrame({column: uniques, "_raw": [_clip(p[0], 64) for p in pairs], "_e164": [p[1] for p in pairs]},
                         schema={column: pl.String, "_raw": pl.String, "_e164": pl.String})
    joined = raw.select(column).join(table, on=column, how="left", maintain_order="left")
    return joined["_raw"], joined["_e164"]


def _direction(value: str) -> str:
    direction = (value or "in").strip().lower()
    if direction in {"out", "outbound", "o"}:
        return "out"
    return "in" if direction in {"in", "inbound", "i", ""} else "bad"


def _flag(value: str) -> bool | None:
    flag = value.strip().lower()
    return flag in _YES if flag in _YES | _NO else None


def parse_rows(rows: pl.DataFrame, source: str, parser: TimeParser, region: str) -> Iterator[tuple]:
    """The per-row parser on the rows the column checks left.

    Yields (line, record, None, row) for a good row, (line, None, None, row) for a
    skipped one and (line, None, BadRow, row) for a bad one.
    """
    parse_row = PARSERS[source]
    for values in rows.iter_rows(named=True):
        line = values.pop("_line")
        try:
            yield line, parse_row(values, line, parser, region), None, values
        except SkipRow:
            yield line, None, None, values
        except BadRow as exc:
            yield line, None, exc, values

"""Column maps: a force's own export described in TOML, loaded with no code change.

    source = "cc"                       # canonical format the file maps to
    timezone = "America/Chicago"        # zone of naive times (default Europe/London)
    date_formats = ["%m/%d/%Y %H:%M"]   # strptime formats, tried in order, then ISO 8601
    encoding = "utf-8"                  # optional: default detects UTF-8 (BOM or not) / cp1252
    delimiter = ","

    [fields]
    incident_number = "item_number"                               # one column
    opening_code = { columns = ["Type", "TypeText"], sep = " " }  # concatenation
    grade = { column = "Priority", values = { "2*" = "1", "1*" = "2" }, default = "" }
    source = { value = "999" }                                    # constant

    [[skip]]                                                      # not contacts: counted as skipped
    column = "SelfInitiated"
    in = ["Y"]
    reason = "self-initiated police event"

The full language is in docs/formats.md.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from engage.contacts.formats import COLUMNS, SkipRow

SHIPPED = Path(__file__).with_name("maps")


class MapError(ValueError):
    """A column map that cannot be used (named with the file and the key at fault)."""


@dataclass
class _Field:
    name: str
    columns: list[str] = field(default_factory=list)
    sep: str = " "
    value: str | None = None  # constant
    values: dict[str, str] = field(default_factory=dict)  # exact code -> value (lower-cased keys)
    prefixes: list[tuple[str, str]] = field(default_factory=list)  # "1*" = ... -> ("1", value)
    default: str | None = None  # for codes not in `values`; None keeps the code as it is

    def apply(self, row: dict) -> str:
        if self.value is not None:
            return self.value
        if len(self.columns) == 1:
            text = (row.get(self.columns[0]) or "").strip()
        else:
            text = self.sep.join(part for part in ((row.get(c) or "").strip() for c in self.columns) if part)
        if self.values or self.prefixes:
            return self._code(text)
        return text

    def _code(self, text: str) -> str:
        low = text.lower()
        if low in self.values:
            return self.values[low]
        for prefix, value in self.prefixes:
            if low.startswith(prefix):
                return value
        return text if self.default is None else self.default


@dataclass
class _Skip:
    column: str | None
    field: str | None
    in_: set[str]
    not_in: set[str] | None
    pattern: re.Pattern | None
    reason: str

    def matches(self, raw: dict, mapped: dict) -> bool:
        text = ((raw.get(self.column) if self.column else mapped.get(self.field)) or "").strip()
        low = text.lower()
        if self.in_ and low in self.in_:
            return True
        if self.not_in is not None and low not in self.not_in:
            return True
        return bool(self.pattern and self.pattern.search(text))


@dataclass
class ColumnMap:
    source: str
    name: str = ""
    timezone: str = "Europe/London"
    date_formats: list[str] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str = ","
    fields: dict[str, _Field] = field(default_factory=dict)
    skips: list[_Skip] = field(default_factory=list)

    def required_headers(self) -> list[str]:
        seen: list[str] = []
        for f in self.fields.values():
            seen += [c for c in f.columns if c not in seen]
        for s in self.skips:
            if s.column and s.column not in seen:
                seen.append(s.column)
        return seen

    def transform(self, raw: dict) -> dict:
        """Foreign row -> canonical row (strings). Raises SkipRow for filtered rows."""
        mapped = {name: f.apply(raw) for name, f in self.fields.items()}
        for skip in self.skips:
            if skip.matches(raw, mapped):
                raise SkipRow(skip.reason)
        return mapped


def resolve_path(name: str | Path) -> Path:
    """A map file path, or the name of a shipped map (`nopd` -> maps/nopd.toml)."""
    path = Path(name)
    if path.exists():
        return path
    shipped = SHIPPED / (path.name if path.suffix == ".toml" else f"{path.name}.toml")
    if shipped.exists():
        return shipped
    raise MapError(f"{name}: column map not found (nor among the shipped maps in {SHIPPED})")


def load_map(name: str | Path, source: str | None = None) -> ColumnMap:
    path = resolve_path(name)
    try:
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MapError(f"{path}: not valid TOML: {exc}") from None
    return parse_map(spec, str(path), source)


def parse_map(spec: dict, name: str = "<map>", source: str | None = None) -> ColumnMap:
    src = spec.get("source") or source
    if src not in COLUMNS:
        raise MapError(f"{name}: 'source' must be one of {', '.join(COLUMNS)} (got {src!r})")
    if source and src != source:
        raise MapError(f"{name}: map is for source {src!r}, not {source!r}")
    formats = spec.get("date_formats", spec.get("date_format", []))
    cmap = ColumnMap(
        source=src, name=name, timezone=spec.get("timezone", "Europe/London"),
        date_formats=[formats] if isinstance(formats, str) else list(formats),
        encoding=spec.get("encoding"), delimiter=spec.get("delimiter", ","),
    )
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(cmap.timezone)
    except Exception:  # noqa: BLE001 - any failure means an unknown zone name
        raise MapError(f"{name}: unknown timezone {cmap.timezone!r}") from None
    fields = spec.get("fields") or {}
    if not isinstance(fields, dict) or not fields:
        raise MapError(f"{name}: a [fields] table mapping canonical fields to columns is required")
    for canonical, rule in fields.items():
        if canonical not in COLUMNS[src]:
            raise MapError(f"{name}: [fields] {canonical!r} is not a {src} field ({', '.join(COLUMNS[src])})")
        cmap.fields[canonical] = _parse_field(canonical, rule, name)
    for i, rule in enumerate(spec.get("skip", [])):
        cmap.skips.append(_parse_skip(rule, f"{name}: [[skip]] #{i + 1}", src))
    return cmap


def _parse_field(canonical: str, rule, name: str) -> _Field:
    if isinstance(rule, str):
        return _Field(canonical, columns=[rule])
    if isinstance(rule, list):
        return _Field(canonical, columns=[str(c) for c in rule])
    if not isinstance(rule, dict):
        raise MapError(f"{name}: [fields] {canonical}: expected a column name, a list or a table")
    f = _Field(canonical, sep=str(rule.get("sep", " ")))
    if "value" in rule:
        f.value = str(rule["value"])
    elif "column" in rule:
        f.columns = [str(rule["column"])]
    elif "columns" in rule:
        f.columns = [str(c) for c in rule["columns"]]
    else:
        raise MapError(f"{name}: [fields] {canonical}: needs 'column', 'columns' or 'value'")
    for code, value in (rule.get("values") or {}).items():
        code = str(code).lower()
        if code.endswith("*"):
            f.prefixes.append((code[:-1], str(value)))
        else:
            f.values[code] = str(value)
    f.prefixes.sort(key=lambda p: -len(p[0]))  # longest prefix wins
    if "default" in rule:
        f.default = str(rule["default"])
    return f


def _parse_skip(rule: dict, where: str, src: str) -> _Skip:
    if not isinstance(rule, dict) or not (rule.get("column") or rule.get("field")):
        raise MapError(f"{where}: needs 'column' (a file header) or 'field' (a canonical field)")
    if rule.get("field") and rule["field"] not in COLUMNS[src]:
        raise MapError(f"{where}: {rule['field']!r} is not a {src} field")
    try:
        pattern = re.compile(rule["matches"]) if rule.get("matches") else None
    except re.error as exc:
        raise MapError(f"{where}: bad regular expression: {exc}") from None
    not_in = rule.get("not_in")
    return _Skip(
        column=rule.get("column"), field=rule.get("field"), in_={str(v).lower() for v in rule.get("in", [])},
        not_in={str(v).lower() for v in not_in} if not_in is not None else None, pattern=pattern,
        reason=str(rule.get("reason", "filtered by column map")),
    )

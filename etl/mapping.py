"""Column mappings: a team's own spreadsheet, or a tool's inbox export, read as canonical events.

Comms teams keep one wide row per incident in their own words, and their tools export one row per
message. A mapping file (TOML, modelled below) says where each canonical field comes from, which of
the team's words mean which code, how the sheet writes times, and how one row becomes several events.
The result is an `etl.sources.FrameSource`, so mapped rows take exactly the loader's validated,
quarantined, transactional path. Only the loader cannot know a team's words: a value no map covers is
found here and travels as a row-level `_reasons` line that says what to add to which map.

One sheet row gives several events, but the loader keys rows by (source, `_row`); so `_row` is
`sheet row * ROW_STRIDE + event number`: row 12's third event is 1203, which the quarantine shows as row
12, event 3. Sheet rows are numbered as a spreadsheet shows them (the header is row 1 unless `header_row`
says otherwise).

No event id is read from the sheet: one row names several events, and the loader's content hash is
stable across re-exports, so loading an overlapping export again skips what is already there.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.policy import Policy, available_policies, get_policy
from core.vocab import (
    ACCOUNT_EVENTS,
    CANONICAL_COLUMNS,
    CHANNELS,
    EVENT_LABELS,
    EVENT_TYPES,
    FALSE_WORDS,
    PLATFORMS,
    PROTECTED_CHARACTERISTICS,
    SIGNPOSTS,
    TRUE_WORDS,
)
from etl.sources import FrameSource, SourceError

MAPPINGS_DIR = Path(__file__).parent / "mappings"
DEFAULT_MAPPING = MAPPINGS_DIR / "team-log.toml"
ROW_STRIDE = 100
# Same shape as the loader's test: a time that already carries its offset is passed through untouched.
OFFSET_RE = r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"
SPREADSHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

# Fields a mapping may fill from a column or a fixed value; the event's id, time and type come from
# [[events]] instead.
MappableField = Literal["platform", "item_id", "account_id", "channel", "needs_response", "category",
                        "protected_characteristic", "actor", "signposted_to", "rationale", "text"]
# Field → the value map (a top-level table of the mapping file) its words go through.
FIELD_MAPS: dict[str, str] = {"platform": "platform", "channel": "channel", "needs_response": "yes_no",
                              "category": "category", "signposted_to": "signposted_to",
                              "protected_characteristic": "protected_characteristic"}

# What an event carries besides platform and item, unless its [[events]] entry lists `fields`.
# A message carries who and what; a decision carries who, why and under which category.
MESSAGE_FIELDS = ("account_id", "channel", "needs_response", "text")
DECISION_FIELDS = ("category", "protected_characteristic", "actor", "rationale")
DEFAULT_FIELDS: dict[str, tuple[str, ...]] = {
    "message_received": MESSAGE_FIELDS,
    "categorised": ("category", "protected_characteristic", "actor"),
    "response_sent": ("actor",),
    "signposted": ("signposted_to", "actor", "rationale"),
    **{t: ("account_id", *DECISION_FIELDS) for t in ACCOUNT_EVENTS},
}
# A type read from a column may be any decision, a signposting included.
COLUMN_TYPE_FIELDS = (*DECISION_FIELDS, "signposted_to")
# Events that say nothing without this field: a row whose words map to no category (a tag such as
# "Thanks" mapped to "") gives no categorisation, rather than one the loader must reject.
NEEDS_FIELD: dict[str, str] = {"categorised": "category", "signposted": "signposted_to"}


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and the dotted field."""


def _one_of(allowed: Iterable[str], what: str) -> AfterValidator:
    options = tuple(allowed)

    def check(value: str) -> str:
        if value not in options:
            raise ValueError(f"{value!r} is not {what} ({', '.join(o or repr(o) for o in options)})")
        return value

    return AfterValidator(check)


def _category_codes(value: str) -> str:
    if not re.fullmatch(r"([a-z][a-z0-9_]*(\|[a-z][a-z0-9_]*)*)?", value):
        raise ValueError(f"{value!r} is not a category code (lower_case, several joined by '|', or '' for none)")
    return value


PlatformCode = Annotated[str, _one_of((*PLATFORMS, ""), "a platform code")]
ChannelCode = Annotated[str, _one_of((*CHANNELS, ""), "a channel code")]
EventTypeCode = Annotated[str, _one_of((*EVENT_TYPES, ""), "an event type")]
SignpostCode = Annotated[str, _one_of((*SIGNPOSTS, ""), "a signposting code")]
ProtectedCode = Annotated[str, _one_of((*PROTECTED_CHARACTERISTICS, ""), "a protected characteristic")]
CategoryCodes = Annotated[str, AfterValidator(_category_codes)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """How to read the file: which sheet (first by default), where the header is, CSV details."""

    sheet: str | None = None
    header_row: int = Field(default=1, ge=1)
    encoding: str = "utf-8-sig"
    delimiter: str = Field(default=",", min_length=1, max_length=1)


class Times(_Strict):
    """The row's own time, and how the sheet writes times (naive times are local in `zone`)."""

    column: str = Field(min_length=1)
    zone: str | None = None
    formats: list[str] = []

    @field_validator("zone")
    @classmethod
    def _zone_exists(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                ZoneInfo(v)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"unknown time zone {v!r}") from exc
        return v


class FieldSource(_Strict):
    """A source column (a bare string is a column name) or a fixed value for every row."""

    column: str | None = None
    value: str | None = None
    split: str | None = Field(default=None, min_length=1)
    optional: bool = False

    @model_validator(mode="before")
    @classmethod
    def _bare_column(cls, data: Any) -> Any:
        return {"column": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _column_or_value(self) -> FieldSource:
        if (self.column is None) == (self.value is None):
            raise ValueError("give either column or value")
        return self


class Condition(_Strict):
    """When an event happens: a column is filled, blank, or holds a yes word."""

    filled: str | None = None
    blank: str | None = None
    yes: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Condition:
        if sum(v is not None for v in (self.filled, self.blank, self.yes)) != 1:
            raise ValueError("give exactly one of filled, blank, yes")
        return self

    @property
    def column(self) -> str:
        return next(v for v in (self.filled, self.blank, self.yes) if v is not None)


class EventSpec(_Strict):
    """One event a row can give: its type (fixed or from a column), its time, when it happens."""

    type: Annotated[str, _one_of(EVENT_TYPES, "an event type")] | None = None
    type_column: str | None = None
    time: list[str] = []
    when: list[Condition] = []
    fields: list[MappableField] | None = None

    @field_validator("time", mode="before")
    @classmethod
    def _one_column(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @model_validator(mode="after")
    def _type_or_column(self) -> EventSpec:
        if (self.type is None) == (self.type_column is None):
            raise ValueError("give either type or type_column")
        return self

    @property
    def carried(self) -> tuple[str, ...]:
        if self.fields is not None:
            return tuple(self.fields)
        if self.type is None:
            return COLUMN_TYPE_FIELDS
        return DEFAULT_FIELDS.get(self.type, DECISION_FIELDS)


class Mapping(_Strict):
    """A whole mapping file. Value maps take the team's words (matched trimmed, case-insensitively)."""

    description: str = ""
    source: Source = Source()
    time: Times
    fields: dict[MappableField, FieldSource]
    events: list[EventSpec] = Field(min_length=1, max_length=ROW_STRIDE - 1)
    platform: dict[str, PlatformCode] = {}
    channel: dict[str, ChannelCode] = {}
    category: dict[str, CategoryCodes] = {}
    event_type: dict[str, EventTypeCode] = {}
    signposted_to: dict[str, SignpostCode] = {}
    protected_characteristic: dict[str, ProtectedCode] = {}
    yes_no: dict[str, bool] = {}

    @field_validator("fields")
    @classmethod
    def _fields(cls, v: dict[str, FieldSource]) -> dict[str, FieldSource]:
        missing = [f for f in ("platform", "item_id") if f not in v]
        if missing:
            raise ValueError(f"{' and '.join(missing)} must be mapped: every event names its item")
        split = [f for f, s in v.items() if s.split is not None and f != "category"]
        if split:
            raise ValueError(f"split is only for category (a cell naming several), not {', '.join(split)}")
        return v

    @field_validator("events")
    @classmethod
    def _anchor(cls, v: list[EventSpec]) -> list[EventSpec]:
        if not any(e.type is not None and not e.when for e in v):
            raise ValueError("at least one event needs a fixed type and no `when`, so that every row gives "
                             "an event and none is lost")
        return v

    @model_validator(mode="after")
    def _no_clashing_words(self) -> Mapping:
        for section in ("platform", "channel", "category", "event_type", "signposted_to",
                        "protected_characteristic", "yes_no"):
            seen: dict[str, Any] = {}
            for word, code in getattr(self, section).items():
                key = _norm(word)
                if key in seen and seen[key] != code:
                    raise ValueError(f"[{section}] maps {word!r} twice, to {seen[key]!r} and {code!r}")
                seen[key] = code
        return self

    def columns(self) -> dict[str, bool]:
        """Every column the mapping reads, in order, with whether it may be missing from the sheet."""
        out: dict[str, bool] = {self.time.column: False}
        for src in self.fields.values():
            if src.column is not None:
                out[src.column] = out.get(src.column, True) and src.optional
        for ev in self.events:
            for col in [*([ev.type_column] if ev.type_column else []), *ev.time, *(c.column for c in ev.when)]:
                out[col] = False
        return out

    def fixed_types(self) -> list[str]:
        return [e.type for e in self.events if e.type is not None]


def _norm(word: str) -> str:
    return " ".join(word.split()).casefold()


def _norm_series(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip().str.casefold().str.replace(r"\s+", " ", regex=True)


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc if p != "[key]") or "(file)"


def resolve_mapping(mapping: Path | str) -> Path:
    """A mapping is a file, or the name of a shipped one (`team-log`, `hootsuite-inbox`...)."""
    path = Path(mapping)
    if path.exists():
        return path
    shipped = MAPPINGS_DIR / f"{path.stem}.toml"
    if path.parent == Path(".") and shipped.exists():
        return shipped
    names = ", ".join(shipped_mappings())
    raise MappingError(f"{mapping}: no such mapping file (shipped mappings: {names})")


def shipped_mappings() -> list[str]:
    return sorted(p.stem for p in MAPPINGS_DIR.glob("*.toml"))


def load_mapping(mapping: Path | str) -> Mapping:
    path = resolve_mapping(mapping)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MappingError(f"{path}: cannot read mapping: {exc}") from exc
    try:
        return Mapping.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        msg = first["msg"].removeprefix("Value error, ")
        raise MappingError(f"{path}: field '{_field_path(first['loc'])}': {msg}") from exc


# ----------------------------------------------------------------------------------------------------
# Reading a sheet: typed cells for .xlsx, strings for .csv; blank rows dropped, sheet row numbers kept.


@dataclass
class Sheet:
    """The data rows of a sheet: `cells` has positional columns and the sheet's row numbers as index."""

    headers: list[str | None]
    cells: pd.DataFrame
    # Reasons found while reading (a formula with no saved result), by sheet row.
    notes: pd.Series
    epoch: datetime | None = None

    @cached_property
    def lookup(self) -> dict[str, int]:
        """Header (trimmed, case-insensitive; the first of equal names wins) → column position."""
        out: dict[str, int] = {}
        for pos, name in enumerate(self.headers):
            if name:
                out.setdefault(_norm(name), pos)
        return out

    def column(self, name: str) -> pd.Series | None:
        pos = self.lookup.get(_norm(name))
        return None if pos is None else self.cells[pos]


def _header(values: Iterable[Any]) -> list[str | None]:
    return [None if v is None or not str(v).strip() else " ".join(str(v).split()) for v in values]


def _drop_blank_rows(cells: pd.DataFrame) -> pd.DataFrame:
    blank = cells.isna() | cells.apply(lambda col: col.astype("string").str.strip().eq("").fillna(False))
    return cells[~blank.all(axis=1)]


def read_csv(path: Path, source: Source) -> Sheet:
    try:
        raw = pd.read_csv(path, header=None, dtype=str, keep_default_na=False, na_filter=False,
                          encoding=source.encoding, sep=source.delimiter, skip_blank_lines=False)
    except UnicodeDecodeError:
        raise SourceError(f"{path}: not {source.encoding} text; set [source] encoding in the mapping "
                          "(e.g. \"cp1252\") or convert the file to UTF-8") from None
    except pd.errors.EmptyDataError:
        raise SourceError(f"{path}: the file is empty (no header row)") from None
    except (pd.errors.ParserError, OSError) as exc:
        raise SourceError(f"{path}: cannot be read as CSV: {str(exc).strip().splitlines()[0]}") from None
    if len(raw) < source.header_row:
        raise SourceError(f"{path}: no header row at row {source.header_row}")
    raw.index = pd.RangeIndex(1, len(raw) + 1)
    headers = _header(raw.loc[source.header_row])
    body = raw.loc[source.header_row + 1:]
    cells = _drop_blank_rows(body.astype(object).where(body.ne(""), None))
    return Sheet(headers, cells, pd.Series(None, index=cells.index, dtype=object))


def _sheet_xml_facts(archive: zipfile.ZipFile, member: str) -> tuple[list[str], list[str]]:
    """Merged ranges and formula cells with no saved result: read-only openpyxl reports neither."""
    merged: list[str] = []
    unsaved: list[str] = []
    with archive.open(member) as fh:
        for _event, elem in ET.iterparse(fh):
            tag = elem.tag
            if tag == f"{SPREADSHEET_NS}c":
                if elem.find(f"{SPREADSHEET_NS}f") is not None and not elem.findtext(f"{SPREADSHEET_NS}v"):
                    unsaved.append(elem.get("r", ""))
            elif tag == f"{SPREADSHEET_NS}row":
                elem.clear()
            elif tag == f"{SPREADSHEET_NS}mergeCell":
                merged.append(elem.get("ref", ""))
    return merged, unsaved


def read_xlsx(path: Path, source: Source, mapped: set[str]) -> Sheet:
    """Read cell values (formulas' saved results, not their text), filling merged cells from their first.

    `mapped` names the columns the mapping reads: only there does a formula with no saved result
    (a sheet written by a program and never opened in Excel) make its row fail.
    """
    from openpyxl import load_workbook
    from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise SourceError(f"{path}: cannot be read as an .xlsx workbook ({exc}); "
                          "an old .xls must be saved as .xlsx first") from None
    try:
        if source.sheet is None:
            ws = wb.worksheets[0]
        elif source.sheet in wb.sheetnames:
            ws = wb[source.sheet]
        else:
            raise SourceError(f"{path}: no sheet named {source.sheet!r} (sheets: {', '.join(wb.sheetnames)})")
        ws.reset_dimensions()  # exporters often write a wrong <dimension>; read every stored row
        header = next(ws.iter_rows(min_row=source.header_row, max_row=source.header_row, values_only=True), ())
        headers = _header(header)
        if not any(headers):
            raise SourceError(f"{path}: sheet {ws.title!r} has no header row at row {source.header_row}")
        # Cells right of the last header name no column: rows are read (and padded) to the header's width.
        data = list(ws.iter_rows(min_row=source.header_row + 1, max_col=len(headers), values_only=True))
        merged, unsaved = _sheet_xml_facts(wb._archive, ws._worksheet_path)  # type: ignore[attr-defined]
        epoch = wb.epoch
    finally:
        wb.close()
    cells = pd.DataFrame(data, dtype=object).reindex(columns=range(len(headers)))
    cells.index = pd.RangeIndex(source.header_row + 1, source.header_row + 1 + len(data))
    for ref in merged:  # a merged cell holds its value in its first cell only
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        if min_row > source.header_row and min_row in cells.index:
            cells.loc[min_row:max_row, min_col - 1:max_col - 1] = cells.at[min_row, min_col - 1]
    mapped_norm = {_norm(c) for c in mapped}
    notes: dict[int, list[str]] = {}
    for coord in unsaved:
        row, col = coordinate_to_tuple(coord)
        if row > source.header_row and col <= len(headers) and (headers[col - 1] or "").casefold() in mapped_norm:
            notes.setdefault(row, []).append(
                f"cell {coord} holds a formula with no saved result: open the file in Excel, save it, "
                "and load it again")
    cells = _drop_blank_rows(cells)
    note_series = pd.Series({r: "\n".join(n) for r, n in notes.items()}, dtype=object)
    return Sheet(headers, cells, note_series.reindex(cells.index), epoch)


def read_sheet(path: Path, mapping: Mapping) -> Sheet:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    if suffix == ".csv":
        return read_csv(path, mapping.source)
    if suffix in {".xlsx", ".xlsm"}:
        return read_xlsx(path, mapping.source, set(mapping.columns()))
    raise SourceError(f"{path}: a mapped source must be .xlsx or .csv, not {suffix or '(no extension)'!r}")


# ----------------------------------------------------------------------------------------------------
# Cell values as text and as times, column by column.


def as_text(raw: pd.Series) -> pd.Series:
    """Cell values as the text a person sees: whole numbers without '.0', TRUE/FALSE as true/false."""
    out = pd.Series(None, index=raw.index, dtype=object)
    kinds = raw.map(type)
    is_str = kinds.eq(str)
    out[is_str] = raw[is_str]
    is_bool = kinds.eq(bool)
    out[is_bool] = raw[is_bool].map({True: "true", False: "false"})
    is_num = kinds.isin([int, float]) & raw.notna()
    if is_num.any():
        num = raw[is_num].astype(float)
        whole = num.mod(1).eq(0) & num.abs().lt(2**53)
        out[whole[whole].index] = num[whole].astype("int64").astype(str)
        out[whole[~whole].index] = num[~whole].astype(str)
    is_dt = kinds.isin([datetime, pd.Timestamp])
    if is_dt.any():
        out[is_dt] = pd.to_datetime(raw[is_dt]).dt.strftime("%Y-%m-%d %H:%M:%S")
    other = raw.notna() & ~(is_str | is_bool | is_num | is_dt)
    out[other] = raw[other].astype(str)
    return out.where(out.astype("string").str.strip().ne("").fillna(False), None)


def as_time(raw: pd.Series, times: Times, zone: str, epoch: datetime | None) -> pd.Series:
    """Cell values as ISO text with the local offset; text that is no time stays as it was, for the
    loader to quarantine with the value in its reason."""
    kinds = raw.map(type)
    is_dt = kinds.isin([datetime, pd.Timestamp, date])
    pieces = [pd.to_datetime(raw[is_dt])]
    is_num = kinds.isin([int, float]) & raw.notna()
    if epoch is not None:  # an Excel date serial in a cell not formatted as a date
        pieces.append(pd.Timestamp(epoch) + pd.to_timedelta(raw[is_num].astype(float), unit="D"))
    text = as_text(raw)
    todo = text.notna() & ~is_dt & ~is_num
    words = text[todo].astype(str).str.strip()
    has_offset = words.str.contains(OFFSET_RE, regex=True)
    naive = words[~has_offset]
    found = pd.to_datetime(naive, format="ISO8601", errors="coerce")
    for fmt in times.formats:
        if found.isna().any():
            found = found.fillna(pd.to_datetime(naive, format=fmt, errors="coerce"))
    pieces.append(found)
    parsed = pd.concat([p.astype("datetime64[ns]") for p in pieces]).reindex(raw.index).dt.round("s")
    local = parsed.dt.tz_localize(zone, ambiguous=np.ones(len(parsed), dtype=bool), nonexistent="shift_forward")
    out = text.copy()
    out[parsed.notna()] = _iso(local[parsed.notna()])
    return out


def _iso(local: pd.Series) -> pd.Series:
    """ISO 8601 with the UTC offset (`strftime` is ~30x slower on large columns)."""
    wall = local.dt.tz_localize(None)
    minutes = (wall - local.dt.tz_convert("UTC").dt.tz_localize(None)) // pd.Timedelta(minutes=1)
    offsets = {m: f"{'-' if m < 0 else '+'}{abs(int(m)) // 60:02d}:{abs(int(m)) % 60:02d}" for m in minutes.unique()}
    return wall.astype(str).str.replace(" ", "T", regex=False).astype(object) + minutes.map(offsets).astype(object)


def _join_per_row(values: pd.Series, sep: str) -> pd.Series:
    """Join each row's strings (the index is the row) in order, once each: column-wise, since a row
    holds only a few (a groupby join would call Python once per row)."""
    if values.empty:
        return pd.Series(dtype=object)
    frame = values.rename("value").rename_axis("row").reset_index().drop_duplicates()
    frame["n"] = frame.groupby("row").cumcount()
    wide = frame.pivot(index="row", columns="n", values="value").astype(object)
    out = wide[0]
    for n in wide.columns[1:]:
        out = out.where(wide[n].isna(), out + sep + wide[n])
    return out


# ----------------------------------------------------------------------------------------------------
# Value maps and the wide-row expansion.


def category_words(policy: Policy | None) -> dict[str, str]:
    """The policy's own labels and codes; without a policy, every preset's (for a dry run)."""
    policies = [policy] if policy is not None else [get_policy(p) for p in available_policies()]
    out: dict[str, str] = {}
    for p in policies:
        for code in p.category_codes:
            out.setdefault(_norm(code), code)
            out.setdefault(_norm(p.category_label(code)), code)
    return out


def _builtin(section: str, policy: Policy | None) -> dict[str, str]:
    if section == "category":
        return category_words(policy)
    if section == "event_type":
        return {**{_norm(label): code for code, label in EVENT_LABELS.items()}, **{c: c for c in EVENT_TYPES}}
    if section == "yes_no":
        return {**{w: "true" for w in TRUE_WORDS}, **{w: "false" for w in FALSE_WORDS}}
    codes = {"platform": PLATFORMS, "channel": CHANNELS, "signposted_to": SIGNPOSTS,
             "protected_characteristic": PROTECTED_CHARACTERISTICS}[section]
    return {c: c for c in codes}


def value_map(mapping: Mapping, section: str, policy: Policy | None) -> dict[str, str]:
    """Normalised word → code(s) ('' for none): the built-in words, then the mapping's own on top."""
    own: dict[str, Any] = getattr(mapping, section)
    words = {_norm(w): ("true" if c is True else "false" if c is False else c) for w, c in own.items()}
    return {**_builtin(section, policy), **words}


@dataclass
class Lookup:
    codes: pd.Series  # per row: code(s) joined by '|', None when blank or mapped to nothing
    unmapped: pd.Series  # long, indexed by row: each word no map covers


def lookup(text: pd.Series, table: dict[str, str], split: str | None) -> Lookup:
    """Map each cell's words. With `split`, a cell that is itself a known word is taken whole first
    (some policies' labels contain the separator), and only the others are split."""
    cells = text.astype("string").str.strip()
    codes = _norm_series(cells).map(table).astype(object)
    present = cells.notna() & cells.ne("")
    if split is None:
        return Lookup(codes.where(present & codes.notna() & codes.ne(""), None),
                      cells[present & codes.isna()].astype(object))
    whole = present & codes.notna()
    words = cells[present & ~whole].str.split(split, regex=False).explode().str.strip()
    words = words[words.notna() & words.ne("")]
    word_codes = _norm_series(words).map(table).astype(object)
    found = pd.concat([codes[whole], word_codes[word_codes.notna()]])
    found = found[found.ne("")].str.split("|").explode()
    per_row = _join_per_row(found, "|").reindex(text.index).astype(object)
    return Lookup(per_row.where(per_row.notna(), None), words[word_codes.isna()].astype(object))


@dataclass
class Expansion:
    events: pd.DataFrame  # canonical columns, `_row`, `_reasons`
    rows: int
    unmapped: pd.DataFrame  # row, label, section, column, value


@dataclass
class _Context:
    sheet: Sheet
    mapping: Mapping
    policy: Policy | None
    zone: str
    problems: list[pd.DataFrame] = field(default_factory=list)
    _texts: dict[str, pd.Series] = field(default_factory=dict)
    _times: dict[str, pd.Series] = field(default_factory=dict)

    def raw(self, column: str) -> pd.Series:
        col = self.sheet.column(column)
        return col if col is not None else pd.Series(None, index=self.sheet.cells.index, dtype=object)

    def text(self, column: str) -> pd.Series:
        if column not in self._texts:
            self._texts[column] = as_text(self.raw(column))
        return self._texts[column]

    def time(self, columns: list[str]) -> pd.Series:
        """The first filled of the columns, as a time."""
        out = pd.Series(None, index=self.sheet.cells.index, dtype=object)
        for column in reversed(columns):
            if column not in self._times:
                self._times[column] = as_time(self.raw(column), self.mapping.time, self.zone, self.sheet.epoch)
            t = self._times[column]
            out = t.where(t.notna(), out)
        return out

    def mapped(self, column: str, section: str, label: str, split: str | None = None) -> pd.Series:
        """Codes for a column's words; an unmapped word is kept as written and recorded as a problem."""
        text = self.text(column)
        found = lookup(text, value_map(self.mapping, section, self.policy), split)
        if len(found.unmapped):
            self.problems.append(pd.DataFrame({
                "row": found.unmapped.index, "label": label, "section": section, "column": column,
                "value": found.unmapped.to_numpy()}))
            bad = found.unmapped.index.unique()
            return found.codes.where(~found.codes.index.isin(bad), text)
        return found.codes


def _field_values(ctx: _Context) -> dict[str, pd.Series]:
    index = ctx.sheet.cells.index
    out: dict[str, pd.Series] = {}
    for name, src in ctx.mapping.fields.items():
        if src.value is not None:
            out[name] = pd.Series(src.value, index=index, dtype=object)
        elif src.column is not None and name in FIELD_MAPS:
            out[name] = ctx.mapped(src.column, FIELD_MAPS[name], name, src.split)
        elif src.column is not None:
            out[name] = ctx.text(src.column)
    return out


def _event_mask(ctx: _Context, spec: EventSpec) -> pd.Series:
    mask = pd.Series(True, index=ctx.sheet.cells.index)
    for cond in spec.when:
        if cond.yes is not None:
            answer = ctx.mapped(cond.yes, "yes_no", cond.yes)
            # An unmapped answer may be a yes: keep the event, so its row's quarantine shows it.
            mask &= answer.notna() & answer.ne("false")
        else:
            filled = ctx.text(cond.column).notna()
            mask &= filled if cond.filled is not None else ~filled
    return mask


def expand(sheet: Sheet, mapping: Mapping, policy: Policy | None, mapping_name: str) -> Expansion:
    """One sheet row → its events, column-wise: each [[events]] entry is one masked frame, stacked."""
    # A dry run without a policy only counts, so the zone it writes times in does not matter.
    zone = mapping.time.zone or (policy.timezone if policy is not None else "UTC")
    ctx = _Context(sheet, mapping, policy, zone)
    values = _field_values(ctx)
    frames = []
    for number, spec in enumerate(mapping.events, start=1):
        if spec.type is not None:
            etype = pd.Series(spec.type, index=sheet.cells.index, dtype=object)
        else:
            etype = ctx.mapped(spec.type_column or "", "event_type", "event_type")
        mask = etype.notna() & _event_mask(ctx, spec)
        needed = NEEDS_FIELD.get(spec.type or "")
        if needed is not None and needed in values:
            mask &= values[needed].notna()
        frame = pd.DataFrame({
            "event_time": ctx.time(spec.time or [mapping.time.column]),
            "event_type": etype,
            **{f: values[f] for f in ("platform", "item_id", *spec.carried) if f in values},
        })[mask]
        frame["_row"] = frame.index.to_numpy(dtype="int64") * ROW_STRIDE + number
        frames.append(frame)
    events = pd.concat(frames)
    problems = (pd.concat(ctx.problems, ignore_index=True) if ctx.problems
                else pd.DataFrame(columns=["row", "label", "section", "column", "value"]))
    reasons = _row_reasons(sheet, problems, mapping_name)
    events["_reasons"] = reasons.reindex(events.index).to_numpy()
    events = events.sort_values("_row").reset_index(drop=True)
    for column in CANONICAL_COLUMNS:
        events[column] = (events[column] if column in events else pd.Series(None, index=events.index)
                          ).astype("string")
    events = events[[*CANONICAL_COLUMNS, "_row", "_reasons"]].astype({"_row": "int64", "_reasons": "string"})
    return Expansion(events, len(sheet.cells), problems)


def _row_reasons(sheet: Sheet, problems: pd.DataFrame, mapping_name: str) -> pd.Series:
    lines = (problems["label"] + " '" + problems["value"].astype(str) + "' is not mapped: add it under ["
             + problems["section"] + "] in " + mapping_name)
    per_row = pd.concat([pd.Series(lines.to_numpy(), index=problems["row"].to_numpy(), dtype=object),
                         sheet.notes.dropna()])
    return _join_per_row(per_row, "\n").reindex(sheet.cells.index)


# ----------------------------------------------------------------------------------------------------
# Entry points.


def _content_hash(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


def read_mapped(path: Path, mapping_path: Path | str, policy: Policy) -> FrameSource:
    """A team sheet or tool export as canonical events, ready for `etl.load.load_sources`.

    Raises MappingError for a bad mapping and SourceError for a file that cannot be read or lacks a
    column the mapping needs (nothing of it loads); row-level problems travel as `_reasons`.
    """
    resolved = resolve_mapping(mapping_path)
    mapping = load_mapping(resolved)
    sheet = read_sheet(path, mapping)
    missing = [c for c, optional in mapping.columns().items() if not optional and sheet.column(c) is None]
    if missing:
        found = ", ".join(repr(h) for h in sheet.headers if h)
        raise SourceError(f"{path}: missing column(s) {', '.join(map(repr, missing))} that {resolved.name} "
                          f"reads (found: {found})")
    result = expand(sheet, mapping, policy, resolved.name)
    return FrameSource(name=str(path), content_hash=_content_hash(path, resolved),
                       format=f"{path.suffix.lower().lstrip('.')} via {resolved.name}", frame=result.events,
                       row_stride=ROW_STRIDE)


@dataclass(frozen=True)
class Unmapped:
    section: str
    column: str
    value: str
    count: int


@dataclass(frozen=True)
class MapCheckReport:
    """What a load would make of a file, without loading it."""

    file: str
    mapping: str
    rows: int
    events: int
    missing_columns: list[str]
    missing_optional: list[str]
    unmapped: list[Unmapped]
    unsaved_formulas: int

    @property
    def ok(self) -> bool:
        return not (self.missing_columns or self.unmapped or self.unsaved_formulas)

    def lines(self) -> Iterator[str]:
        yield f"{self.file} through {self.mapping}: {self.rows} rows, {self.events} events"
        if self.missing_columns:
            yield f"missing columns: {', '.join(map(repr, self.missing_columns))}"
        if self.missing_optional:
            yield f"missing optional columns (left blank): {', '.join(map(repr, self.missing_optional))}"
        if self.unmapped:
            yield "values no map covers (their rows would be quarantined):"
            for u in self.unmapped:
                yield f"  [{u.section}] {u.value!r} in column {u.column!r}: {u.count} row{'s' * (u.count != 1)}"
        if self.unsaved_formulas:
            yield (f"{self.unsaved_formulas} row(s) read a formula with no saved result: open the file in "
                   "Excel and save it")
        if self.ok:
            yield "every column is there and every value is mapped"

    def __str__(self) -> str:
        return "\n".join(self.lines())


def map_check(path: Path, mapping_path: Path | str, policy: Policy | None = None) -> MapCheckReport:
    """A dry run: rows, events, missing columns and every unmapped value with how often it occurs."""
    resolved = resolve_mapping(mapping_path)
    mapping = load_mapping(resolved)
    sheet = read_sheet(path, mapping)
    absent = [(c, optional) for c, optional in mapping.columns().items() if sheet.column(c) is None]
    result = expand(sheet, mapping, policy, resolved.name)
    problems = result.unmapped
    counts = (problems.drop_duplicates(["row", "section", "column", "value"])
              .groupby(["section", "column", "value"]).size().reset_index(name="count")
              .sort_values(["section", "count", "value"], ascending=[True, False, True]))
    return MapCheckReport(
        file=str(path), mapping=resolved.name, rows=result.rows, events=len(result.events),
        missing_columns=[c for c, optional in absent if not optional],
        missing_optional=[c for c, optional in absent if optional],
        unmapped=[Unmapped(str(r.section), str(r.column), str(r.value), int(r.count))
                  for r in counts.itertuples(index=False)],
        unsaved_formulas=int(sheet.notes.notna().sum()),
    )

"""What a mapping file may say, and how one is found and read.

A mapping is validated whole when it is loaded, so a mistake in it is reported once, naming the file
and the dotted field, before any sheet is read; everything downstream can trust its codes and columns.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.vocab import (
    ACCOUNT_EVENTS,
    CHANNELS,
    EVENT_TYPES,
    LINK_EVENTS,
    PLATFORMS,
    PROTECTED_CHARACTERISTICS,
    SIGNPOSTS,
)

# The presets ship as package data of `etl`, beside this package.
MAPPINGS_DIR = Path(__file__).parent.parent / "mappings"
DEFAULT_MAPPING = MAPPINGS_DIR / "team-log.toml"
# A row's events are numbered inside its `_row` (see `expand`), so a mapping gives fewer than this.
ROW_STRIDE = 100

# Fields a mapping may fill from a column or a fixed value; the event's id, time and type come from
# [[events]] instead.
MappableField = Literal["platform", "item_id", "account_id", "channel", "needs_response", "category",
                        "protected_characteristic", "actor", "signposted_to", "rationale", "text",
                        "linked_account_id"]
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
    # A link names the other account (`linked_account_id`, "x:@handle" or a handle on the row's platform:
    # etl.mapping.expand gives it its `linked_platform`), who decided and why.
    **{t: ("account_id", "linked_platform", "linked_account_id", "actor", "rationale") for t in LINK_EVENTS},
}
# A type read from a column may be any decision, a signposting included.
COLUMN_TYPE_FIELDS = (*DECISION_FIELDS, "signposted_to")


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


# Fields whose column may be marked `identifying` (SPEC §7). Accounts and staff are pseudonymised whatever the
# mapping says (staff unless the policy says otherwise); marking them says so where the team reads the file.
# An item id marked identifying (a post link that holds the author's handle) is pseudonymised too.
IDENTIFYING_FIELDS = ("account_id", "actor", "item_id", "linked_account_id")


class FieldSource(_Strict):
    """A source column (a bare string is a column name) or a fixed value for every row; `identifying` marks a
    column that names a person, so its values are stored only as pseudonyms."""

    column: str | None = None
    value: str | None = None
    split: str | None = Field(default=None, min_length=1)
    optional: bool = False
    identifying: bool = False

    @model_validator(mode="before")
    @classmethod
    def _bare_column(cls, data: Any) -> Any:
        return {"column": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _column_or_value(self) -> FieldSource:
        if (self.column is None) == (self.value is None):
            raise ValueError("give either column or value")
        return self


class KeptColumn(_Strict):
    """An extra column of the sheet that the loader keeps in `events.extra` (a bare string is its name); no
    other extra column is stored. `identifying`: its values are stored as pseudonyms."""

    column: str = Field(min_length=1)
    identifying: bool = False

    @model_validator(mode="before")
    @classmethod
    def _bare_column(cls, data: Any) -> Any:
        return {"column": data} if isinstance(data, str) else data


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
    keep: list[KeptColumn] = []
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
        marked = [f for f, s in v.items() if s.identifying and f not in IDENTIFYING_FIELDS]
        if marked:
            raise ValueError(f"identifying is for {', '.join(IDENTIFYING_FIELDS)}, not {', '.join(marked)} "
                             "(message text and rationales are redacted instead)")
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
                key = norm(word)
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
            for col in [*([ev.type_column] if ev.type_column else []), *ev.time]:
                out[col] = False
            for col in (c.column for c in ev.when):  # a missing optional column is a blank one: never filled
                out[col] = out.get(col, False)
        for kept in self.keep:
            out.setdefault(kept.column, True)
        return out

    def identifying(self) -> tuple[str, ...]:
        """The canonical fields and kept columns whose values are stored only as pseudonyms."""
        return (*(f for f, s in self.fields.items() if s.identifying and s.column is not None),
                *(k.column for k in self.keep if k.identifying))

    def fixed_types(self) -> list[str]:
        return [e.type for e in self.events if e.type is not None]


def norm(word: str) -> str:
    """How a team's words and headers are matched, everywhere: trimmed, spaces collapsed, case-insensitive."""
    return " ".join(word.split()).casefold()


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

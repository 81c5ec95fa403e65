"""What an upload would load, before anything is written: the Upload page's preview.

A comms officer uploads whatever they have: the team's workbook, a tool's inbox export, or a log already in
the canonical columns. The file's headers say which (`detect_mapping`), unless the officer chose a mapping.
A mapped file's preview is `map_check`'s report, the same dry run as the command line's `map-check`, with
the organisation's choices for its words laid over the mapping; a canonical log is read by the loader's own
reader, so a file it would refuse is refused here with the same line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from core.policy import Policy
from core.vocab import CANONICAL_COLUMNS
from etl import readers
from etl.mapping import choices as chosen
from etl.mapping.check import MapCheckReport, map_check
from etl.mapping.read import read_mapped
from etl.mapping.schema import ROW_STRIDE, load_mapping, norm, shipped_mappings
from etl.mapping.sheets import read_headers
from etl.sources import FrameSource, SourceError

SHEET_SUFFIXES = {".xlsx", ".xlsm"}


@dataclass(frozen=True)
class Preview:
    """A file as the load would take it: its rows, the events they become, and what needs fixing."""

    file: str
    mapping: str | None  # the shipped mapping it is read through; None for a canonical log
    rows: int
    events: int
    report: MapCheckReport | None = None  # a mapped file's dry run
    # The events, in canonical columns, with the sheet row (`row`) and which of its events (`event`).
    events_table: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.report is None or self.report.ok


def detect_mapping(path: Path) -> str | None:
    """The shipped mapping a file's headers are for (the one with every column it needs, and the most of the
    columns it reads), or None for a canonical log (its own `event_time`, `event_type` and `platform` columns).
    SourceError when neither fits, naming the mappings to choose from."""
    suffix = path.suffix.lower()
    if suffix not in SHEET_SUFFIXES and suffix != ".csv":
        return None  # JSON Lines, Parquet and gzipped logs are canonical or nothing
    fits: list[tuple[int, str]] = []
    for name in shipped_mappings():
        mapping = load_mapping(name)
        headers = {norm(h) for h in read_headers(path, mapping.source)}
        if suffix == ".csv" and {"event_time", "event_type", "platform"} <= headers:
            return None
        needed = mapping.columns()
        if all(norm(c) in headers for c, optional in needed.items() if not optional):
            fits.append((sum(norm(c) in headers for c in needed), name))
    if not fits:
        raise SourceError(f"{path}: its columns are neither a canonical log's (event_time, event_type, platform) "
                          f"nor those of a mapping ({', '.join(shipped_mappings())}); choose the mapping it is for")
    return max(fits)[1]


def preview(path: Path, mapping: str | None, policy: Policy, choices: chosen.Choices | None = None) -> Preview:
    """The preview of one file read through `mapping` (None: a canonical log); `choices` are the organisation's
    meanings for the mapping's words. SourceError or MappingError when the file cannot be read at all."""
    if mapping is None:
        return _canonical(path)
    report = map_check(path, mapping, policy, choices)
    return Preview(str(path), chosen.mapping_name(mapping), report.rows, report.events, report,
                   _numbered(report.events_table, stride=ROW_STRIDE))


def source(path: Path, mapping: str | None, policy: Policy,
           choices: chosen.Choices | None = None) -> Path | FrameSource:
    """What the loader takes for the file: itself for a canonical log, else the file read through its mapping."""
    return path if mapping is None else read_mapped(path, mapping, policy, choices)


def _canonical(path: Path) -> Preview:
    con = duckdb.connect()
    try:
        readers.stage_file(con, path, "preview")
        frame = con.execute("SELECT * FROM preview ORDER BY _row").df()
    finally:
        con.close()
    named = {readers.input_name(c): c for c in frame.columns if readers.input_name(c) is not None}
    canon = {c: frame[named[c]] if c in named else pd.Series(None, index=frame.index, dtype=object)
             for c in CANONICAL_COLUMNS}
    table = pd.DataFrame({**canon, "_row": frame["_row"], "_reasons": frame.get("_pre")})
    return Preview(str(path), None, len(frame), len(frame), None, _numbered(table, stride=1))


def _numbered(events: pd.DataFrame, stride: int) -> pd.DataFrame:
    """The events with the row the person sees (`row`) and which of its events (`event`, for a mapped sheet)."""
    rows = events["_row"].astype("int64")
    return events.assign(row=rows // stride, event=rows % stride if stride > 1 else 1)

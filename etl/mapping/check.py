"""`map_check`: what a load would make of a file, without loading it.

A team fixes its sheet or its mapping before loading: the dry run takes the same path as `read_mapped`
but reports every missing column and every unmapped value with how often it occurs (rows, and the events
those rows would have given), each cell the load could not read by its name (a date typed as text, a formula
with no saved result), and needs no policy. A person fixing a typo wants the word to type, so an unmapped
word is named by its cells and matched against the words the load knows (`suggest`): for a category, the
policy's own wording. The organisation's choices for its words (`choices`) are laid over the mapping first, as
the load lays them. The Upload page's preview is this report (`etl.preview`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl.utils.cell import get_column_letter

from core.policy import Policy
from etl.mapping import choices as chosen
from etl.mapping.cells import as_typed, unread_times
from etl.mapping.expand import expand
from etl.mapping.schema import ROW_STRIDE, Mapping, load_mapping, norm, resolve_mapping
from etl.mapping.sheets import Sheet, read_sheet
from etl.mapping.suggest import offered_words, suggest


@dataclass(frozen=True)
class Unmapped:
    section: str
    column: str
    value: str
    count: int  # rows
    events: int = 0  # the events those rows give, all refused with them
    suggestion: str | None = None  # the known word it is closest to, in the words a person types
    cells: tuple[str, ...] = ()  # where it is, by reference (H6)


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
    unsaved_formulas: int  # rows
    cells: list[str] = field(default_factory=list)  # each cell the load cannot read, named by its reference
    rows_to_fix: int = 0  # rows with any problem above, and the events they give
    events_to_fix: int = 0
    # The events the rows become, as the loader would take them (canonical columns, `_row`, `_reasons`).
    events_table: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not (self.missing_columns or self.unmapped or self.unsaved_formulas or self.cells)

    def lines(self) -> Iterator[str]:
        yield f"{self.file} through {self.mapping}: {self.rows} rows, {self.events} events"
        if self.missing_columns:
            yield f"missing columns: {', '.join(map(repr, self.missing_columns))}"
        if self.missing_optional:
            yield f"missing optional columns (left blank): {', '.join(map(repr, self.missing_optional))}"
        if self.unmapped:
            yield "values no map covers (their rows would be quarantined):"
            for u in self.unmapped:
                guess = f"; did you mean {u.suggestion!r}?" if u.suggestion else ""
                yield (f"  [{u.section}] {u.value!r} in column {u.column!r} ({cells_text(u.cells)}): "
                       f"{_n(u.count, 'row')}, {_n(u.events, 'event')}{guess}")
        if self.cells:
            yield "cells the load cannot read (their events would be quarantined):"
            yield from (f"  {line}" for line in self.cells)
        if self.rows_to_fix:
            yield f"rows to fix before loading: {_n(self.rows_to_fix, 'row')}, {_n(self.events_to_fix, 'event')}"
        if self.ok:
            yield "every column is there and every value is mapped"

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


CELLS_SHOWN = 5  # a word typed on hundreds of rows is named by its first cells


def cells_text(cells: tuple[str, ...]) -> str:
    """Where a word is, as the report and the Upload page name it: "cells H6, H9"."""
    more = f" and {len(cells) - CELLS_SHOWN} more" if len(cells) > CELLS_SHOWN else ""
    return f"cell{'s' * (len(cells) != 1)} {', '.join(cells[:CELLS_SHOWN])}{more}"


def _unread_cells(sheet: Sheet, mapping: Mapping) -> pd.DataFrame:
    """The cells of the time columns the load cannot read, with what to type instead (row, line)."""
    found = []
    columns = dict.fromkeys([mapping.time.column, *(c for e in mapping.events for c in e.time)])
    for column in columns:
        raw = sheet.column(column)
        pos = sheet.lookup.get(norm(column))
        if raw is None or pos is None:
            continue
        for row, text in unread_times(raw, mapping.time, sheet.epoch).items():
            typed = as_typed(str(text), mapping.time)
            fix = f": type it as {typed}" if typed else ": type a date and time, e.g. 03/03/2025 14:30"
            found.append((int(row), f"cell {get_column_letter(pos + 1)}{row} {text!r} in column {column!r} "
                                    f"is not a date the load reads{fix}"))
    return pd.DataFrame(found, columns=["row", "line"])


def map_check(path: Path, mapping_path: Path | str, policy: Policy | None = None,
              choices: chosen.Choices | None = None) -> MapCheckReport:
    """A dry run: rows, events, missing columns, every unmapped value with its cells, how often it occurs and
    the word it is closest to, and every cell the load cannot read, named by its reference. `choices`: the
    organisation's meanings for its words, laid over the mapping as the load lays them."""
    resolved = resolve_mapping(mapping_path)
    mapping = chosen.apply(load_mapping(resolved), choices or {})
    sheet = read_sheet(path, mapping)
    absent = [(c, optional) for c, optional in mapping.columns().items() if sheet.column(c) is None]
    result = expand(sheet, mapping, policy)
    per_row = (result.events["_row"] // ROW_STRIDE).value_counts()  # events per sheet row
    problems = result.unmapped.drop_duplicates(["row", "section", "column", "value"])
    problems = problems.assign(cell=[f"{get_column_letter(sheet.lookup[norm(c)] + 1)}{r}"
                                     for c, r in zip(problems["column"], problems["row"], strict=True)])
    counts = (problems.groupby(["section", "column", "value"])
              .agg(count=("row", "size"), events=("row", lambda rows: int(per_row.reindex(rows).fillna(0).sum())),
                   cells=("cell", tuple))
              .reset_index()
              .sort_values(["section", "count", "value"], ascending=[True, False, True]))
    words = {section: offered_words(mapping, section, policy) for section in counts["section"].unique()}
    formulas = sheet.notes.dropna().str.split("\n").explode()
    cells = pd.concat([_unread_cells(sheet, mapping),
                       pd.DataFrame({"row": formulas.index.astype(int), "line": formulas.to_numpy()})])
    cells = cells.sort_values("row", kind="stable")
    bad_rows = set(problems["row"].astype(int)) | set(cells["row"])
    return MapCheckReport(
        file=str(path), mapping=resolved.name, rows=result.rows, events=len(result.events),
        missing_columns=[c for c, optional in absent if not optional],
        missing_optional=[c for c, optional in absent if optional],
        unmapped=[Unmapped(str(r.section), str(r.column), str(r.value), int(r.count), int(r.events),
                           suggest(str(r.value), words[r.section]), tuple(r.cells))
                  for r in counts.itertuples(index=False)],
        unsaved_formulas=int(sheet.notes.notna().sum()),
        cells=[str(line) for line in cells["line"]],
        rows_to_fix=len(bad_rows),
        events_to_fix=int(per_row.reindex(sorted(bad_rows)).fillna(0).sum()),
        events_table=result.events,
    )

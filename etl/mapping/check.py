"""`map_check`: what a load would make of a file, without loading it.

A team fixes its sheet or its mapping before loading: the dry run takes the same path as `read_mapped`
but reports every missing column and every unmapped value with how often it occurs, and needs no policy.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core.policy import Policy
from etl.mapping.expand import expand
from etl.mapping.schema import load_mapping, resolve_mapping
from etl.mapping.sheets import read_sheet


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

"""A .csv or .xlsx file as a `Sheet`: the raw cells of its data rows, keyed by sheet row number.

Typed cells for .xlsx, strings for .csv; blank rows are dropped and sheet row numbers kept, so a
quarantined row points at the row the team sees. Reading stays apart from interpreting: the mapping's
columns are found by header afterwards, and cell values are converted in `cells`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from etl.mapping.schema import Mapping, Source, norm
from etl.sources import SourceError

SPREADSHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


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
                out.setdefault(norm(name), pos)
        return out

    def column(self, name: str) -> pd.Series | None:
        pos = self.lookup.get(norm(name))
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
    mapped_norm = {norm(c) for c in mapped}
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


def read_headers(path: Path, source: Source) -> list[str]:
    """Only the header row of a .csv or .xlsx file, as `read_sheet` would find it: enough to tell which mapping
    a file is for without reading its rows. Empty when the file has no such row or cannot be read."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            top = pd.read_csv(path, header=None, dtype=str, nrows=source.header_row, keep_default_na=False,
                              encoding=source.encoding, sep=source.delimiter)
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, OSError):
            return []
        values: Iterable[Any] = top.iloc[-1] if len(top) == source.header_row else ()
    elif suffix in {".xlsx", ".xlsm"}:
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
            return []
        try:
            if source.sheet is not None and source.sheet not in wb.sheetnames:
                return []
            ws = wb[source.sheet] if source.sheet is not None else wb.worksheets[0]
            values = next(ws.iter_rows(min_row=source.header_row, max_row=source.header_row, values_only=True), ())
        finally:
            wb.close()
    else:
        return []
    return [h for h in _header(values) if h]

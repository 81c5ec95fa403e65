"""What every download holds: the table an auditor reads, and a record of where its figures came from.

The warehouse speaks in codes and UTC (`G1_removal_without_violation`, `negative_feedback`,
`2026-08-05T14:11:15+00:00`); the pages speak the policy's words and local time. A download is evidence
handed on without the page beside it, so it speaks like the page: plain-English headers, times in the
policy's zone (the zone named in the header), rule, category and action labels instead of codes, and a
record of the organisation, period, filters, as-of time, release and generation time it was made with.

Layout, chosen so that both a spreadsheet and a program open it cleanly:

- CSV (UTF-8 with a BOM, so Excel reads accents and emoji): first the About block, one `"key","value"`
  row each, then one blank line, then the table with its header row. Excel shows the block as two tidy
  columns above the table; a program reads rows up to the first empty one as the block and the rest as
  the table (`pandas.read_csv(..., skiprows=<rows of the block> + 1)`). "# key: value" lines were not
  chosen because the organisation's name has commas: unquoted, Excel splits it over columns, and quoted,
  the lines are no longer comments to a reader that skips `#` lines. Every cell is quoted
  (csv.QUOTE_ALL), so a CR or LF inside a cell stays in that cell and can never start a row; times are
  written `YYYY-MM-DD HH:MM:SS`, which Excel and LibreOffice read as a date and time in any locale.
- Excel: the table on the first sheet (frozen header, filters), times as real date cells (naive local
  datetimes with a number format: Excel has no time zones, the header names the zone), and an `About`
  sheet holding the same block.

In both, a text cell a spreadsheet would run as a formula is made inert (`neutralise`).
"""

from __future__ import annotations

import csv
import io
import math
import numbers
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from core.policy import Policy
from core.vocab import CHANNEL_LABELS, EVENT_LABELS, PLATFORM_LABELS, rule_label
from queries import Scope
from queries.governance import neutralise

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # CSV cells: read as a date and time by spreadsheets in any locale
EXCEL_TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
EXCEL_CELL_LIMIT = 32_767  # characters Excel holds in one cell; a longer text is cut, saying so
# The dashboard's words for the filters' codes (dashboard/charts/style.py has the same two maps; queries
# may not import the dashboard).

# What the Data quality page offers, by name: what the file holds, and the header of each column of the
# named query's frame (a column not listed keeps its name in words, so a new column is never dropped).
# Times there are already local (the queries' `*_local` columns); booleans become Yes/No.
DATA_QUALITY: dict[str, tuple[str, dict[str, str]]] = {
    "loads": ("Loads of this policy's files", {
        "run_id": "Run", "started_local": "Started ({zone} time)", "source_file": "File", "format": "Format",
        "content_hash": "Content hash (SHA-256)", "rows_in": "Rows in", "loaded": "Loaded",
        "quarantined": "Quarantined", "duplicates": "Exact duplicates skipped", "released": "Held rows released",
        "gx_success": "Rows kept passed every check", "seconds": "Took (seconds)", "step_seconds": "Seconds per step",
        "undone_local": "Undone ({zone} time)"}),
    "checks": ("Data-quality check results of each load", {
        "run_id": "Run", "rule": "Check", "expectation": "Expectation", "column_name": "Column",
        "success": "Passed", "element_count": "Rows checked", "unexpected_count": "Rows failing",
        "unexpected_percent": "% failing"}),
    "quarantine": ("Quarantined rows (refused at load) with every reason", {
        "run_id": "Run", "source_file": "File", "row_number": "Row", "event_in_row": "Event in row",
        "reasons": "Why it was refused", "fields": "Fields", "waiting_for_item": "Waiting for its item",
        "raw_row": "Row as read"}),
}

# A deadline as the rule queries write it into a finding's detail.
_UTC_STAMP = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC")
# A run of words separated by ", " (a list of codes, or a single word).
_WORDS = re.compile(r"(?<![\w'])[a-z][a-z_]*(?:, [a-z][a-z_]*)*(?![\w'])")


def release() -> str:
    """The installed modaudit's version: which release's rules and queries made the figures."""
    try:
        return f"modaudit {version('modaudit')}"
    except PackageNotFoundError:
        return "modaudit (version unknown: not installed as a package)"



def code_labels(policy: Policy) -> dict[str, str]:
    """Every code a finding's text may name: the event types and the policy's categories, in its words."""
    return {**EVENT_LABELS, **{code: policy.category_label(code) for code in policy.category_codes}}


def local_time(value: Any, zone: ZoneInfo) -> datetime | None:
    """An instant as naive local time in `zone` (a date cell in Excel, a plain time in a CSV); a naive value
    is taken as UTC, as DuckDB hands TIMESTAMPTZ lists over. Missing values are None."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if not isinstance(value, datetime):
        value = pd.Timestamp(value).to_pydatetime()
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone).replace(tzinfo=None)


def plain_text(text: Any, policy: Policy) -> Any:
    """A finding's detail as an auditor reads it: deadlines in local time with the zone's abbreviation
    ('2026-08-05 17:00 BST', not '16:00 UTC'), and codes as their labels. The detail is written by each
    rule's query from a fixed phrase and codes; a code is replaced where those phrases put one (at the start,
    or in a list after 'codes: ' or 'no '), so an English word that is also a code ('not deleted by') stays.
    Labels in a list are joined with '; ' since a policy's own labels may hold commas."""
    if not isinstance(text, str):
        return text
    zone = ZoneInfo(policy.timezone)
    labels = code_labels(policy)

    def deadline(match: re.Match[str]) -> str:
        local = datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC).astimezone(zone)
        return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"

    def words(match: re.Match[str]) -> str:
        items = match.group(0).split(", ")
        before = text[:match.start()]
        listed = match.start() == 0 or before.endswith((": ", ", ", "(", "no "))
        if listed and all(item in labels for item in items):
            return "; ".join(labels[item] for item in items)
        return ", ".join(labels[item] if "_" in item and item in labels else item for item in items)

    text = _UTC_STAMP.sub(deadline, text)
    text = _WORDS.sub(words, text)
    return text.replace("codes: ", "categories: ")


# ---------------------------------------------------------------- The About block


@dataclass(frozen=True)
class About:
    """Where a download's figures came from: the first block of a CSV, the About sheet of a workbook."""

    contents: str
    organisation: str
    period: str
    platforms: str
    channels: str
    as_of: str
    time_zone: str
    release: str
    generated: str

    def rows(self) -> list[tuple[str, str]]:
        return [("Contents", self.contents), ("Organisation", self.organisation), ("Period", self.period),
                ("Platforms", self.platforms), ("Channels", self.channels), ("As of", self.as_of),
                ("Times", self.time_zone), ("Release", self.release), ("Generated", self.generated)]


def _stamp(value: datetime, zone: ZoneInfo) -> str:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    local = aware.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()}"


def _period(date_from: date | None, date_to: date | None) -> str:
    if date_from is None and date_to is None:
        return "All dates"
    if date_to is None:
        return f"From {date_from:%Y-%m-%d} (message received, local date)"
    if date_from is None:
        return f"Up to {date_to:%Y-%m-%d} (message received, local date)"
    return f"{date_from:%Y-%m-%d} to {date_to:%Y-%m-%d} (message received, local dates, both included)"


def _chosen(codes: tuple[str, ...] | None, labels: Mapping[str, str], every: str) -> str:
    return ", ".join(labels.get(code, code) for code in codes) if codes else every


def about(policy: Policy, scope: Scope | None, as_of: datetime | None, contents: str,
          now: datetime | None = None) -> About:
    """The block for a download of `policy`'s data. `scope` None: the table ignores the page's filters
    (the Data quality tables), and the block says so rather than repeating filters that did not apply."""
    zone = ZoneInfo(policy.timezone)
    unfiltered = "Not filtered (this table ignores the page's filters)"
    return About(
        contents=contents,
        organisation=f"{policy.name} (policy {policy.id})",
        period=unfiltered if scope is None else _period(scope.date_from, scope.date_to),
        platforms=unfiltered if scope is None else _chosen(scope.platforms, PLATFORM_LABELS, "All platforms"),
        channels=unfiltered if scope is None else _chosen(scope.channels, CHANNEL_LABELS, "All channels"),
        as_of="Not given" if as_of is None else _stamp(as_of, zone),
        time_zone=f"Local time in {policy.timezone} (BST or GMT as in force on the day)",
        release=release(),
        generated=_stamp(now or datetime.now(UTC), zone),
    )


# ---------------------------------------------------------------- Tables


def _text(value: Any) -> Any:
    """A missing id (None, NaN, NA) as an empty cell; anything else as it is."""
    return value if isinstance(value, str) else None


def findings_table(df: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Findings (queries.governance FINDING_COLUMNS) as the download shows them: labels for rules, platforms
    and the codes in each detail, the first evidence as a local time (a date cell in Excel) and every
    evidence time local, as text, beside the event ids they belong to; then the auditor's review of each:
    its status, note, reviewer and time, and why it is open again if new evidence reopened it."""
    zone = ZoneInfo(policy.timezone)
    tz = policy.timezone

    def first(times: list[datetime]) -> datetime | None:
        return local_time(min(times), zone) if len(times) else None

    def listed(times: list[datetime]) -> str:
        return "; ".join(f"{local_time(t, zone):{TIME_FORMAT}}" for t in times)

    return pd.DataFrame({
        "Rule": df["rule"].map(rule_label),
        "Item or account": df["subject"],
        "Platform": df["platform"].map(lambda p: PLATFORM_LABELS.get(p, p) if isinstance(p, str) else None),
        "Item ID": df["item_id"].map(_text),
        "Account (pseudonym)": df["account"].map(_text),
        "What was found": df["detail"].map(lambda d: plain_text(d, policy)),
        f"First evidence ({tz} time)": df["evidence_times"].map(first),
        f"Evidence times ({tz} time)": df["evidence_times"].map(listed),
        "Evidence event IDs": df["evidence_event_ids"].map(lambda ids: "; ".join(map(str, ids))),
        "Policy clause": df["clause"],
        "Review status": df["status"],
        "Review note": df["note"].map(_text),
        "Reviewed by": df["reviewer"].map(_text),
        f"Reviewed ({tz} time)": df["reviewed_at"].map(lambda t: local_time(t, zone)),
        "Reopened because": df["reopened"].map(_text),
    }, index=df.index).reset_index(drop=True)


def plain_table(frame: pd.DataFrame, headers: Mapping[str, str], policy: Policy) -> pd.DataFrame:
    """A named query's frame with the given headers ('{zone}' filled in), its columns in their order and any
    other column after them with its name in words; booleans as Yes/No, times as naive datetimes (local
    already: the queries give them in the policy's zone; a zone-aware time is converted to it)."""
    zone = ZoneInfo(policy.timezone)
    names = [c for c in headers if c in frame.columns] + [c for c in frame.columns if c not in headers]
    out: dict[str, pd.Series] = {}
    for name in names:
        column = frame[name]
        header = headers.get(name, name.replace("_", " ").capitalize()).format(zone=policy.timezone)
        if pd.api.types.is_bool_dtype(column) or column.map(lambda v: isinstance(v, bool)).any():
            column = column.map(lambda v: None if v is None or v is pd.NA or v != v else ("Yes" if v else "No"))
        elif isinstance(column.dtype, pd.DatetimeTZDtype):
            column = column.map(lambda v: local_time(v, zone))
        elif pd.api.types.is_datetime64_any_dtype(column):
            column = column.map(lambda v: None if pd.isna(v) else pd.Timestamp(v).to_pydatetime())
        out[header] = column.astype(object)
    return pd.DataFrame(out, index=frame.index).reset_index(drop=True)


# ---------------------------------------------------------------- Writers


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def _csv_cell(value: Any) -> str:
    if _missing(value):
        return ""
    if isinstance(value, datetime):
        return f"{value:{TIME_FORMAT}}"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(neutralise(value)) if isinstance(value, str) else str(value)


def csv_bytes(table: pd.DataFrame, about_block: About) -> bytes:
    """The About block, a blank row and the table, every cell quoted (see the module's docstring)."""
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerows([neutralise(key), neutralise(value)] for key, value in about_block.rows())
    writer.writerow([])
    writer.writerow([neutralise(str(c)) for c in table.columns])
    writer.writerows([_csv_cell(v) for v in row] for row in table.itertuples(index=False, name=None))
    return buf.getvalue().encode("utf-8-sig")


def _excel_text(value: str) -> str:
    """Neutralised, and cut to what one Excel cell holds, saying so (a G8 finding's evidence can be longer)."""
    value = str(neutralise(value))
    if len(value) <= EXCEL_CELL_LIMIT:
        return value
    note = " … (cut: an Excel cell holds 32,767 characters; the CSV download has it all)"
    return value[:EXCEL_CELL_LIMIT - len(note)] + note


def xlsx_bytes(table: pd.DataFrame, about_block: About, sheet_name: str) -> bytes:
    """The table on `sheet_name` (times as date cells) and the About block on a sheet of its own. xlsxwriter is
    told never to turn text into formulas, links or numbers: a cell holds exactly what the table has."""
    import xlsxwriter

    buf = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
               "strings_to_numbers": False}
    with xlsxwriter.Workbook(buf, options) as book:
        bold = book.add_format({"bold": True})
        when = book.add_format({"num_format": EXCEL_TIME_FORMAT})
        sheet = book.add_worksheet(sheet_name)
        widths = [len(str(c)) for c in table.columns]
        for col, header in enumerate(table.columns):
            sheet.write_string(0, col, _excel_text(str(header)), bold)
        for row_no, row in enumerate(table.itertuples(index=False, name=None), 1):
            for col, value in enumerate(row):
                if _missing(value):
                    continue
                if isinstance(value, datetime):
                    sheet.write_datetime(row_no, col, value.replace(tzinfo=None), when)
                    shown = 19
                elif isinstance(value, bool):
                    sheet.write_string(row_no, col, "Yes" if value else "No")
                    shown = 3
                elif isinstance(value, numbers.Real):
                    sheet.write_number(row_no, col, float(value))
                    shown = len(str(value))
                else:
                    text = _excel_text(str(value))
                    sheet.write_string(row_no, col, text)
                    shown = len(text)
                widths[col] = max(widths[col], shown)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, min(width, 60) + 2)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, len(table), max(len(table.columns) - 1, 0))
        info = book.add_worksheet("About")
        info.write_row(0, 0, ["About this file", ""], bold)
        for row_no, (key, value) in enumerate(about_block.rows(), 1):
            info.write_string(row_no, 0, key, bold)
            info.write_string(row_no, 1, _excel_text(value))
        info.set_column(0, 0, 16)
        info.set_column(1, 1, 90)
    return buf.getvalue()


# ---------------------------------------------------------------- Downloads


def findings_bytes(df: pd.DataFrame, policy: Policy, scope: Scope, as_of: datetime | None, suffix: str,
                   now: datetime | None = None) -> bytes:
    """Findings with their evidence as a `.csv` or `.xlsx` file's bytes, with the About block."""
    block = about(policy, scope, as_of, "Governance findings: one row per finding, with the events that prove it",
                  now)
    table = findings_table(df, policy)
    writers: dict[str, Callable[[], bytes]] = {".csv": lambda: csv_bytes(table, block),
                                               ".xlsx": lambda: xlsx_bytes(table, block, "Findings")}
    if suffix.lower() not in writers:
        raise ValueError(f"export to .csv or .xlsx, not {suffix or 'no extension'!r}")
    return writers[suffix.lower()]()


def data_quality_csv(kind: str, frame: pd.DataFrame, policy: Policy, as_of: datetime | None,
                     now: datetime | None = None) -> bytes:
    """A Data quality table (`DATA_QUALITY`: loads, checks or quarantine) as CSV bytes with the About block;
    these tables ignore the page's filters, and the block says so."""
    contents, headers = DATA_QUALITY[kind]
    return csv_bytes(plain_table(frame, headers, policy), about(policy, None, as_of, contents, now))


def write_private(path: Path, payload: bytes) -> Path:
    """Write an export readable by its owner alone (SPEC §7: exports are mode 0600), even where it existed."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(payload)
    os.chmod(path, 0o600)
    return path

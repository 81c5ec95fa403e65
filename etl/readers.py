"""Readers: every source becomes a DuckDB staging table of strings with its own row numbers.

A whole file that cannot be read fails with a SourceError naming the file and why, before anything is
written. Rows are not parsed here: parsing and validation happen set-wise in the loader.

A staged table holds the loader's own columns (`_row`, the row number; `_pre`, a reason the row failed
before validation; `_line`, the raw text of a row that could not be split into fields) beside the input's
columns, each staged as `in:` + its name. Loader columns never start with `in:`, so no input column can take
or forge one, whatever it is called.

DuckDB reads a path as a glob pattern (`log [1].csv` matches `log 1.csv`), so a file is never read by its
own name: it is read through a link (or, gzipped, a decompressed copy) with a plain name in a temporary
folder, and its own name is kept for the warehouse and the messages.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import shutil
import tempfile
import uuid
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TextIO

import duckdb
import pandas as pd

from core.vocab import REQUIRED_COLUMNS
from etl.sources import FrameSource, SourceError

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".parquet": "parquet"}
GZIP_FORMATS = ("csv", "jsonl")  # read like their plain forms when the name ends in .gz
GZIP_MAGIC = b"\x1f\x8b"
GLOB_CHARACTERS = set("*?[]{}")
PREFIX = "in:"  # input column `x` is staged as `in:x`; see the module docstring


def staged_name(name: str) -> str:
    return PREFIX + name


def input_name(staged: str) -> str | None:
    """The input's own name of a staged column; None for the loader's columns."""
    return staged[len(PREFIX):] if staged.startswith(PREFIX) else None


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _compressed(path: Path) -> bool:
    return path.suffix.lower() == ".gz"


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    inner = Path(path.stem).suffix.lower() if _compressed(path) else suffix
    fmt = FORMATS.get(inner)
    if fmt is None or (_compressed(path) and fmt not in GZIP_FORMATS):
        shown = "".join(path.suffixes[-2:]) if _compressed(path) else suffix
        hint = " (a spreadsheet needs --mapping)" if suffix in {".xlsx", ".xls"} else ""
        raise SourceError(f"{path}: unknown format {shown or '(no extension)'!r}{hint}; expected one of "
                          f"{', '.join(sorted(FORMATS))}, or .csv.gz / .jsonl.gz")
    return fmt


def _local_copy(path: Path, folder: Path, fmt: str) -> Path:
    """The file under a plain name DuckDB cannot read as a pattern: a link to it, or its decompressed bytes."""
    local = folder / f"source.{fmt}"
    if GLOB_CHARACTERS & set(str(local)):
        raise SourceError(f"{path}: the temporary folder {folder} has a pattern character in its name; "
                          "set TMPDIR to a plain folder")
    if _compressed(path):
        try:
            with gzip.open(path, "rb") as src, local.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 22)
        except (OSError, EOFError, zlib.error) as exc:
            raise SourceError(f"{path}: not a readable gzip file ({exc})") from None
        return local
    try:
        local.symlink_to(path.resolve())
    except OSError:
        shutil.copyfile(path, local)
    return local


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def _utf8_problem(path: Path, local: Path) -> str | None:
    """Why a text file (`path`, read as `local`) is not usable UTF-8, naming the line, or None. Only run once
    DuckDB has refused the file (DuckDB checks every byte while reading), to find the line for the message."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines_before = 0
    with local.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                line = lines_before + block.count(b"\n", 0, max(exc.start, 0)) + 1
                return (f"{path}: not UTF-8 (invalid byte on line {line}); convert it first, e.g. "
                        f"`iconv -f WINDOWS-1252 -t UTF-8 '{path.name}' > '{path.stem}-utf8{path.suffix}'`")
            lines_before += block.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return f"{path}: not UTF-8 (the file ends inside a character)"
    return None


def _is_blank(path: Path) -> bool:
    with path.open("rb") as fh:
        return all(not block.strip() for block in iter(lambda: fh.read(1 << 22), b""))


MAX_LINE_SIZE = 16 * 1024 * 1024
# The header is read here, not sniffed by DuckDB: a row with more fields than the header must not change
# what the header is taken to be.
CSV_OPTIONS = ("header = true, auto_detect = false, all_varchar = true, delim = ',', quote = '\"', escape = '\"', "
               f"max_line_size = {MAX_LINE_SIZE}")


def _records(fh: TextIO) -> Iterator[tuple[int, str, list[str]]]:
    """(first line, raw text, fields) of each CSV record of an open text file, as DuckDB's options above read
    it; the raw text keeps its line ends."""
    lines: list[str] = []
    consumed = 0

    def feed() -> Iterator[str]:
        for line in fh:
            lines.append(line)
            yield line

    for fields in csv.reader(feed(), delimiter=",", quotechar='"', doublequote=True, strict=False):
        raw = "".join(lines)
        yield consumed + 1, raw, fields
        consumed += len(lines)
        lines.clear()


def _csv_header(path: Path, local: Path) -> list[str]:
    """The header's column names, as DuckDB would name them (an empty name is `column<i>`)."""
    csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE_SIZE))
    try:
        with local.open(encoding="utf-8-sig", newline="") as fh:
            first = next(_records(fh), None)
    except UnicodeDecodeError:
        raise SourceError(_utf8_problem(path, local) or f"{path}: not UTF-8") from None
    if not first or not first[2]:
        raise SourceError(f"{path}: the first line is blank; it must be the header row")
    return [name or f"column{i}" for i, name in enumerate(first[2])]


def check_names(path: Path, names: list[str]) -> None:
    """Refuse a file that names a column twice (after trimming and case folding): which one would be meant?"""
    seen: dict[str, list[str]] = {}
    for name in names:
        seen.setdefault(name.strip().casefold(), []).append(name)
    twice = [" and ".join(repr(n) for n in group) for group in seen.values() if len(group) > 1]
    if twice:
        raise SourceError(f"{path}: a column is named twice (names are trimmed and case-insensitive): "
                          f"{'; '.join(twice)}")


def _scan_csv(path: Path, local: Path, copy: Path, width: int, token: str) -> pd.DataFrame:
    """For a file DuckDB's strict read refused: copy it to `copy` with each row wider than the header replaced
    by a placeholder row (`token` + its number, then empty fields), so DuckDB numbers the rows as before and
    the loader can put the row's own text back; returns the wide rows (token, reason, raw text). A quote never
    closed, or a row over DuckDB's line limit, refuses the file here, naming the line."""
    wide: list[tuple[str, str, str]] = []
    last: tuple[int, str] = (0, "")
    too_long: int | None = None
    try:
        with local.open(encoding="utf-8", newline="") as fh, copy.open("w", encoding="utf-8", newline="") as out:
            for number, (line, raw, fields) in enumerate(_records(fh)):
                last = (line, raw)
                if too_long is None and len(raw.encode()) > MAX_LINE_SIZE:
                    too_long = line
                if number > 0 and len(fields) > width:
                    end = "\r\n" if raw.endswith("\r\n") else "\n"
                    out.write(f"{token}{len(wide)}" + "," * (width - 1) + end)
                    wide.append((f"{token}{len(wide)}", f"row has {len(fields)} fields, the header has {width}",
                                 raw.removesuffix("\n").removesuffix("\r")))
                else:
                    out.write(raw)
    except UnicodeDecodeError:
        raise SourceError(_utf8_problem(path, local) or f"{path}: not UTF-8") from None
    try:
        list(csv.reader([last[1]], strict=True))
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise SourceError(f"{path}: the quote opened in the row on line {last[0]} is never closed") from None
    if too_long is not None:
        raise SourceError(f"{path}: the row on line {too_long} is longer than DuckDB's limit of "
                          f"{MAX_LINE_SIZE // (1024 * 1024)} MB")
    return pd.DataFrame(wide, columns=["token", "reason", "line"])


def _csv_problem(path: Path, exc: duckdb.Error) -> str:
    """DuckDB's refusal in one line: its first line names the line, the next says what is wrong there."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    cause = next((line for line in lines[1:] if not line.startswith("Original Line")), "")
    return f"{path}: cannot be read as CSV: {lines[0]}{': ' + cause if cause else ''}"


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path, local: Path, table: str) -> None:
    """Read as strings, in file order; rows are numbered by a view over the table, not by copying it.
    The parallel reader is tried first, strict: a file it refuses (a row short of fields needs `null_padding`,
    which it cannot combine with line breaks inside quotes; a row with more fields than the header) is
    scanned here and read again by the single-threaded one, its wide rows kept whole for the quarantine."""
    names = _csv_header(path, local)
    check_names(path, names)
    columns = "{" + ", ".join(f"{sql_string(staged_name(n))}: 'VARCHAR'" for n in names) + "}"

    def read(source: Path, options: str) -> None:
        con.execute(f"CREATE TEMP TABLE {table}_raw AS SELECT * FROM read_csv($p, {CSV_OPTIONS}, "
                    f"columns = {columns}, {options})", {"p": str(source)})

    try:
        read(local, "parallel = true, null_padding = false")
    except duckdb.Error:
        token = f"modaudit-wide-row-{uuid.uuid4().hex}-"
        copy = local.with_name("rows.csv")
        wide = _scan_csv(path, local, copy, len(names), token)  # noqa: F841  (read by DuckDB below)
        try:
            read(copy, "parallel = false, null_padding = true")
        except duckdb.Error as exc:
            raise SourceError(_utf8_problem(path, local) or _csv_problem(path, exc)) from None
        first = quote_ident(staged_name(names[0]))
        con.execute(f"CREATE TEMP TABLE {table}_wide AS SELECT r.rowid + 1 AS _row, w.reason, w.line "
                    f"FROM {table}_raw r JOIN wide w ON r.{first} = w.token")
        con.execute(
            f"""CREATE TEMP VIEW {table} AS
            SELECT r.rowid + 1 AS _row, w.reason AS _pre, w.line AS _line,
                   r.* REPLACE (CASE WHEN w._row IS NULL THEN r.{first} END AS {first})
            FROM {table}_raw r LEFT JOIN {table}_wide w ON w._row = r.rowid + 1""")
        return
    con.execute(f"CREATE TEMP VIEW {table} AS SELECT rowid + 1 AS _row, NULL::VARCHAR AS _pre, "
                f"NULL::VARCHAR AS _line, * FROM {table}_raw")


_IS_OBJECT = "coalesce(CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' END, false)"


def _stage_jsonl(con: duckdb.DuckDBPyConnection, path: Path, local: Path, table: str) -> None:
    """One JSON object per line; a broken line stays a row (its `_pre` says why, `_line` holds it) for the
    quarantine."""
    con.execute(
        f"""CREATE TEMP TABLE {table}_lines AS
        SELECT n AS _row, rtrim(line, chr(13)) AS line FROM (
            SELECT unnest(l) AS line, unnest(generate_series(1, len(l))) AS n
            FROM (SELECT string_split(content, chr(10)) AS l FROM read_text($p)))
        WHERE trim(rtrim(line, chr(13))) <> ''""",
        {"p": str(local)},
    )
    keys = [r[0] for r in con.execute(
        f"SELECT DISTINCT unnest(json_keys(CASE WHEN {_IS_OBJECT} THEN line END)) FROM {table}_lines "
        "ORDER BY 1").fetchall()]
    check_names(path, keys)
    cols = ", ".join(f"CASE WHEN ok THEN json_extract_string(line, ?) END AS {quote_ident(staged_name(k))}"
                     for k in keys)
    params = ["$." + _json_key(k) for k in keys]
    con.execute(
        f"""CREATE TEMP TABLE {table} AS
        SELECT _row, CASE WHEN NOT ok THEN 'line is not a JSON object: ' || left(line, 80) END AS _pre,
               CASE WHEN NOT ok THEN line END AS _line {', ' + cols if cols else ''}
        FROM (SELECT *, {_IS_OBJECT} AS ok
              FROM {table}_lines)""",
        params,
    )
    con.execute(f"DROP TABLE {table}_lines")
    if con.execute(f"SELECT bool_and(_line IS NOT NULL) FROM {table}").fetchone() == (True,):
        raise SourceError(f"{path}: no line is a JSON object; is this JSON Lines?")


def _nested(duckdb_type: str) -> bool:
    return duckdb_type.endswith("]") or duckdb_type.startswith(("STRUCT", "MAP", "UNION"))


def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, local: Path, table: str) -> None:
    """Every column as a string; a nested one (a list, a struct, a map) as its JSON text. Rows are numbered by
    a view over the table in file order, not by `file_row_number`, which an input column may be called."""
    described = con.execute("DESCRIBE SELECT * FROM read_parquet($p)", {"p": str(local)}).fetchall()
    check_names(path, [r[0] for r in described])
    cols = ", ".join(
        (f"CAST(to_json({quote_ident(n)}) AS VARCHAR)" if _nested(t) else f"CAST({quote_ident(n)} AS VARCHAR)")
        + f" AS {quote_ident(staged_name(n))}" for n, t, *_ in described)
    con.execute(f"CREATE TEMP TABLE {table}_raw AS SELECT {cols} FROM read_parquet($p)", {"p": str(local)})
    con.execute(f"CREATE TEMP VIEW {table} AS SELECT rowid + 1 AS _row, NULL::VARCHAR AS _pre, "
                f"NULL::VARCHAR AS _line, * FROM {table}_raw")


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _json_key(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def stage_file(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> tuple[str, str]:
    """Stage one file as `table`; returns (format, content hash). A gzipped file's content is what it holds
    decompressed, so it has the hash of its plain form."""
    fmt = detect_format(path)
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    text = fmt in {"csv", "jsonl"}
    stager = {"csv": _stage_csv, "jsonl": _stage_jsonl, "parquet": _stage_parquet}[fmt]
    with tempfile.TemporaryDirectory(prefix="modaudit-") as folder:
        local = _local_copy(path, Path(folder), fmt)
        if text and _is_gzip(local):
            raise SourceError(f"{path}: the file is gzip-compressed; name it {path.name}.gz to load it")
        if text and _is_blank(local):
            raise SourceError(f"{path}: the file is empty (no header row)")
        with ThreadPoolExecutor(1) as pool:  # hashing runs on the other core while DuckDB reads (both free the GIL)
            digest = pool.submit(file_hash, local)
            try:
                stager(con, path, local, table)
            except duckdb.Error as exc:
                problem = _utf8_problem(path, local) if text else None
                first_line = str(exc).strip().splitlines()[0].replace(str(local), path.name)
                raise SourceError(problem or f"{path}: cannot be read as {fmt.upper()}: {first_line}") from None
            content_hash = digest.result()
    check_columns(con, path, table)
    return fmt, content_hash


def stage_frame(con: duckdb.DuckDBPyConnection, source: FrameSource, table: str) -> None:
    """A mapped frame's `_row` and `_reasons` (see etl.sources.FrameSource) are the loader's; the rest are its
    columns."""
    frame = source.frame  # noqa: F841  (read by DuckDB's replacement scan below)
    names = [str(c) for c in source.frame.columns if c not in ("_row", "_reasons")]
    pre = "CAST(_reasons AS VARCHAR)" if "_reasons" in source.frame.columns else "NULL::VARCHAR"
    cols = "".join(f", {quote_ident(n)} AS {quote_ident(staged_name(n))}" for n in names)
    con.execute(f"CREATE TEMP TABLE {table} AS SELECT CAST(_row AS BIGINT) AS _row, {pre} AS _pre, "
                f"NULL::VARCHAR AS _line{cols} FROM frame")
    check_columns(con, Path(source.name), table)


def check_columns(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> None:
    given = [n for r in con.execute(f"DESCRIBE {table}").fetchall() if (n := input_name(r[0])) is not None]
    check_names(path, given)
    names = {n.strip().lower() for n in given}
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise SourceError(f"{path}: missing required column(s) {', '.join(missing)} "
                          f"(found: {', '.join(sorted(names)[:12])})")

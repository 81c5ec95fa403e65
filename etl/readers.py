"""Readers: every source becomes a DuckDB staging table of strings with its own row numbers.

A whole file that cannot be read fails with a SourceError naming the file and why, before anything is
written. Rows are not parsed here: parsing and validation happen set-wise in the loader.
"""

from __future__ import annotations

import codecs
import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

from core.vocab import REQUIRED_COLUMNS
from etl.sources import FrameSource, SourceError

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".parquet": "parquet"}


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def detect_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        hint = " (a spreadsheet needs --mapping)" if path.suffix.lower() in {".xlsx", ".xls"} else ""
        raise SourceError(f"{path}: unknown format {path.suffix or '(no extension)'!r}{hint}; "
                          f"expected one of {', '.join(sorted(FORMATS))}")
    return fmt


def _utf8_problem(path: Path) -> str | None:
    """Why a text file is not usable UTF-8, naming the line, or None. Only run once DuckDB has refused the
    file (DuckDB checks every byte while reading), to find the line for the message."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines_before = 0
    with path.open("rb") as fh:
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


CSV_OPTIONS = ("header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', "
               "max_line_size = 16777216")


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> None:
    """Read as strings, in file order; rows are numbered by a view over the table, not by copying it.
    The parallel reader is tried first; a file it refuses (a row short of fields needs `null_padding`, which
    it cannot combine with line breaks inside quotes) is read again by the single-threaded one."""
    sql = f"CREATE TEMP TABLE {table}_raw AS SELECT * FROM read_csv($p, {CSV_OPTIONS}, {{}})"
    try:
        con.execute(sql.format("parallel = true, null_padding = false"), {"p": str(path)})
    except duckdb.Error:
        con.execute(sql.format("parallel = false, null_padding = true"), {"p": str(path)})
    con.execute(f"CREATE TEMP VIEW {table} AS SELECT rowid + 1 AS _row, * FROM {table}_raw")


_IS_OBJECT = "coalesce(CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' END, false)"


def _stage_jsonl(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> None:
    """One JSON object per line; a broken line stays a row (its `_json_error` says why) for the quarantine."""
    con.execute(
        f"""CREATE TEMP TABLE {table}_lines AS
        SELECT n AS _row, rtrim(line, chr(13)) AS line FROM (
            SELECT unnest(l) AS line, unnest(generate_series(1, len(l))) AS n
            FROM (SELECT string_split(content, chr(10)) AS l FROM read_text($p)))
        WHERE trim(rtrim(line, chr(13))) <> ''""",
        {"p": str(path)},
    )
    keys = [r[0] for r in con.execute(
        f"SELECT DISTINCT unnest(json_keys(CASE WHEN {_IS_OBJECT} THEN line END)) FROM {table}_lines "
        "ORDER BY 1").fetchall()]
    cols = ", ".join(f"CASE WHEN ok THEN json_extract_string(line, ?) END AS {quote_ident(k)}" for k in keys)
    params = ["$." + _json_key(k) for k in keys]
    con.execute(
        f"""CREATE TEMP TABLE {table} AS
        SELECT _row, CASE WHEN NOT ok THEN 'line is not a JSON object: ' || left(line, 80) END AS _json_error,
               {cols + ',' if cols else ''} line AS _line
        FROM (SELECT *, {_IS_OBJECT} AS ok
              FROM {table}_lines)""",
        params,
    )
    con.execute(f"DROP TABLE {table}_lines")


def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> None:
    names = [r[0] for r in con.execute("SELECT name FROM parquet_schema($p) WHERE name <> 'schema'",
                                       {"p": str(path)}).fetchall()]
    cols = ", ".join(f"CAST({quote_ident(n)} AS VARCHAR) AS {quote_ident(n)}" for n in names)
    con.execute(
        f"CREATE TEMP TABLE {table} AS SELECT file_row_number + 1 AS _row, {cols} "
        "FROM read_parquet($p, file_row_number = true)",
        {"p": str(path)},
    )


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _json_key(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def stage_file(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> tuple[str, str]:
    """Stage one file as `table`; returns (format, content hash)."""
    fmt = detect_format(path)
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    text = fmt in {"csv", "jsonl"}
    if text and _is_blank(path):
        raise SourceError(f"{path}: the file is empty (no header row)")
    stager = {"csv": _stage_csv, "jsonl": _stage_jsonl, "parquet": _stage_parquet}[fmt]
    with ThreadPoolExecutor(1) as pool:  # hashing runs on the other core while DuckDB reads (both free the GIL)
        digest = pool.submit(file_hash, path)
        try:
            stager(con, path, table)
        except duckdb.Error as exc:
            problem = _utf8_problem(path) if text else None
            first_line = str(exc).strip().splitlines()[0]
            raise SourceError(problem or f"{path}: cannot be read as {fmt.upper()}: {first_line}") from None
    check_columns(con, path, table)
    return fmt, digest.result()


def stage_frame(con: duckdb.DuckDBPyConnection, source: FrameSource, table: str) -> None:
    frame = source.frame  # noqa: F841  (read by DuckDB's replacement scan below)
    con.execute(f"CREATE TEMP TABLE {table} AS SELECT * FROM frame")
    check_columns(con, Path(source.name), table)


def check_columns(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> None:
    names = {r[0].strip().lower() for r in con.execute(f"DESCRIBE {table}").fetchall()}
    if "_json_error" in names and not (set(REQUIRED_COLUMNS) & names):
        if con.execute(f"SELECT bool_and(_json_error IS NOT NULL) FROM {table}").fetchone() == (True,):
            raise SourceError(f"{path}: no line is a JSON object; is this JSON Lines?")
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise SourceError(f"{path}: missing required column(s) {', '.join(missing)} "
                          f"(found: {', '.join(sorted(n for n in names if not n.startswith('_'))[:12])})")

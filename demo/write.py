"""Writing a generated log to a file, in the three formats the loader reads.

Every column is written as text, as a real export would be, so the loader's parsing is what gets tested.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq


def write_log(frame: pd.DataFrame, out: Path) -> None:
    """Write a log as `.csv`, `.jsonl` or `.parquet` by suffix, every column as text, missing as empty/absent.

    CSV goes through Arrow's writer, which quotes every value and is much faster than DuckDB's on a large log.
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.cast(pa.schema([pa.field(name, pa.large_string()) for name in table.column_names]))
    suffix = out.suffix.lower()
    if suffix == ".csv":
        pa_csv.write_csv(table, out)
    elif suffix == ".jsonl":
        _write_jsonl(table, out)
    elif suffix == ".parquet":
        pq.write_table(table, out)
    else:
        raise ValueError(f"{out}: unknown format {suffix or '(no extension)'!r}; expected .csv, .jsonl or .parquet")


def _write_jsonl(table: pa.Table, out: Path) -> None:
    """One JSON object per line, leaving out missing keys; DuckDB's to_json does the escaping."""
    def key(name: str) -> str:
        return "'" + json.dumps(name).replace("'", "''") + ":'"

    def ident(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    fields = ", ".join(f"CASE WHEN {ident(n)} IS NOT NULL THEN {key(n)} || to_json({ident(n)}) END"
                       for n in table.column_names)
    con = duckdb.connect()
    try:
        con.register("log", table)
        lines = con.sql(f"SELECT '{{' || concat_ws(',', {fields}) || '}}' FROM log").to_arrow_table().column(0)  # noqa: S608
    finally:
        con.close()
    with out.open("w", encoding="utf-8", newline="\n") as fh:
        for chunk in lines.chunks:
            fh.writelines(line + "\n" for line in chunk.to_pylist())

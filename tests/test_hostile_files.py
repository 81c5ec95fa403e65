"""SPEC §1, added after hostile users: file names that look like patterns, gzip, rows wider than their header,
headers naming a column twice, input columns named like the loader's own, nested Parquet columns."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from core.policy import get_policy
from core.vocab import CANONICAL_COLUMNS
from core.warehouse import reader
from etl import readers
from etl.load import LoadResult, load_sources
from tests.conftest import TEST_NOW, canonical_csv, ev, msg

TABLES = ("events", "items", "quarantine", "load_runs", "load_files", "validation_results")
BASE = [msg("1", "2025-03-03T10:00:00Z"), ev("r1", "response_sent", "1", "2025-03-03T11:00:00Z", actor="Sam")]
OTHER = [msg("5", "2025-03-04T10:00:00Z"), ev("r5", "response_sent", "5", "2025-03-04T11:00:00Z"),
         ev("h5", "hidden", "5", "2025-03-04T12:00:00Z", category="abuse")]


def load(db: Path, *paths: Path, keep: tuple[str, ...] = ()) -> tuple[LoadResult, list[str]]:
    return load_sources(db, get_policy("cntw"), list(paths), now=TEST_NOW, keep_columns=keep)


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with reader(db) as con:
        return con.execute(sql).fetchall()


def snapshot(db: Path) -> dict[str, list[str]]:
    return {t: sorted(map(repr, rows(db, f"SELECT * FROM {t}"))) for t in TABLES}


def counts(result: LoadResult) -> tuple[int, int, int, int]:
    assert result.rows_in == result.loaded + result.quarantined + result.duplicates
    return result.rows_in, result.loaded, result.quarantined, result.duplicates


def refused(db: Path, path: Path, *words: str) -> None:
    """Loading `path` after BASE fails that file in one line naming it and `words`, and changes nothing."""
    before = snapshot(db)
    result, errors = load(db, path)
    assert len(errors) == 1 and "\n" not in errors[0] and str(path) in errors[0], errors
    assert all(w in errors[0] for w in words), errors[0]
    assert result.failed_files == [str(path)] and result.rows_in == 0
    assert snapshot(db) == before


@pytest.fixture
def based(db: Path, tmp_path: Path) -> Path:
    """A warehouse holding BASE, for the refusals to leave as it was."""
    first = tmp_path / "base.csv"
    first.write_text(canonical_csv(BASE))
    assert counts(load(db, first)[0]) == (2, 2, 0, 0)
    return db


@pytest.mark.parametrize("name, sibling", [("log [1].csv", "log 1.csv"), ("day*.csv", "day1.csv"),
                                           ("what?.csv", "whatx.csv")])
def test_a_path_names_exactly_one_file(db: Path, tmp_path: Path, name: str, sibling: str) -> None:
    (tmp_path / sibling).write_text(canonical_csv(BASE))
    path = tmp_path / name
    path.write_text(canonical_csv(OTHER))
    result, errors = load(db, path)
    assert errors == [] and counts(result) == (3, 3, 0, 0)
    assert rows(db, "SELECT source_file, format, content_hash, rows_in FROM load_files") == [
        (name, "csv", hashlib.sha256(path.read_bytes()).hexdigest(), 3)]  # the name, not the path (SPEC §7)
    assert rows(db, "SELECT DISTINCT source_file FROM events") == [(name,)]
    assert rows(db, "SELECT event_id FROM events ORDER BY 1") == [("h5",), ("m-facebook-5",), ("r5",)]


def test_gzipped_csv_and_jsonl_load_like_their_plain_forms(db: Path, tmp_path: Path) -> None:
    plain = canonical_csv(OTHER)
    csv_gz = tmp_path / "log.csv.gz"
    csv_gz.write_bytes(gzip.compress(plain.encode()))
    jsonl_gz = tmp_path / "more.jsonl.gz"
    lines = [json.dumps({k: v for k, v in r.items() if v is not None}) for r in BASE]
    jsonl = ("\n".join(lines) + "\n").encode()
    jsonl_gz.write_bytes(gzip.compress(jsonl))
    result, errors = load(db, csv_gz, jsonl_gz)
    assert errors == [] and counts(result) == (5, 5, 0, 0)
    assert rows(db, "SELECT source_file, format, content_hash, rows_in FROM load_files ORDER BY 1") == [
        (csv_gz.name, "csv", hashlib.sha256(plain.encode()).hexdigest(), 3),
        (jsonl_gz.name, "jsonl", hashlib.sha256(jsonl).hexdigest(), 2)]
    # The same rows again, plain: nothing is added.
    again = tmp_path / "log.csv"
    again.write_text(plain)
    assert counts(load(db, again)[0]) == (3, 0, 0, 3)


@pytest.mark.parametrize("name", ["hidden.csv", "hidden.jsonl"])
def test_gzip_behind_a_plain_name_is_named_as_gzip(based: Path, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(gzip.compress(canonical_csv(OTHER).encode()))
    refused(based, path, "gzip", f"{name}.gz")


def test_a_broken_gzip_is_refused_in_one_line(based: Path, tmp_path: Path) -> None:
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(gzip.compress(canonical_csv(OTHER).encode())[:40])
    refused(based, path, "gzip")


def csv_line(values: list[str]) -> str:
    return ",".join(values) + "\n"


def test_a_row_wider_than_its_header_is_quarantined_on_its_own(db: Path, tmp_path: Path) -> None:
    """An unquoted comma in the text: the row is quarantined whole; the rows around it load, the header is read
    as it is, and the row numbers are the file's own. Its text is withheld (SPEC §7): which of its fields is
    the account cannot be told."""
    good = canonical_csv([*BASE, msg("2", "2025-03-03T12:00:00Z", text="fine")])
    header, first, second, third = good.splitlines(keepends=True)
    wide = csv_line(["m-3", "2025-03-03T13:00:00Z", "message_received", "facebook", "3", "acct1", "comment",
                     "true", "", "", "", "", "", "hello, you, there"])  # 14 canonical values, the last split in 3
    path = tmp_path / "wide.csv"
    path.write_text(header + wide + first + second + wide.replace("m-3", "m-4") + third)
    result, errors = load(db, path)
    assert errors == [] and counts(result) == (5, 3, 2, 0)
    withheld = {"line": None, "withheld": "not split into fields: see the file"}
    assert [(n, r, json.loads(raw)) for n, r, raw in rows(
        db, "SELECT row_number, reasons, raw_row FROM quarantine ORDER BY row_number")] == [
        (1, ["row has 16 fields, the header has 14"], withheld),
        (4, ["row has 16 fields, the header has 14"], withheld)]
    assert rows(db, "SELECT row_number, event_id, text FROM events ORDER BY row_number") == [
        (2, "m-facebook-1", None), (3, "r1", None), (5, "m-facebook-2", "fine")]
    # Loading it again adds nothing: the wide rows are exact duplicates of what the quarantine holds.
    assert counts(load(db, path)[0]) == (5, 0, 0, 5)


def test_a_wide_row_with_line_breaks_in_quotes_is_one_row(db: Path, tmp_path: Path) -> None:
    good = canonical_csv([*BASE, msg("2", "2025-03-03T12:00:00Z", text="two\nlines")])
    wide = '"m-3",2025-03-03T13:00:00Z,message_received,facebook,3,a,comment,true,,,,,,"a\nb",extra\n'
    path = tmp_path / "wide.csv"
    path.write_text(good + wide)
    result, errors = load(db, path)
    assert errors == [] and counts(result) == (4, 3, 1, 0)
    assert rows(db, "SELECT row_number, reasons, raw_row->>'withheld' FROM quarantine") == [
        (4, ["row has 15 fields, the header has 14"], "not split into fields: see the file")]


def test_an_unterminated_quote_is_refused_naming_its_line(based: Path, tmp_path: Path) -> None:
    good = canonical_csv(OTHER)
    path = tmp_path / "quote.csv"
    path.write_text(good + '"m-9,2025-03-03T13:00:00Z,message_received,facebook,9\n' + csv_line(["x"] * 14))
    refused(based, path, "quote", "line 5")


def test_a_row_over_the_line_limit_is_refused_naming_its_line(based: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    limit = 4096
    monkeypatch.setattr(readers, "MAX_LINE_SIZE", limit)
    monkeypatch.setattr(readers, "CSV_OPTIONS", readers.CSV_OPTIONS.replace(str(16 * 1024 * 1024), str(limit)))
    path = tmp_path / "long.csv"
    path.write_text(canonical_csv([*OTHER, msg("9", "2025-03-03T13:00:00Z", text="x" * 5000)]))
    refused(based, path, "line 5", "limit")


@pytest.mark.parametrize("header, named", [
    ("event_type", ["'event_type' and 'event_type'"]),
    ("EVENT_TIME", ["'event_time' and 'EVENT_TIME'"]),
    ("text ", ["'text' and 'text '"]),
])
def test_a_header_naming_a_column_twice_is_refused(based: Path, tmp_path: Path, header: str,
                                                   named: list[str]) -> None:
    text = canonical_csv(OTHER)
    first, rest = text.split("\n", 1)
    path = tmp_path / "twice.csv"
    path.write_text(f"{first},{header}\n" + "".join(line + ",x\n" for line in rest.splitlines()))
    refused(based, path, "named twice", *named)


def test_jsonl_keys_naming_a_column_twice_are_refused(based: Path, tmp_path: Path) -> None:
    path = tmp_path / "twice.jsonl"
    lines = [json.dumps({k: v for k, v in r.items() if v is not None}) for r in OTHER]
    path.write_text("\n".join([*lines, json.dumps({**OTHER[0], "Event_Type": "hidden"})]) + "\n")
    refused(based, path, "named twice", "'Event_Type' and 'event_type'")


LOADER_LIKE = ("_reasons", "_json_error", "_row", "_line", "_id", "_source", "_src", "_pre", "_extra",
               "_released_from", "in:event_id", "file_row_number")


def test_input_columns_named_like_the_loaders_own_are_just_extra_columns(db: Path, tmp_path: Path) -> None:
    frame = pd.DataFrame([*BASE, msg("2", "2025-03-03T12:00:00Z")])
    frame = frame.reindex(columns=list(CANONICAL_COLUMNS)).astype("string")
    for n, name in enumerate(LOADER_LIKE):
        frame[name] = [f"forged {name}", "99", "" if n % 2 else None]
    outputs = {"csv": tmp_path / "odd.csv", "jsonl": tmp_path / "odd.jsonl", "parquet": tmp_path / "odd.parquet"}
    frame.to_csv(outputs["csv"], index=False)
    frame.to_json(outputs["jsonl"], orient="records", lines=True)
    frame.to_parquet(outputs["parquet"])
    for fmt, path in outputs.items():
        other = db.with_name(f"{fmt}.duckdb")
        result, errors = load(other, path, keep=LOADER_LIKE)  # extra columns are stored only when named
        assert errors == [] and counts(result) == (3, 3, 0, 0), (fmt, errors)
        extra = json.loads(rows(other, "SELECT extra FROM events WHERE event_id = 'm-facebook-1'")[0][0])
        assert extra["_reasons"] == "forged _reasons" and extra["_row"] == "forged _row", fmt
        assert set(LOADER_LIKE) <= set(extra), fmt
        assert rows(other, "SELECT row_number FROM events ORDER BY 1") == [(1,), (2,), (3,)]


def test_a_forged_reason_column_does_not_quarantine_and_a_real_failure_keeps_its_own(db: Path,
                                                                                      tmp_path: Path) -> None:
    text = canonical_csv([*BASE, ev("x", "hidden", "1", "2025-03-03T12:00:00Z", platform="myspace")])
    first, *rest = text.splitlines()
    path = tmp_path / "forged.csv"
    path.write_text("\n".join([f"{first},_reasons,_json_error", *(f"{line},forged,forged" for line in rest)]) + "\n")
    result, errors = load(db, path, keep=("_reasons", "_json_error"))
    assert errors == [] and counts(result) == (3, 2, 1, 0)
    assert rows(db, "SELECT row_number, reasons FROM quarantine") == [(3, ["platform: unknown value 'myspace'"])]
    raw = json.loads(rows(db, "SELECT raw_row FROM quarantine")[0][0])
    assert (raw["_reasons"], raw["_json_error"], raw["platform"]) == ("forged", "forged", "myspace")


def test_parquet_with_nested_columns_loads_them_as_json_text(db: Path, tmp_path: Path) -> None:
    frame = pd.DataFrame(OTHER).reindex(columns=list(CANONICAL_COLUMNS)).astype("string")
    frame["tags"] = [["urgent", "staff"], [], None]
    frame["meta"] = [{"source": "inbox", "n": 1}, {"source": "api", "n": 2}, None]
    path = tmp_path / "nested.parquet"
    frame.to_parquet(path)
    result, errors = load(db, path, keep=("tags", "meta"))
    assert errors == [] and counts(result) == (3, 3, 0, 0)
    extras = [json.loads(e) for (e,) in rows(db, "SELECT extra FROM events ORDER BY row_number")]
    assert [(e["tags"], e["meta"]) for e in extras] == [
        ('["urgent","staff"]', '{"source":"inbox","n":1}'), ("[]", '{"source":"api","n":2}'), (None, None)]

"""The pseudonym key (SPEC §7): at least 32 bytes, recognised by the warehouse from its fingerprint so a load
with another key is refused before it splits every account's history, and the files that hold pseudonyms or
the key readable by their owner alone. Expected fingerprints are computed here with `hmac`, not by the code
under test."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import warehouse
from etl.pseudonym import KEY_ENV, PseudonymKeyError, check_key, key_path, load_key
from tests.conftest import TEST_KEY, msg, query
from tests.test_cli_failures import modaudit, one_line, write_log
from tests.test_load import snapshot

OTHER_KEY = "a-different-key-also-32-bytes-ok"


def expected_fingerprint(key: str | bytes) -> str:
    raw = key.encode() if isinstance(key, str) else key
    return hmac.new(raw, b"modaudit key fingerprint v1", hashlib.sha256).hexdigest()


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The usual 022, so a 0600 file shows the code made it so; the test process's own umask is put back."""
    was = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(was)


def test_the_test_keys_are_what_they_claim() -> None:
    assert len(TEST_KEY.encode()) == 32 and len(OTHER_KEY.encode()) == 32


@pytest.mark.parametrize("source", ["variable", "key file"])
def test_a_31_byte_key_is_refused_in_one_line_and_32_is_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 source: str) -> None:
    db = tmp_path / "w.duckdb"
    for key, accepted in (("k" * 31, False), ("k" * 32, True)):
        if source == "variable":
            monkeypatch.setenv(KEY_ENV, key)
            where = KEY_ENV
        else:
            monkeypatch.delenv(KEY_ENV, raising=False)
            key_path(db).write_text(key + "\n")
            where = f"the pseudonym key file {key_path(db)}"
        if accepted:
            assert load_key(db) == key.encode()
            continue
        with pytest.raises(PseudonymKeyError) as refused:
            load_key(db)
        message = str(refused.value)
        assert "\n" not in message
        assert message.startswith(f"{where} holds a 31-byte pseudonym key; a key must be at least 32 bytes")
    assert not db.exists()


def test_a_generated_key_file_holds_32_random_bytes_as_hex(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV)
    db = tmp_path / "w.duckdb"
    key = load_key(db)
    assert len(key) == 64 and len(bytes.fromhex(key.decode())) == 32
    assert load_key(db) == key  # made once, then read
    assert load_key(tmp_path / "sub" / "v.duckdb") != key


def test_the_first_load_records_a_fingerprint_that_is_not_the_key(db: Path, load_rows) -> None:
    load_rows([msg("1", "2025-03-03T10:00:00Z")])
    stored = query(db, "SELECT fingerprint FROM warehouse_key")
    assert stored == [(expected_fingerprint(TEST_KEY),)]
    assert stored[0][0] != TEST_KEY and TEST_KEY not in stored[0][0]
    assert TEST_KEY.encode() not in db.read_bytes()


def test_the_same_key_loads_again(db: Path, load_rows) -> None:
    load_rows([msg("1", "2025-03-03T10:00:00Z")])
    result, errors = load_rows([msg("2", "2025-03-04T10:00:00Z")])
    assert errors == [] and result.loaded == 1
    assert query(db, "SELECT count(*) FROM events") == [(2,)]
    assert query(db, "SELECT fingerprint FROM warehouse_key") == [(expected_fingerprint(TEST_KEY),)]


def test_a_second_load_with_another_key_is_refused_and_changes_nothing(db: Path, load_rows,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    load_rows([msg("1", "2025-03-03T10:00:00Z", account="@jo")])
    before = snapshot(db), query(db, "SELECT * FROM warehouse_key")
    monkeypatch.setenv(KEY_ENV, OTHER_KEY)
    with pytest.raises(PseudonymKeyError) as refused:
        load_rows([msg("2", "2025-03-04T10:00:00Z", account="@jo")])
    was, given = expected_fingerprint(TEST_KEY)[-4:], expected_fingerprint(OTHER_KEY)[-4:]
    assert was != given
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"this warehouse was made with key …{was}; the key given is …{given}")
    assert KEY_ENV in message and "backup" in message and "nothing was changed" in message
    assert (snapshot(db), query(db, "SELECT * FROM warehouse_key")) == before


def test_the_command_refuses_another_key_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    assert modaudit("load", str(write_log(tmp_path / "a.csv", "1")), "--db", str(db), "--policy", "cntw",
                    key=TEST_KEY).returncode == 0
    out = modaudit("load", str(write_log(tmp_path / "b.csv", "2")), "--db", str(db), "--policy", "cntw",
                   key=OTHER_KEY)
    one_line(out, 1, f"modaudit: this warehouse was made with key …{expected_fingerprint(TEST_KEY)[-4:]}; "
                     f"the key given is …{expected_fingerprint(OTHER_KEY)[-4:]}")
    assert query(db, "SELECT item_id FROM events") == [("1",)]


def test_a_warehouse_from_before_fingerprints_trusts_the_key_of_its_next_load(db: Path, load_rows,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    load_rows([msg("1", "2025-03-03T10:00:00Z")])
    con = warehouse.connect(db)
    con.execute("DELETE FROM warehouse_key")  # as a warehouse loaded before migration 13 has it
    assert check_key(con, OTHER_KEY.encode()) is False  # nothing to check against: a reader must trust the key
    con.close()
    monkeypatch.setenv(KEY_ENV, OTHER_KEY)
    result, errors = load_rows([msg("2", "2025-03-04T10:00:00Z")])
    assert errors == [] and result.loaded == 1
    assert query(db, "SELECT fingerprint FROM warehouse_key") == [(expected_fingerprint(OTHER_KEY),)]
    monkeypatch.setenv(KEY_ENV, TEST_KEY)
    with pytest.raises(PseudonymKeyError, match="this warehouse was made with key"):
        load_rows([msg("3", "2025-03-05T10:00:00Z")])


def test_check_key_for_other_commands(db: Path, load_rows) -> None:
    """What subject-access and erase call, read-only: True when the key is the warehouse's, else refused."""
    load_rows([msg("1", "2025-03-03T10:00:00Z")])
    with warehouse.reader(db) as con:
        assert check_key(con, TEST_KEY.encode()) is True
        with pytest.raises(PseudonymKeyError, match="the key given is"):
            check_key(con, OTHER_KEY.encode())
        with pytest.raises(PseudonymKeyError, match="31-byte"):
            check_key(con, b"k" * 31)


def test_a_failed_load_records_no_fingerprint(db: Path, tmp_path: Path) -> None:
    """A load whose every file is refused commits nothing, so the key of a later, real first load is the one kept."""
    from core.policy import get_policy
    from etl.load import load_sources

    load_sources(db, get_policy("cntw"), [tmp_path / "missing.csv"])
    assert query(db, "SELECT count(*) FROM warehouse_key") == [(0,)]


def test_the_warehouse_its_wal_and_the_key_file_are_made_0600(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             loose_umask: None) -> None:
    monkeypatch.delenv(KEY_ENV)  # the key file is made beside the warehouse
    db = tmp_path / "fresh" / "w.duckdb"
    from core.policy import get_policy
    from etl.load import load_sources

    _, errors = load_sources(db, get_policy("cntw"), [write_log(tmp_path / "a.csv", "1")])
    assert errors == []
    assert mode(db) == 0o600 and mode(key_path(db)) == 0o600
    os.umask(0o022)  # as a fresh process starts
    con = warehouse.connect(db)
    try:
        con.execute("CREATE TABLE scratch AS SELECT 1 AS a")  # DuckDB writes the .wal only now
        wal = db.with_name(db.name + ".wal")
        assert wal.exists() and mode(wal) == 0o600
    finally:
        con.close()


def test_a_findings_export_is_made_0600_even_over_an_older_file(db: Path, load_rows, tmp_path: Path,
                                                               loose_umask: None) -> None:
    """Exports carry pseudonyms and message text out of the warehouse: as private on disk as the warehouse."""
    from datetime import UTC, datetime

    from core.policy import get_policy
    from core.warehouse import reader
    from queries import Scope
    from queries.governance import export_findings, findings

    load_rows([msg("p1", "2025-07-01T13:05:00Z")])
    os.umask(0o022)
    policy, scope, as_of = get_policy("cntw"), Scope(policy="cntw"), datetime(2025, 7, 2, tzinfo=UTC)
    with reader(db) as con:
        df = findings(con, policy, scope, as_of)
    older = tmp_path / "older.csv"
    older.write_text("made by hand\n")
    older.chmod(0o644)
    for path in (tmp_path / "f.csv", tmp_path / "f.xlsx", older):
        assert mode(export_findings(df, path, policy, scope, as_of)) == 0o600

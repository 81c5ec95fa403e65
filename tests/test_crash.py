"""A load killed mid-way (a separate process, SIGKILL) leaves the warehouse exactly as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import TEST_KEY, canonical_csv, msg
from tests.test_load import snapshot

SCRIPT = """
import sys
from pathlib import Path
from datetime import datetime, UTC
from etl.load import load_sources
from core.policy import get_policy
load_sources(Path(sys.argv[1]), get_policy("cntw"), [Path(sys.argv[2])], now=datetime(2026, 11, 1, tzinfo=UTC),
             progress=lambda step: print(step, flush=True))
print("finished", flush=True)
"""


def big_log(path: Path, rows: int) -> None:
    duckdb.execute(
        f"""COPY (SELECT 'big-' || i AS event_id, strftime(TIMESTAMP '2025-01-01' + INTERVAL (i) MINUTE,
                         '%Y-%m-%dT%H:%M:%SZ') AS event_time, 'message_received' AS event_type, 'facebook' AS platform,
                         'big-' || i AS item_id, 'acct' || (i % 5000) AS account_id, 'comment' AS channel,
                         'true' AS needs_response, 'hello ' || i AS text
                  FROM range({rows}) t(i)) TO '{path}' (HEADER)""")


@pytest.mark.parametrize("kill_at", ["writing", "deriving items"])
def test_killed_load_changes_nothing(tmp_path: Path, db: Path, load_rows, kill_at: str) -> None:
    load_rows([msg("1", "2025-03-03T10:00:00Z")])
    before = snapshot(db)
    big = tmp_path / "big.csv"
    big_log(big, 60_000)
    env = {**os.environ, "MODAUDIT_PSEUDONYM_KEY": TEST_KEY}
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(db), str(big)], stdout=subprocess.PIPE, text=True,
                            env=env, cwd=Path(__file__).resolve().parents[1])
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == kill_at:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL, "the load finished before it could be killed"
    assert snapshot(db) == before
    # The warehouse still works: the same file loads in full afterwards.
    from core.policy import get_policy
    from etl.load import load_sources
    from tests.conftest import TEST_NOW

    result, errors = load_sources(db, get_policy("cntw"), [big], now=TEST_NOW)
    assert errors == [] and result.loaded == 60_000


def test_canonical_csv_helper_round_trips() -> None:
    assert canonical_csv([msg("1", "t")]).splitlines()[1].startswith("m-facebook-1,t,message_received")

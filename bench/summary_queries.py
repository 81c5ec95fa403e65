"""`modaudit summary`'s work in one fresh process, with each named query it runs timed.

    .venv/bin/python bench/summary_queries.py --db W.duckdb --policy ctmuhb --out result.json

`bench/run.py` times the command itself as a whole process (the goal is on that); this says where inside it
the time goes: every `queries.records` call the summary makes, by query name (each governance rule is one),
wrapped wherever it was imported, so a query added to the summary is timed without a list kept here. The
summary is built as the command builds it (`queries.summary.summary_from_db`, whole warehouse, default
as-of), once, cold.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def timed_summary(db: Path, policy_id: str) -> dict[str, Any]:
    """The summary's seconds in this process (imports excluded) and each of its queries' seconds and rows."""
    import queries
    from core.policy import get_policy
    from queries import Scope
    from queries.summary import summary_from_db

    calls: list[dict[str, Any]] = []
    original = queries.records

    def timed(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        start = time.perf_counter()
        rows = original(*args, **kwargs)
        calls.append({"name": str(args[1]), "seconds": time.perf_counter() - start, "rows": len(rows)})
        return rows

    wrapped: Callable[..., list[dict[str, Any]]] = timed
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").split(".")[0] == "queries" and getattr(module, "records", None) is original:
            setattr(module, "records", wrapped)  # noqa: B010
    policy = get_policy(policy_id)
    start = time.perf_counter()
    summary_from_db(db, policy, Scope(policy=policy.id))
    return {"summary_s": time.perf_counter() - start, "queries": calls}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--policy", required=True)
    parser.add_argument("--out", type=Path, required=True, help="Where to write the result as JSON.")
    args = parser.parse_args()
    args.out.write_text(json.dumps(timed_summary(args.db, args.policy), indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

"""The machine-readable summary (SPEC §5): one object the CLI prints and the Overview page shows.

Every figure comes from a named query; this module only assembles them, so `modaudit summary` and the
dashboard cannot disagree.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from core.macros import ensure_macros
from core.policy import Policy
from core.warehouse import reader
from queries import Scope, governance, records
from queries.governance import default_as_of

__all__ = ["build_summary", "default_as_of", "render_table", "summary_from_db"]


def _number(value: Any) -> float | None:
    return None if value is None or value != value else float(value)


def build_summary(con: duckdb.DuckDBPyConnection, policy: Policy, scope: Scope,
                  as_of: datetime | None = None) -> dict[str, Any]:
    """The SPEC §5 object. Rows are read as plain records and governance as subjects only (no evidence
    frames, no G8, which the summary leaves out), so the command never imports pandas."""
    ensure_macros(con)
    as_of = as_of or default_as_of(con, policy.id)
    params = {**scope.params(policy.timezone), "as_of": as_of}
    items = records(con, "summary_items", params)[0]
    response = records(con, "summary_response", params)[0]
    categories = records(con, "summary_categories", params)
    actions = records(con, "summary_actions", params)
    subjects = governance.item_subjects(con, policy, scope, as_of) if as_of else None
    return {
        "policy": policy.id,
        "as_of": as_of.isoformat() if as_of else None,
        "items": {"total": int(items["total"]), "needs_response": int(items["needs_response"])},
        "response": {
            "met": int(response["met"]), "breached": int(response["breached"]),
            "pending": int(response["pending"]), "met_rate": _number(response["met_rate"]),
            "median_business_hours_to_first_response": _number(response["median_business_hours_to_first_response"]),
        },
        "categories": {str(r["code"]): int(r["items"]) for r in categories},
        "actions": {str(r["event_type"]): int(r["events"]) for r in actions},
        "governance": governance.summary_governance(subjects, policy),
    }


def summary_from_db(db_path: Path, policy: Policy, scope: Scope, as_of: datetime | None = None) -> dict[str, Any]:
    with reader(db_path) as con:
        return build_summary(con, policy, scope, as_of)


def render_table(summary: dict[str, Any], policy: Policy) -> str:
    """A readable report for a terminal, in the policy's own category words."""
    from rich.console import Console
    from rich.table import Table

    resp = summary["response"]
    head = Table(title=f"{policy.name} — as of {summary['as_of']}", show_header=False)
    rate = resp["met_rate"]
    median = resp["median_business_hours_to_first_response"]
    for label, value in [
        ("Items received", summary["items"]["total"]),
        ("Needing a response", summary["items"]["needs_response"]),
        ("Met / breached / pending", f"{resp['met']} / {resp['breached']} / {resp['pending']}"),
        ("Met rate (same or next working day)", "n/a" if rate is None else f"{rate:.1%}"),
        ("Median office hours to first reply", "n/a" if median is None else f"{median:.1f} h"),
    ]:
        head.add_row(label, str(value))
    cats = Table("Category", "Items", title="Categories")
    for code, n in summary["categories"].items():
        cats.add_row(policy.category_label(code), str(n))
    acts = Table("Action", "Events", title="Actions")
    for code, n in summary["actions"].items():
        acts.add_row(code, str(n))
    gov = Table("Rule", "Findings", title="Governance findings")
    for rule, found in summary["governance"].items():
        gov.add_row(rule, str(found["count"]))
    console = Console(width=100, record=True, file=io.StringIO())
    for table in (head, cats, acts, gov):
        console.print(table)
    return console.export_text()

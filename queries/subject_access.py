"""Subject access (UK GDPR article 15, `modaudit subject-access`): everything held on one member of the public,
as one report a person can be given: their messages and text, the events and decisions on them, their
account events, the governance findings naming their messages or account, and their quarantined rows.

The subject is found by pseudonym (the command pseudonymises the raw id with the warehouse's key: queries may
not import etl). The report names them as they named themselves, since it goes to them; staff stay
pseudonyms, as everywhere a member of the public could read. Written as JSON, or as a workbook with one
sheet per part, mode 0600 like every export (SPEC §7).
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from core.macros import ensure_macros
from core.policy import Policy
from queries import Scope, records

# The report's parts in order, with the sheet (and heading) each has in a workbook.
PARTS: dict[str, str] = {"messages": "Messages", "events_on_messages": "Events on messages",
                         "account_events": "Account events", "findings": "Findings", "quarantine": "Quarantined rows"}
_PART_OF_ROW = {"message": "messages", "event_on_message": "events_on_messages", "account_event": "account_events"}


def gather(con: duckdb.DuckDBPyConnection, policy: Policy, account: str, platform: str, account_id: str,
           now: datetime | None = None) -> dict[str, Any]:
    """The report on one subject: `subject`, `policy`, `generated_at`, then each of PARTS as a list of rows.
    `rows` is how many rows it holds in all (what the rights log records); 0 means nothing is held."""
    report: dict[str, Any] = {
        "subject": {"account": f"{platform}:{account_id}", "pseudonym": account},
        "policy": {"id": policy.id, "name": policy.name},
        "generated_at": (now or datetime.now(UTC)).isoformat(),
        **{part: [] for part in PARTS},
    }
    for row in records(con, "subject_access", {"policy": policy.id, "account": account}):
        report[_PART_OF_ROW[row.pop("part")]].append(row)
    ensure_macros(con)
    report["quarantine"] = records(con, "subject_access_quarantine", {
        "policy": policy.id, "account": account, "platform": platform, "account_id": account_id})
    items = {(r["platform"], r["item_id"]) for r in report["messages"]}
    if report["messages"] or report["account_events"]:
        report["findings"] = _findings(con, policy, account, items)
    erased = con.execute("SELECT max(erased_at) FROM erased_accounts WHERE policy_id = $p AND account = $a",
                         {"p": policy.id, "a": account}).fetchone()
    if erased and erased[0] is not None:
        report["subject"]["erased_at"] = erased[0].isoformat()
    report["rows"] = sum(len(report[part]) for part in PARTS)
    return report


def _findings(con: duckdb.DuckDBPyConnection, policy: Policy, account: str,
              items: set[tuple[str, str]]) -> list[dict[str, Any]]:
    """The findings of the rules the preset switches on that name one of their messages or their account, as
    of the latest event (SPEC §2); G8's are about moderators, not them, and are left out."""
    from queries import governance

    as_of = governance.default_as_of(con, policy.id)
    if as_of is None:
        return []
    frame = governance.findings(con, policy, Scope(policy=policy.id), as_of)
    rows: list[dict[str, Any]] = []
    for row in frame.to_dict("records"):
        if row["rule"] == governance.MODERATOR_RULE:
            continue
        if row.get("account") == account or (row["platform"], row.get("item_id")) in items:
            rows.append({k: row[k] for k in ("rule", "subject", "evidence_event_ids", "evidence_times", "detail",
                                             "clause")})
    return rows


def _plain(value: Any) -> Any:
    """A cell as JSON has it: times in ISO 8601, lists and arrays as lists, missing values as null."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):  # numpy arrays and scalars from a frame
        return _plain(value.tolist())
    if isinstance(value, float) and value != value:
        return None
    return value


def json_bytes(report: Mapping[str, Any]) -> bytes:
    plain = {k: ([{c: _plain(v) for c, v in r.items()} for r in val] if k in PARTS else val)
             for k, val in report.items()}
    return json.dumps(plain, ensure_ascii=False, indent=2).encode("utf-8")


def xlsx_bytes(report: Mapping[str, Any]) -> bytes:
    """A sheet for who and what the report is, then one per part. Cells hold exactly the text: xlsxwriter is
    told never to make formulas, links or numbers of it, and a text a spreadsheet would run as a formula is
    made inert (governance.neutralise), since message text is whatever the public wrote."""
    import xlsxwriter

    from queries.governance import neutralise

    buf = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
               "strings_to_numbers": False}
    with xlsxwriter.Workbook(buf, options) as book:
        bold = book.add_format({"bold": True})
        about = book.add_worksheet("About")
        lines = [("Subject access report for", report["subject"]["account"]),
                 ("Pseudonym in the warehouse", report["subject"]["pseudonym"]),
                 ("Organisation", report["policy"]["name"]), ("Generated (UTC)", report["generated_at"])]
        if "erased_at" in report["subject"]:
            lines.append(("Erased at (UTC)", report["subject"]["erased_at"]))
        lines += [(title, f"{len(report[part])} rows") for part, title in PARTS.items()]
        for n, (key, value) in enumerate(lines):
            about.write_string(n, 0, key, bold)
            about.write_string(n, 1, str(neutralise(value)))
        about.set_column(0, 0, 28)
        about.set_column(1, 1, 60)
        for part, title in PARTS.items():
            sheet = book.add_worksheet(title)
            rows = report[part]
            headers = list(rows[0]) if rows else ["(nothing held)"]
            for col, header in enumerate(headers):
                sheet.write_string(0, col, header, bold)
            for n, row in enumerate(rows, 1):
                for col, value in enumerate(row.values()):
                    plain = _plain(value)
                    if plain is None:
                        continue
                    text = ", ".join(map(str, plain)) if isinstance(plain, list) else str(plain)
                    sheet.write_string(n, col, str(neutralise(text)))
            sheet.freeze_panes(1, 0)
    return buf.getvalue()


def write_report(report: Mapping[str, Any], path: Path) -> Path:
    """Write the report as `.json` or `.xlsx` by the name's ending, readable by its owner alone."""
    from queries.export import write_private

    writers = {".json": json_bytes, ".xlsx": xlsx_bytes}
    suffix = path.suffix.lower()
    if suffix not in writers:
        raise ValueError(f"{path}: give a name ending in .json or .xlsx")
    return write_private(path, writers[suffix](report))

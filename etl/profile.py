"""Validation glue: the load's value profile for etl.validate's suite, and the suite's outcomes back on rows.

Great Expectations sees one profile row per distinct combination of the validated values, not the rows
themselves; each failing profile row stands for input rows, and each of those gets a reason quoting the
value that failed.
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from core.policy import Policy
from etl.validate import run_suite

# The values Great Expectations validates, as `live` columns; one profile row per distinct combination.
PROFILE_KEY = ("time_status", "n_event_type", "n_platform", "has_item", "has_account", "n_channel",
               "n_needs_response", "n_categories", "n_protected", "n_signposted_to", "n_linked_platform",
               "has_linked_account")


def _profile(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The load's value profile (see etl.validate): `profiles` holds each combination's id and row count."""
    key = ", ".join(PROFILE_KEY)
    con.execute(
        f"""CREATE TEMP TABLE profiles AS
        SELECT row_number() OVER (ORDER BY {key}) - 1 AS _profile, *
        FROM (SELECT {key}, count(*) AS n_rows
              FROM live WHERE _pre_reason IS NULL GROUP BY ALL)""")
    return con.execute(
        """SELECT _profile, time_status AS event_time, n_event_type AS event_type,
               n_platform AS platform, CASE WHEN has_item THEN 'yes' END AS item_id,
               CASE WHEN has_account THEN 'yes' END AS account_id, n_channel AS channel,
               n_needs_response AS needs_response,
               nullif(array_to_string(n_categories, '|'), '') AS category,
               n_protected AS protected_characteristic, n_signposted_to AS signposted_to,
               n_linked_platform AS linked_platform,
               CASE WHEN has_linked_account THEN 'yes' END AS linked_account_id
        FROM profiles ORDER BY _profile""").df()


# The reason written for a row failing each expectation, and the normalised column whose value `{v}` quotes.
REASONS: dict[str, tuple[str, str | None]] = {
    "event_time_required": ("event_time: missing (required)", None),
    "event_time_parses": ("event_time: not a timestamp: {v}", "time_text"),
    "event_time_not_future": ("event_time: in the future of the load: {v}", "time_text"),
    "event_type_required": ("event_type: missing (required)", None),
    "event_type_known": ("event_type: unknown value {v}", "n_event_type"),
    "platform_required": ("platform: missing (required)", None),
    "platform_known": ("platform: unknown value {v}", "n_platform"),
    "item_id_required": ("item_id: missing (required for this event type)", None),
    "account_id_required": (
        "account_id: missing (required for message_received and for account events naming no item)", None),
    "channel_required": ("channel: missing (required for message_received)", None),
    "channel_known": ("channel: unknown value {v}", "n_channel"),
    "needs_response_required": ("needs_response: missing (required for message_received)", None),
    "needs_response_known": ("needs_response: not a yes/no value: {v}", "n_needs_response"),
    "category_required": ("category: missing (required for categorised)", None),
    "category_known": ("category: {v} not a category code of this policy", "n_categories"),
    "protected_characteristic_known": ("protected_characteristic: unknown value {v}", "n_protected"),
    "signposted_to_required": ("signposted_to: missing (required for signposted)", None),
    "signposted_to_known": ("signposted_to: unknown value {v}", "n_signposted_to"),
    "linked_platform_required": ("linked_platform: missing (required for account_linked and account_unlinked)", None),
    "linked_platform_known": ("linked_platform: unknown value {v}", "n_linked_platform"),
    "linked_account_id_required": (
        "linked_account_id: missing (required for account_linked and account_unlinked)", None),
}
# A time the text gives but the rules refuse (etl.normalise's `time_refusal`) fails `event_time_parses` like
# any text that is no time; its reason says which rule, so the sender knows what to change. `{z}` quotes
# the text's zone part.
TIME_REFUSALS = {
    "named_zone": "event_time: named time zones are not accepted; give an offset such as +01:00 or Z: {v}",
    "offset_range": "event_time: offset {z} is beyond ±14:00: {v}",
    "before_2000": "event_time: before 2000-01-01, not a plausible log time: {v}",
}


def validate(con: duckdb.DuckDBPyConnection, policy: Policy, run_id: int) -> bool:
    """Run the GX suite on the profile; write per-expectation results and per-row reasons (`fail`)."""
    profile = _profile(con)
    outcomes = run_suite(policy, profile) if len(profile) else []
    failing = pd.DataFrame(  # noqa: F841  (read by DuckDB below)
        [(o.check.key, o.check.column, p) for o in outcomes for p in o.failing_profiles],
        columns=["key", "field", "_profile"])
    templates = pd.DataFrame(  # noqa: F841
        [(k, text, col or "") for k, (text, col) in REASONS.items()], columns=["key", "template", "value_col"])
    refusals = pd.DataFrame(  # noqa: F841
        [("event_time_parses", k, text) for k, text in TIME_REFUSALS.items()], columns=["key", "refusal", "template"])
    match = " AND ".join(f"p.{c} IS NOT DISTINCT FROM n.{c}" for c in PROFILE_KEY)
    con.execute(
        f"""CREATE TEMP TABLE fail AS
        SELECT n._src, n._row,
               replace(replace(coalesce(r.template, t.template), '{{z}}', coalesce(n.time_zone, '')),
                       '{{v}}', chr(39) || CASE t.value_col
                   WHEN 'time_text' THEN n.time_text WHEN 'n_event_type' THEN n.n_event_type
                   WHEN 'n_platform' THEN n.n_platform WHEN 'n_channel' THEN n.n_channel
                   WHEN 'n_needs_response' THEN n.n_needs_response WHEN 'n_protected' THEN n.n_protected
                   WHEN 'n_signposted_to' THEN n.n_signposted_to WHEN 'n_linked_platform' THEN n.n_linked_platform
                   WHEN 'n_categories' THEN array_to_string(
                       list_filter(n.n_categories, lambda c: NOT list_contains($codes, c)), ', ')
                   ELSE '' END || chr(39)) AS reason,
               f.field
        FROM failing f JOIN templates t USING (key) JOIN profiles p USING (_profile)
        JOIN (SELECT * FROM live WHERE _pre_reason IS NULL) n ON {match}
        LEFT JOIN refusals r ON r.key = t.key AND r.refusal = n.time_refusal
        UNION ALL
        SELECT _src, _row, _pre_reason, 'source' FROM live WHERE _pre_reason IS NOT NULL""",
        {"codes": policy.category_codes},
    )
    sizes = dict(con.execute("SELECT _profile, n_rows FROM profiles").fetchall())
    total = int(sum(sizes.values()))
    records = []
    for o in outcomes:
        bad = int(sum(sizes.get(p, 0) for p in o.failing_profiles))
        records.append((run_id, o.expectation_type, o.check.column, o.check.key, o.success,
                        total, bad, 100.0 * bad / total if total else 0.0,
                        json.dumps({**o.check.kwargs, "row_condition": o.check.when_text})))
    if records:
        con.executemany("INSERT INTO validation_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", records)
    return all(o.success for o in outcomes)

"""The Great Expectations suite a policy implies, and running it on a load's value profile.

GX does not validate the input rows themselves: it validates the load's *profile*, one row per distinct
combination of the validated values (event type, platform, category codes, whether required fields are
present, whether the time parsed...). Every input row maps to exactly one profile row, so a failing
profile row names exactly the input rows that fail, and the suite costs the same at a million rows as at a thousand.
`import great_expectations` takes seconds, so only the load path pays it, and it
starts on a thread (`start_import`) while DuckDB reads the files, which leaves a core idle.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from core.policy import Policy
from core.vocab import (
    ACCOUNT_EVENTS,
    CHANNELS,
    EVENT_TYPES,
    FALSE_WORDS,
    LINK_EVENTS,
    PLATFORMS,
    PROTECTED_CHARACTERISTICS,
    SIGNPOSTS,
    TRUE_WORDS,
)

# Profile columns handed to GX; `event_time` holds a status, not the time (see module docstring).
PROFILE_COLUMNS = ("event_time", "event_type", "platform", "item_id", "account_id", "channel",
                   "needs_response", "category", "protected_characteristic", "signposted_to", "linked_platform",
                   "linked_account_id")


@dataclass(frozen=True)
class Check:
    """One expectation: `key` ties GX's result back to the reason the loader writes."""

    key: str
    kind: str
    column: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    # Builds the GX row condition from GX's `Column` (passed in, so this module imports GX lazily).
    when: Callable[[Any], Any] | None = None
    when_text: str | None = None


@dataclass(frozen=True)
class Outcome:
    check: Check
    expectation_type: str
    success: bool
    failing_profiles: list[int]


def category_regex(codes: list[str]) -> str:
    alt = "|".join(re.escape(c) for c in codes)
    return rf"^(?:{alt})(?:\|(?:{alt}))*$"


def _is(event_type: str) -> tuple[Callable[[Any], Any], str]:
    return (lambda col: col("event_type") == event_type), f"event_type is {event_type}"


def suite_checks(policy: Policy) -> list[Check]:
    """The expectations SPEC §1 implies for this policy: required fields per event type, enums, codes, times."""
    def required(column: str, key: str, when: Callable[[Any], Any] | None = None, text: str | None = None) -> Check:
        return Check(key, "not_null", column, when=when, when_text=text)

    def one_of(column: str, values: tuple[str, ...] | list[str]) -> Check:
        return Check(f"{column}_known", "in_set", column, {"value_set": list(values)})

    return [
        required("event_time", "event_time_required"),
        Check("event_time_parses", "not_in_set", "event_time", {"value_set": ["unparseable"]}),
        Check("event_time_not_future", "not_in_set", "event_time", {"value_set": ["future"]}),
        required("event_type", "event_type_required"),
        one_of("event_type", EVENT_TYPES),
        required("platform", "platform_required"),
        one_of("platform", PLATFORMS),
        required("item_id", "item_id_required", lambda col: col("event_type").is_not_in(ACCOUNT_EVENTS),
                 "event type is not an account event"),
        required("account_id", "account_id_required",
                 lambda col: (col("event_type") == "message_received")
                 | (col("event_type").is_in(ACCOUNT_EVENTS) & col("item_id").is_null()),
                 "message_received, or an account event naming no item"),
        required("channel", "channel_required", *_is("message_received")),
        one_of("channel", CHANNELS),
        required("needs_response", "needs_response_required", *_is("message_received")),
        one_of("needs_response", TRUE_WORDS + FALSE_WORDS),
        required("category", "category_required", *_is("categorised")),
        Check("category_known", "regex", "category", {"regex": category_regex(policy.category_codes)}),
        one_of("protected_characteristic", PROTECTED_CHARACTERISTICS),
        required("signposted_to", "signposted_to_required", *_is("signposted")),
        one_of("signposted_to", SIGNPOSTS),
        required("linked_platform", "linked_platform_required", lambda col: col("event_type").is_in(LINK_EVENTS),
                 "account_linked or account_unlinked"),
        one_of("linked_platform", PLATFORMS),
        required("linked_account_id", "linked_account_id_required",
                 lambda col: col("event_type").is_in(LINK_EVENTS), "account_linked or account_unlinked"),
    ]


def finish_import() -> None:
    """Import GX; after `start_import`, this waits for the thread's import to finish."""
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations  # noqa: F401


def start_import() -> None:
    """Import GX on a thread, while DuckDB reads the files."""
    threading.Thread(target=finish_import, name="import-gx").start()


_RUNNING = threading.Lock()


def run_suite(policy: Policy, profile: pd.DataFrame) -> list[Outcome]:
    """Validate the profile (`_profile` id column + PROFILE_COLUMNS) with a real GX suite."""
    definition, checks = _suite(policy.model_dump_json())
    with _RUNNING:  # one definition per policy, and loads may run on a server's threads
        result = definition.run(
            batch_parameters={"dataframe": profile},
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["_profile"]},
        )
    by_key = {c.key: c for c in checks}
    outcomes = []
    for res in result.results:
        config = res.expectation_config
        assert config is not None and config.meta is not None
        check = by_key[config.meta["key"]]
        if res.exception_info.get("raised_exception"):
            raise RuntimeError(f"expectation {check.key} failed to run: {res.exception_info}")
        failing = [int(r["_profile"]) for r in res.result.get("unexpected_index_list") or []]
        outcomes.append(Outcome(check, config.type, bool(res.success), failing))
    return outcomes


@functools.lru_cache(maxsize=8)
def _suite(policy_json: str) -> tuple[Any, list[Check]]:
    """The policy's validation definition (GX's context, data asset, suite and its expectations), built once
    per policy in a process: building it costs about as much as running it, and a process that loads again
    (the dashboard's Upload page) then pays only the run. Keyed by the policy's whole content, so an edited
    policy gets its own suite."""
    finish_import()
    import great_expectations as gx  # seconds to import: only the load path needs it
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.expectations.row_conditions import Column

    policy = Policy.model_validate_json(policy_json)
    kinds = {
        "not_null": gxe.ExpectColumnValuesToNotBeNull,
        "in_set": gxe.ExpectColumnValuesToBeInSet,
        "not_in_set": gxe.ExpectColumnValuesToNotBeInSet,
        "regex": gxe.ExpectColumnValuesToMatchRegex,
    }
    checks = suite_checks(policy)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # they would garble CLI output
    batch = (context.data_sources.add_pandas("load")
             .add_dataframe_asset("profile")
             .add_batch_definition_whole_dataframe("whole"))
    suite = context.suites.add(gx.ExpectationSuite(name=f"modaudit_{policy.id}"))
    for check in checks:
        extra = {"row_condition": check.when(Column)} if check.when else {}
        suite.add_expectation(kinds[check.kind](column=check.column, meta={"key": check.key},
                                                **check.kwargs, **extra))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name="load", data=batch, suite=suite))
    return definition, checks

"""Policy presets: one TOML file per organisation, validated by a typed model.

Code never branches on a policy's id; everything that differs between organisations is a field here.
A bad preset fails with the file and the dotted path of the field that is wrong.
"""

from __future__ import annotations

import tomllib
from datetime import time
from functools import cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.vocab import EVENT_TYPES

POLICY_DIR = Path(__file__).parent / "policies"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class PolicyError(ValueError):
    """A preset file that cannot be used; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OfficeHours(_Strict):
    open: time
    close: time
    weekdays: list[Weekday] = Field(min_length=1)

    @model_validator(mode="after")
    def _open_before_close(self) -> OfficeHours:
        if self.open >= self.close:
            raise ValueError("open must be earlier than close")
        return self

    @property
    def weekday_numbers(self) -> list[int]:
        return [WEEKDAYS.index(d) for d in self.weekdays]


class Rule(_Strict):
    enabled: bool = False
    clause: str = ""

    @model_validator(mode="after")
    def _enabled_rule_quotes_policy(self) -> Rule:
        if self.enabled and not self.clause.strip():
            raise ValueError("an enabled rule must quote the policy clause it tests")
        return self


class G2Rule(Rule):
    warning_window_days: int = Field(30, gt=0)
    immediate_categories: list[str] = ["allegation_against_staff", "violent_threatening"]
    repeat_window_days: int = Field(90, gt=0)
    repeat_min_items: int = Field(3, gt=0)


class CategoryRule(Rule):
    categories: list[str] = []


class G4Rule(Rule):
    working_days: int = Field(5, gt=0)
    follow_up_actions: list[str] = ["author_removed", "hidden", "deleted", "account_blocked"]


class G6Rule(Rule):
    actions: list[str] = ["account_blocked", "deleted", "reported_to_platform", "reported_to_police",
                          "legal_referral"]


class G7Rule(Rule):
    retention_days: int = Field(365, gt=0)


class G8Rule(Rule):
    min_decided_items: int = Field(20, gt=0)
    min_moderator_items: int = Field(5, gt=0)
    p_value: float = Field(0.01, gt=0, lt=1)


class G9Rule(Rule):
    # Blocking the rest of a person's accounts is a decision like a warning's follow-up: G4's week of working days.
    working_days: int = Field(5, gt=0)


class Rules(_Strict):
    G1_removal_without_violation: Rule
    G2_block_without_warning: G2Rule
    G3_police_report_outside_policy: CategoryRule
    G4_warning_not_followed_up: G4Rule
    G5_not_signposted: CategoryRule
    G6_decision_without_rationale: G6Rule
    G7_copy_kept_too_long: G7Rule
    G8_moderator_inconsistency: G8Rule
    G9_linked_account_not_actioned: G9Rule

    def enabled(self) -> dict[str, Rule]:
        return {name: rule for name, rule in self if rule.enabled}


class Actions(_Strict):
    allowed: list[str]

    @field_validator("allowed")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        unknown = sorted(set(v) - set(EVENT_TYPES))
        if unknown:
            raise ValueError(f"unknown event types {unknown}")
        return v


class Policy(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    short_name: str = Field(min_length=1)
    seed_file: str
    timezone: str
    holiday_country: str = Field(min_length=2, max_length=3)
    holiday_subdivision: Literal["ENG", "WLS", "SCT", "NIR"]
    response_target_working_days: int = Field(gt=0, le=20)
    response_target_clause: str
    pseudonymise_actors: bool = True
    # SPEC §7: message text and rationales lose e-mail addresses, phone numbers, NHS numbers and postcodes at
    # load; `store_text = false` keeps no message text at all (rationales are still kept, redacted).
    redact_text: bool = True
    store_text: bool = True
    # How long the log is kept, in months counted back from the latest event (`modaudit retention`). None
    # keeps everything: no published policy of the three states a period for the moderation log, and a
    # period the organisation never chose must not delete its evidence.
    retention_months: int | None = Field(None, gt=0, le=1200)
    # The public pack prints no count below this (1 to suppress_below - 1 reads "fewer than 5"): the usual
    # threshold of UK official statistics for counts about people, which an organisation may raise.
    suppress_below: int = Field(5, ge=2, le=100)
    office_hours: OfficeHours
    violation_categories: dict[str, str] = Field(min_length=1)
    handling_categories: dict[str, str]
    actions: Actions
    rules: Rules

    @field_validator("timezone")
    @classmethod
    def _zone_exists(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {v!r}") from exc
        return v

    @model_validator(mode="after")
    def _rule_categories_known(self) -> Policy:
        overlap = set(self.violation_categories) & set(self.handling_categories)
        if overlap:
            raise ValueError(f"codes are both violation and handling categories: {sorted(overlap)}")
        return self

    @property
    def category_codes(self) -> list[str]:
        return sorted({**self.violation_categories, **self.handling_categories})

    def category_label(self, code: str) -> str:
        return self.violation_categories.get(code) or self.handling_categories.get(code) or code


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(file)"


def load_policy_file(path: Path) -> Policy:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"{path}: cannot read preset: {exc}") from exc
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise PolicyError(f"{path}: field '{_field_path(first['loc'])}': {first['msg']}") from exc
    if policy.id != path.stem:
        raise PolicyError(f"{path}: field 'id': {policy.id!r} must match the file name {path.stem!r}")
    return policy


def available_policies(directory: Path = POLICY_DIR) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.toml"))


@cache
def get_policy(policy_id: str, directory: Path = POLICY_DIR) -> Policy:
    path = directory / f"{policy_id}.toml"
    if not path.exists():
        raise PolicyError(f"unknown policy {policy_id!r}; presets: {', '.join(available_policies(directory))}")
    return load_policy_file(path)

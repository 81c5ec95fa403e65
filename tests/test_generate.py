"""The synthetic log generator: valid SPEC §1 rows, realistic shape, deterministic for a seed.

Checks here recompute what they assert from the rows themselves (local time with zoneinfo, working days
with the `holidays` package, the G8 test by hand), so they do not share the generator's arithmetic.
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import duckdb
import holidays
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli.main import app
from core.policy import Policy, available_policies, get_policy
from core.vocab import (
    ACCOUNT_EVENTS,
    CANONICAL_COLUMNS,
    CHANNELS,
    EVENT_TYPES,
    PLATFORMS,
    PROTECTED_CHARACTERISTICS,
    REMOVAL_EVENTS,
    SIGNPOSTS,
)
from demo.generate import DEMO_END, generate_log
from demo.simulate import Shape
from demo.write import write_log
from etl.load import load_sources
from tests.conftest import TEST_NOW

ALWAYS = {"message_received", "categorised", "response_sent", "signposted"}
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")
CARE = {"individual_care", "complaint", "clinical_question", "crisis"}


@cache
def log(policy_id: str, days: int = 365, seed: int = 7, **kw: float) -> pd.DataFrame:
    """Generated once per arguments; tests must not modify it."""
    return generate_log(get_policy(policy_id), days=days, seed=seed, **kw)


def local(frame: pd.DataFrame, policy: Policy) -> pd.Series:
    return pd.to_datetime(frame["event_time"].astype(str), utc=True).dt.tz_convert(policy.timezone)


def working(days: pd.Series, policy: Policy) -> pd.Series:
    bank = holidays.country_holidays(policy.holiday_country, subdiv=policy.holiday_subdivision,
                                     years=range(2024, 2028))
    weekdays = set(policy.office_hours.weekday_numbers)
    return days.map(lambda d: d.weekday() in weekdays and d not in bank).astype(bool)


def in_office(times: pd.Series, policy: Policy) -> pd.Series:
    clock = times.dt.time
    hours = policy.office_hours
    return working(times.dt.date, policy) & (clock >= hours.open) & (clock < hours.close)


def codes_of(frame: pd.DataFrame) -> pd.Series:
    """Each item's category codes (union over its events), one row per (platform, item_id, code)."""
    coded = frame[frame["category"].notna() & frame["item_id"].notna()]
    split = coded.assign(code=coded["category"].astype(str).str.split("|")).explode("code")
    return split[["platform", "item_id", "code"]].drop_duplicates()


def messages(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["event_type"] == "message_received"]


def test_same_seed_same_log_and_other_seeds_differ() -> None:
    policy = get_policy("cntw")
    first = generate_log(policy, days=30, seed=3)
    pd.testing.assert_frame_equal(first, generate_log(policy, days=30, seed=3))
    other = generate_log(policy, days=30, seed=4)
    assert first["event_time"].tolist() != other["event_time"].tolist()
    assert not set(first["event_id"]) & set(other["event_id"])


def test_presets_with_one_seed_are_different_organisations() -> None:
    assert log("cntw")["event_time"].tolist() != log("ctmuhb")["event_time"].tolist()


def test_columns_text_and_times() -> None:
    frame = log("ctmuhb")
    assert tuple(frame.columns) == CANONICAL_COLUMNS
    for column in frame.columns:
        values = frame[column].dropna()
        assert values.map(type).eq(str).all(), column
        assert (values != "").all(), column
    assert frame["event_time"].map(lambda t: bool(ISO_UTC.match(t))).all()
    assert frame["event_id"].is_unique
    assert frame["event_time"].is_monotonic_increasing


def test_default_window_ends_at_demo_end_and_never_in_the_future() -> None:
    frame = log("cntw", days=120)
    times = pd.to_datetime(frame["event_time"].astype(str), utc=True)
    assert times.max() < pd.Timestamp(DEMO_END, tz="UTC")
    assert times.min() >= pd.Timestamp(DEMO_END - timedelta(days=121), tz="UTC")
    assert times.max() > pd.Timestamp(DEMO_END - timedelta(days=2), tz="UTC")
    with pytest.raises(ValueError, match="future"):
        generate_log(get_policy("cntw"), days=10, seed=1, start=DEMO_END - timedelta(days=5))


def test_explicit_start() -> None:
    frame = generate_log(get_policy("cntw"), days=14, seed=1, start=date(2024, 3, 25))
    days = local(frame[frame["event_type"] == "message_received"], get_policy("cntw")).dt.date
    assert days.min() == date(2024, 3, 25) and days.max() == date(2024, 4, 7)


def test_cli_start_makes_a_next_day_increment_that_loads_after_its_history(tmp_path: Path, db: Path) -> None:
    """What the benchmark's daily increment relies on: `--start` picks the first day, and a log of the day
    after another log shares no item or event id with it, so both load whole into one warehouse."""
    runner, day = CliRunner(), DEMO_END - timedelta(days=1)
    history, increment = tmp_path / "history.csv", tmp_path / "increment.csv"
    for out, start, days in ((history, day - timedelta(days=20), 20), (increment, day, 1)):
        made = runner.invoke(app, ["generate", "--policy", "cntw", "--start", start.isoformat(), "--days", str(days),
                                   "--daily-items", "30", "--out", str(out)])
        assert made.exit_code == 0, made.output
    old, new = (pd.read_csv(f, dtype=str) for f in (history, increment))
    received = local(new[new["event_type"] == "message_received"], get_policy("cntw")).dt.date
    assert set(received) == {day}
    assert local(old, get_policy("cntw")).max().date() < day
    assert not set(old["event_id"]) & set(new["event_id"]) and not set(old["item_id"]) & set(new["item_id"])
    for out, rows in ((history, len(old)), (increment, len(new))):
        result, errors = load_sources(db, get_policy("cntw"), [out], now=TEST_NOW)
        assert errors == [] and result.counts() == {"rows_in": rows, "loaded": rows, "quarantined": 0,
                                                    "duplicates": 0}
    future = runner.invoke(app, ["generate", "--policy", "cntw", "--start", DEMO_END.isoformat(), "--days", "1",
                                 "--out", str(tmp_path / "future.csv")])
    assert future.exit_code == 2 and "future" in future.output


@pytest.mark.parametrize("policy_id", available_policies())
def test_every_code_of_the_preset_and_no_other(policy_id: str) -> None:
    policy = get_policy(policy_id)
    assert set(codes_of(log(policy_id, days=120))["code"]) == set(policy.category_codes)


@pytest.mark.parametrize("policy_id", available_policies())
def test_every_allowed_action_and_no_other(policy_id: str) -> None:
    policy = get_policy(policy_id)
    assert set(log(policy_id)["event_type"]) == set(policy.actions.allowed) | ALWAYS


@pytest.mark.parametrize("policy_id", available_policies())
def test_rows_meet_spec_requirements(policy_id: str) -> None:
    frame = log(policy_id)
    kind = frame["event_type"]
    assert set(kind) <= set(EVENT_TYPES)
    assert set(frame["platform"]) <= set(PLATFORMS)
    msg = frame[kind == "message_received"]
    assert msg[["item_id", "account_id", "channel", "needs_response", "text"]].notna().all().all()
    assert set(msg["channel"]) == set(CHANNELS) and set(msg["needs_response"]) == {"true", "false"}
    others = frame[kind != "message_received"]
    assert others[["channel", "needs_response", "text"]].isna().all().all()
    assert frame.loc[kind == "categorised", "category"].notna().all()
    assert set(frame.loc[kind == "signposted", "signposted_to"]) <= set(SIGNPOSTS)
    assert frame.loc[kind == "signposted", "signposted_to"].notna().all()
    account_events = frame[kind.isin(ACCOUNT_EVENTS)]
    assert account_events["account_id"].notna().all()
    assert frame.loc[~kind.isin(ACCOUNT_EVENTS), "item_id"].notna().all()
    strands = frame[frame["protected_characteristic"].notna()]
    assert set(strands["protected_characteristic"]) <= set(PROTECTED_CHARACTERISTICS)
    assert strands["category"].str.contains("hate_discrimination").all()
    assert frame.loc[kind == "author_removed", "actor"].isna().all()
    assert 5 <= frame["actor"].nunique() <= 8


def test_item_size_and_linear_scaling() -> None:
    year = log("cntw")
    assert 20_000 <= len(year) <= 60_000
    assert 2.8 <= len(log("cntw", days=360)) / len(log("cntw", days=120)) <= 3.2
    assert 1.8 <= len(log("cntw", daily_items=80)) / len(year) <= 2.2
    share = (messages(year)["needs_response"] == "true").mean()
    assert 0.5 <= share <= 0.7


def test_platform_mix_and_busy_accounts() -> None:
    msg = messages(log("cntw"))
    share = msg["platform"].value_counts(normalize=True)
    assert share[["facebook", "x", "instagram"]].sum() > 0.7
    assert share[["facebook", "x", "instagram"]].min() > share[["linkedin", "youtube", "tiktok", "threads"]].max()
    per_account = msg.groupby(["platform", "account_id"]).size()
    top = per_account.nlargest(max(1, len(per_account) // 100)).sum()
    assert top / len(msg) > 0.05  # the busiest 1% of accounts post far more than 1% of messages


def test_arrivals_peak_in_office_hours_on_working_days() -> None:
    policy = get_policy("cntw")
    times = local(messages(log("cntw")), policy)
    on_working_day = working(times.dt.date, policy)
    office_clock = (times.dt.time >= policy.office_hours.open) & (times.dt.time < policy.office_hours.close)
    assert office_clock[on_working_day].mean() > office_clock[~on_working_day].mean() + 0.1
    per_day = times.dt.date.value_counts()
    day_is_working = working(pd.Series(per_day.index), policy).to_numpy()
    assert per_day[day_is_working].mean() > 1.4 * per_day[~day_is_working].mean()
    bank = holidays.country_holidays("GB", subdiv=policy.holiday_subdivision, years=[2026])
    weekday_holidays = [d for d in bank if d.weekday() < 5 and d >= DEMO_END - timedelta(days=365)]
    assert weekday_holidays and per_day.reindex(weekday_holidays).mean() < per_day[day_is_working].mean()


@pytest.mark.parametrize("policy_id", available_policies())
def test_every_event_follows_its_message(policy_id: str) -> None:
    frame = log(policy_id).assign(at=lambda f: pd.to_datetime(f["event_time"].astype(str), utc=True))
    received = messages(frame).set_index(["platform", "item_id"])["at"]
    assert received.index.is_unique
    others = frame[(frame["event_type"] != "message_received") & frame["item_id"].notna()]
    joined = others.join(received.rename("received"), on=["platform", "item_id"])
    assert joined["received"].notna().all()
    assert (joined["at"] > joined["received"]).all()


def test_replies_in_office_hours_mostly_on_time_some_late_some_never() -> None:
    policy = get_policy("ctmuhb")
    frame = log("ctmuhb")
    replies = frame[frame["event_type"] == "response_sent"]
    assert in_office(local(replies, policy), policy).mean() > 0.85
    # Same-or-next-working-day share, per SPEC §2, for items that need a response.
    bank = holidays.country_holidays("GB", subdiv=policy.holiday_subdivision, years=range(2025, 2028))
    hol = np.array(sorted(bank), dtype="datetime64[D]")
    need = messages(frame)[messages(frame)["needs_response"] == "true"]
    first = (frame[frame["event_type"].isin(["response_sent", "signposted"])]
             .groupby(["platform", "item_id"])["event_time"].min())
    need = need.join(first.rename("replied"), on=["platform", "item_id"])
    received = local(need, policy)
    day = received.dt.date.to_numpy().astype("datetime64[D]")
    after_close = (received.dt.time >= policy.office_hours.close).to_numpy()
    late_start = np.where(np.is_busday(day, holidays=hol) & after_close, day + 1, day)
    receipt = np.busday_offset(late_start, 0, roll="forward", holidays=hol)
    deadline_day = np.busday_offset(receipt, 1, holidays=hol)
    replied = pd.to_datetime(need["replied"].astype(str), utc=True).dt.tz_convert(policy.timezone)
    replied_day = replied.dt.date.to_numpy(na_value=np.datetime64("NaT")).astype("datetime64[D]")
    on_time = (replied_day <= deadline_day) & ~(
        (replied_day == deadline_day) & (replied.dt.time >= policy.office_hours.close).to_numpy())
    never = need["replied"].isna().to_numpy()
    assert 0.68 <= on_time.mean() <= 0.85
    assert 0.02 <= never.mean() <= 0.12
    assert (~on_time & ~never).mean() >= 0.08


def test_most_but_not_all_care_items_are_signposted() -> None:
    frame = log("cntw")
    care = codes_of(frame).query("code in @CARE")[["platform", "item_id"]].drop_duplicates()
    signposted = frame[frame["event_type"] == "signposted"][["platform", "item_id"]].drop_duplicates()
    share = len(care.merge(signposted)) / len(care)
    assert 0.8 <= share <= 0.97
    crisis = frame[frame["category"].fillna("").str.contains("crisis")]
    targets = frame[frame["event_type"] == "signposted"].merge(crisis[["platform", "item_id"]])["signposted_to"]
    assert set(targets) <= {"need_help_now", "emergency_999", "pals", "other_team", "email", "complaints"}
    assert targets.isin(["need_help_now", "emergency_999"]).mean() > 0.5


def test_one_moderator_removes_more_than_the_team() -> None:
    """SPEC G8 by hand: first decision per item, removal rate per (code, moderator) against the rest."""
    policy = get_policy("cntw")
    rule = policy.rules.G8_moderator_inconsistency
    frame = log("cntw")
    decisions = frame[frame["event_type"].isin([*REMOVAL_EVENTS, "reviewed_no_action"]) & frame["actor"].notna()]
    first = decisions.groupby(["platform", "item_id"]).first().reset_index()
    first["removed"] = first["event_type"].isin(REMOVAL_EVENTS)
    coded = first.merge(codes_of(frame), on=["platform", "item_id"])
    outliers = set()
    for _code, group in coded.groupby("code"):
        if len(group) < rule.min_decided_items:
            continue
        for actor, mine in group.groupby("actor"):
            rest = group[group["actor"] != actor]
            if len(mine) < rule.min_moderator_items or rest.empty:
                continue
            pooled = group["removed"].mean()
            se = math.sqrt(pooled * (1 - pooled) * (1 / len(mine) + 1 / len(rest)))
            z = (mine["removed"].mean() - rest["removed"].mean()) / se if se else 0.0
            if math.erfc(abs(z) / math.sqrt(2)) < rule.p_value and z > 0:
                outliers.add(actor)
    assert len(outliers) == 1


def test_warnings_blocks_and_repeat_offenders() -> None:
    frame = log("ctmuhb").assign(at=lambda f: pd.to_datetime(f["event_time"].astype(str), utc=True))
    author = messages(frame).set_index(["platform", "item_id"])["account_id"]
    frame["account"] = frame["account_id"].fillna(frame.join(author.rename("a"), on=["platform", "item_id"])["a"])
    removed = frame[frame["event_type"].isin(["hidden", "deleted", "author_removed"])]
    per_account = removed.groupby(["platform", "account"])["item_id"].nunique()
    assert (per_account >= 3).sum() >= 5
    warnings = frame[frame["event_type"] == "warning_sent"]
    blocks = frame[frame["event_type"] == "account_blocked"]
    warned_before = blocks.apply(lambda b: ((warnings["platform"] == b["platform"])
                                            & (warnings["account"] == b["account"])
                                            & (warnings["at"] < b["at"])
                                            & (warnings["at"] >= b["at"] - pd.Timedelta(days=30))).any(), axis=1)
    assert 0.1 < warned_before.mean() < 0.9
    followed = warnings.merge(frame[frame["event_type"].isin(["author_removed", "hidden", "deleted"])],
                              on=["platform", "item_id"])
    assert 0.5 < followed["item_id"].nunique() / len(warnings) < 0.95
    assert blocks["item_id"].isna().any() and blocks["item_id"].notna().mean() > 0.7


@pytest.mark.parametrize("policy_id", available_policies())
def test_police_reports_and_rationales(policy_id: str) -> None:
    policy = get_policy(policy_id)
    frame = log(policy_id)
    police = frame[frame["event_type"] == "reported_to_police"][["platform", "item_id"]]
    in_policy = police.merge(codes_of(frame)).query("code in @policy.rules.G3_police_report_outside_policy.categories")
    share = in_policy[["platform", "item_id"]].drop_duplicates().shape[0] / len(police)
    assert 0.7 <= share < 1.0
    decided = frame[frame["event_type"].isin(policy.rules.G6_decision_without_rationale.actions)]
    assert 0.7 < decided["rationale"].notna().mean() < 0.98
    assert frame.loc[frame["event_type"] == "categorised", "rationale"].isna().all()


def test_copies_saved_mostly_deleted_within_a_year() -> None:
    frame = generate_log(get_policy("ctmuhb"), days=730, seed=2, daily_items=20)
    at = pd.to_datetime(frame["event_time"].astype(str), utc=True)
    saved = frame.assign(at=at)[frame["event_type"] == "copy_saved"].set_index(["platform", "item_id"])["at"]
    deleted = frame.assign(at=at)[frame["event_type"] == "copy_deleted"].set_index(["platform", "item_id"])["at"]
    old = saved[saved < at.max() - pd.Timedelta(days=500)]
    kept = (deleted.reindex(old.index) - old).dt.days
    assert (kept <= 365).mean() > 0.6
    assert (kept.isna() | (kept > 365)).sum() >= 3  # rule G7 has something to find


def test_shape_dials_tilt_the_log_and_their_defaults_change_nothing() -> None:
    """The benchmarks' shapes (demo.simulate.Shape): each dial moves what it names, counted from the rows, and
    the default dials give the very log the generator gives without them."""
    policy = get_policy("ctmuhb")

    def made(shape: Shape | None = None) -> pd.DataFrame:
        extra = {} if shape is None else {"shape": shape}
        return generate_log(policy, days=60, seed=5, daily_items=200, **extra)

    def count(frame: pd.DataFrame, event_type: str) -> int:
        return int((frame["event_type"] == event_type).sum())

    def per_account(frame: pd.DataFrame) -> float:
        return len(messages(frame)) / messages(frame)["account_id"].nunique()

    plain = made()
    pd.testing.assert_frame_equal(plain, made(Shape()))
    assert per_account(made(Shape(accounts=0.1))) > 3 * per_account(plain)
    harsh = made(Shape(violations=4.0, warnings=1.8))
    assert count(harsh, "warning_sent") > 4 * count(plain, "warning_sent")
    assert count(harsh, "account_blocked") > 2 * count(plain, "account_blocked")
    assert count(made(Shape(copies=4.0)), "copy_saved") > 2 * count(plain, "copy_saved")


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_formats_round_trip(tmp_path: Path, suffix: str) -> None:
    frame = log("ctmuhb", days=30, bad_fraction=0.05)
    out = tmp_path / f"log{suffix}"
    write_log(frame, out)
    columns = ", ".join(f"{c}: 'VARCHAR'" for c in CANONICAL_COLUMNS)
    reader = {".csv": f"read_csv('{out}', all_varchar = true, header = true)",
              ".jsonl": f"read_json('{out}', format = 'newline_delimited', columns = {{{columns}}})",
              ".parquet": f"read_parquet('{out}')"}[suffix]
    back = duckdb.sql(f"SELECT {', '.join(CANONICAL_COLUMNS)} FROM {reader}").fetchall()
    expected = [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)]
    assert back == expected


def test_jsonl_leaves_out_missing_keys(tmp_path: Path) -> None:
    out = tmp_path / "log.jsonl"
    write_log(log("cntw", days=10), out)
    first = out.read_text(encoding="utf-8").splitlines()[0]
    assert '"message_received"' in first and "null" not in first and '"category"' not in first


def test_unknown_suffix_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.xlsx"):
        write_log(log("cntw", days=10), tmp_path / "log.xlsx")


def test_bad_fraction_corrupts_exactly_that_share_and_nothing_else() -> None:
    clean = log("ctmuhb", days=60)
    dirty = log("ctmuhb", days=60, bad_fraction=0.02)
    assert len(dirty) == len(clean)
    changed = (clean.fillna("\0") != dirty.fillna("\0")).any(axis=1)
    assert changed.sum() == round(0.02 * len(clean))
    assert (dirty.loc[changed, "event_type"] != "message_received").all()


@pytest.mark.parametrize("policy_id", available_policies())
def test_clean_log_loads_without_quarantine(tmp_path: Path, db: Path, policy_id: str) -> None:
    out = tmp_path / "log.csv"
    write_log(log(policy_id, days=45), out)
    result, errors = load_sources(db, get_policy(policy_id), [out], now=TEST_NOW)
    assert errors == []
    assert result.counts() == {"rows_in": len(log(policy_id, days=45)), "loaded": len(log(policy_id, days=45)),
                               "quarantined": 0, "duplicates": 0}


def test_corrupted_rows_and_only_they_are_quarantined(tmp_path: Path, db: Path) -> None:
    dirty = log("ctmuhb", days=60, bad_fraction=0.02)
    out = tmp_path / "log.parquet"
    write_log(dirty, out)
    result, errors = load_sources(db, get_policy("ctmuhb"), [out], now=TEST_NOW)
    bad = round(0.02 * len(dirty))
    assert errors == []
    assert result.counts() == {"rows_in": len(dirty), "loaded": len(dirty) - bad, "quarantined": bad,
                               "duplicates": 0}

"""Presets are data: every shipped one validates, and a bad one names its file and field."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from core.policy import POLICY_DIR, PolicyError, available_policies, get_policy, load_policy_file

SPEC_CATEGORIES = {  # SPEC §3, the ✓ columns
    "cntw": {"hate_discrimination", "profanity", "violent_threatening", "abuse", "targeting_staff", "defamatory_false",
             "inappropriate_links", "illegal_activity", "personal_information", "advertising", "mean_spirited"},
    "shropshire_ccg": {"hate_discrimination", "profanity", "violent_threatening", "abuse", "inappropriate_links",
                       "illegal_activity", "personal_information", "advertising"},
    "ctmuhb": {"hate_discrimination", "profanity", "violent_threatening", "abuse", "intimidation", "targeting_staff",
               "allegation_against_staff", "defamatory_false", "illegal_activity", "advertising", "sexually_explicit",
               "spam", "trolling"},
}
SPEC_RULES = {"cntw": {"G1", "G3", "G5", "G6", "G8"}, "shropshire_ccg": {"G1", "G3", "G5", "G6", "G8"},
              "ctmuhb": {"G1", "G2", "G3", "G4", "G5", "G6", "G7", "G8", "G9"}}


def test_shipped_presets_match_the_spec() -> None:
    assert set(SPEC_CATEGORIES) <= set(available_policies())  # SPEC's organisations are all shipped
    for pid, codes in SPEC_CATEGORIES.items():
        policy = get_policy(pid)
        assert set(policy.violation_categories) == codes
        assert {r.split("_")[0] for r in policy.rules.enabled()} == SPEC_RULES[pid]
        assert policy.response_target_working_days == 1 and policy.timezone == "Europe/London"
    assert get_policy("ctmuhb").holiday_subdivision == "WLS" and get_policy("cntw").holiday_subdivision == "ENG"


SEEDS = POLICY_DIR / "seeds"


def test_seed_copies_are_the_shared_seeds() -> None:
    """The published texts travel with the presets (core/policies/seeds); where the team's shared copy sits
    beside the checkout, ours must be the same text."""
    shared = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    ours = sorted(p.name for p in SEEDS.glob("*.txt"))
    assert ours == sorted(get_policy(pid).seed_file for pid in available_policies())
    if shared.exists():
        assert all((SEEDS / name).read_bytes() == (shared / name).read_bytes() for name in ours)


def test_enabled_rules_quote_their_seed() -> None:
    seeds = SEEDS
    for pid in available_policies():
        policy = get_policy(pid)
        text = " ".join((seeds / policy.seed_file).read_text().replace("’", "'").split())
        for name, rule in policy.rules.enabled().items():
            for fragment in rule.clause.split(" ... "):
                assert fragment in text, (pid, name, fragment)


def write_variant(tmp_path: Path, change: str, name: str = "acme") -> Path:
    data = (POLICY_DIR / "cntw.toml").read_text().replace('id = "cntw"', f'id = "{name}"')
    path = tmp_path / f"{name}.toml"
    path.write_text(data.replace(*change.split(" => ")) if " => " in change else data + change)
    return path


@pytest.mark.parametrize("change, field", [
    ('holiday_subdivision = "ENG" => holiday_subdivision = "XYZ"', "holiday_subdivision"),
    ('timezone = "Europe/London" => timezone = "Europe/Atlantis"', "timezone"),
    ('open = "09:00" => open = "18:00"', "office_hours"),
    ("response_target_working_days = 1 => response_target_working_days = 0", "response_target_working_days"),
    ("\n[unknown_section]\nx = 1\n", "unknown_section"),
    ("min_decided_items = 20 => min_decided_items = -1", "rules.G8_moderator_inconsistency.min_decided_items"),
    ('[rules.G2_block_without_warning]\nenabled = false => [rules.G2_block_without_warning]\nenabled = true',
     "rules.G2_block_without_warning"),
])
def test_bad_preset_names_file_and_field(tmp_path: Path, change: str, field: str) -> None:
    path = write_variant(tmp_path, change)
    with pytest.raises(PolicyError) as err:
        load_policy_file(path)
    assert str(path) in str(err.value) and f"field '{field}" in str(err.value)


def test_a_new_organisation_is_a_new_file(tmp_path: Path) -> None:
    path = write_variant(tmp_path, 'holiday_subdivision = "ENG" => holiday_subdivision = "NIR"', "belfast_trust")
    policy = load_policy_file(path)
    assert policy.id == "belfast_trust" and policy.holiday_subdivision == "NIR"
    assert tomllib.loads(path.read_text())["name"] == policy.name


def test_id_must_match_file_name(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "", "acme")
    path.rename(tmp_path / "other.toml")
    with pytest.raises(PolicyError, match="field 'id'"):
        load_policy_file(tmp_path / "other.toml")

"""Synthetic moderation logs: realistic enough to demo the dashboard, exact enough to benchmark the loader.

A log is generated item by item as whole-array steps (numpy), never event by event, so a benchmark can
ask for ten million events. Times are worked out as *local* wall-clock seconds, because every behaviour
being imitated (people posting in the evening, staff replying between 09:00 and 17:00 on working days)
is local, and converted to UTC once at the end. Categories, allowed actions and the thresholds the
governance rules test all come from the preset, so a new organisation needs no code here; the audit
findings the dashboard should surface (late replies, missing rationales, blocks without warnings, an
outlying moderator...) are planted at realistic low rates rather than scripted.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import holidays
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from core.policy import Policy
from core.vocab import (
    ACCOUNT_EVENTS,
    CANONICAL_COLUMNS,
    CHANNELS,
    EVENT_TYPES,
    PLATFORMS,
    PROTECTED_CHARACTERISTICS,
    SIGNPOSTS,
)

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float64]

# Demo data ends here, so that it is the same on every machine and never in the future of a load.
DEMO_END = date(2026, 11, 1)
# A mid-size trust: ~40 items a day gives ~90 events a day, ~30k a year.
DEFAULT_DAILY_ITEMS = 40
DAY = 86_400
MINUTE = 60
HOUR = 3_600

# When people post, by local hour; working days add OFFICE_BOOST inside the preset's office hours.
HOURLY = np.array([0.25, 0.15, 0.1, 0.08, 0.08, 0.12, 0.3, 0.6, 0.9, 1.0, 1.05, 1.05,
                   1.1, 1.05, 1.0, 1.0, 1.0, 1.05, 1.15, 1.3, 1.35, 1.2, 0.85, 0.5])
OFFICE_BOOST = 2.0
WEEKEND_FACTOR = 0.55
BANK_HOLIDAY_FACTOR = 0.6
SPIKE_DAYS, SPIKE_FACTOR = 0.01, 3.0  # a post that goes viral

PLATFORM_MIX = {"facebook": 0.36, "x": 0.22, "instagram": 0.22, "linkedin": 0.06, "youtube": 0.05,
                "tiktok": 0.05, "threads": 0.03, "other": 0.01}
CHANNEL_MIX = {"comment": 0.5, "reply": 0.2, "mention": 0.12, "direct_message": 0.18}
PROTECTED_MIX = {"race": 0.35, "religion": 0.2, "disability": 0.12, "sexual_orientation": 0.15,
                 "transgender_identity": 0.12, "other": 0.06}

# How common each kind of post is (relative); a code a preset adds that is not listed here gets weight 1
# (violations) or 3 (handling). Violations are scaled to their share per kind of account below.
VIOLATION_WEIGHT = {"profanity": 5, "abuse": 4, "trolling": 3, "spam": 2.5, "advertising": 2.5,
                    "mean_spirited": 2, "hate_discrimination": 1.5, "violent_threatening": 1.5,
                    "targeting_staff": 1.2, "defamatory_false": 1.2, "intimidation": 1, "allegation_against_staff": 1,
                    "inappropriate_links": 1, "illegal_activity": 0.8, "personal_information": 0.8,
                    "sexually_explicit": 0.5}
HANDLING_WEIGHT = {"general_enquiry": 12, "negative_feedback": 12, "individual_care": 8, "complaint": 7,
                   "clinical_question": 7, "crisis": 1.5}
PLAIN_WEIGHT = 45.0  # praise, thanks, chat: no category at all
VIOLATION_SHARE = {"ordinary": 0.04, "troll": 0.6}
TROLL_SHARE, TROLL_ACTIVITY = 0.03, 3.0
# Codes that staff treat as serious: removed more readily, reported to the platform more often.
SEVERE = frozenset({"violent_threatening", "hate_discrimination", "illegal_activity", "allegation_against_staff",
                    "personal_information", "sexually_explicit", "intimidation", "targeting_staff"})
# A handling code that often comes with a second one.
COMPANION = {"complaint": "individual_care", "individual_care": "complaint", "negative_feedback": "complaint",
             "clinical_question": "individual_care"}
NEEDS_RESPONSE = {"plain": 0.4, "violation": 0.15, "general_enquiry": 0.95, "negative_feedback": 0.55,
                  "individual_care": 0.95, "complaint": 0.95, "clinical_question": 0.95, "crisis": 0.97}
NEEDS_RESPONSE_OTHER_HANDLING = 0.7
# Where each handling code is signposted (share of replies that are signposts, then the targets).
SIGNPOST_TO: dict[str, tuple[float, dict[str, float]]] = {
    "individual_care": (0.93, {"pals": 0.6, "other_team": 0.25, "email": 0.15}),
    "complaint": (0.93, {"complaints": 0.65, "pals": 0.35}),
    "clinical_question": (0.9, {"other_team": 0.5, "need_help_now": 0.2, "email": 0.3}),
    "crisis": (0.95, {"need_help_now": 0.6, "emergency_999": 0.4}),
    "general_enquiry": (0.2, {"email": 0.6, "other_team": 0.4}),
}
# Replies: working days after the receipt day (0 = same day); ~75% are same or next working day.
REPLY_LAG = np.array([0.5, 0.32, 0.07, 0.04, 0.025, 0.015, 0.01, 0.01, 0.01])
OUT_OF_HOURS = 0.06  # staff actions taken outside office hours (on call, keen)

STAFF = ("Alex Morgan", "Priya Shah", "Sam Evans", "Jordan Lee", "Ffion Davies", "Chris Walker",
         "Amira Hassan", "Tom Baker")
# Removal chance once a violation is reviewed; the strict moderator (one per log) removes nearly always.
REMOVE_SEVERE, REMOVE_OTHER, REMOVE_STRICT = 0.8, 0.5, 0.95
HIDE_FEEDBACK, HIDE_FEEDBACK_STRICT, HIDE_PLAIN = 0.015, 0.06, 0.002

# Why a decision was taken, and how often one is written down (the rest feed rule G6).
RATIONALES: dict[str, tuple[float, tuple[str, ...]]] = {
    "reviewed_no_action": (0.5, ("negative feedback, within our principles", "no breach found",
                                 "criticism is allowed; left up", "off-topic but harmless")),
    "warning_sent": (0.95, ("explained which principle the post breaks and asked the author to remove it",
                            "warned about offensive language; asked to delete", "asked to remove staff names")),
    "author_removed": (0.0, ()),
    "hidden": (0.75, ("breaks our community principles", "offensive language", "abusive towards staff",
                      "hidden pending review", "advertising")),
    "deleted": (0.85, ("threatening content", "personal information shared", "spam", "repeat breach after warning",
                       "abusive towards staff")),
    "account_restricted": (0.8, ("limited while repeated posts are reviewed", "posting limited after removals")),
    "account_blocked": (0.88, ("repeat offender, warned before", "threats against staff",
                               "third removal in 90 days", "did not remove the post after a warning")),
    "account_unblocked": (0.9, ("appeal upheld", "block period ended")),
    "reported_to_platform": (0.85, ("reported as harassment", "reported as spam", "reported as hate speech",
                                    "reported as a threat")),
    "reported_to_police": (0.92, ("threat of violence against named staff", "hate crime reported",
                                  "possible criminal activity", "threat made against a ward")),
    "legal_referral": (0.95, ("defamatory claims about named staff; referred to legal services",)),
    "copy_saved": (0.9, ("safeguarding risk: copy kept offline", "evidence kept for a police report")),
    "copy_deleted": (0.8, ("retention period ended", "no longer needed")),
    "shared_with_safeguarding": (0.9, ("concern for welfare shared with the safeguarding team",
                                       "risk to a child; safeguarding informed")),
}

PLAIN_TEXTS = (
    "Thank you to the staff on ward 12, you were amazing with my mum ❤️",
    "Great to see this service opening in our area",
    "Shared! Everyone should know about this",
    "Brilliant work by the community team this week 👏",
    "Well done all, proud of our NHS",
    "Love this initiative 🙌",
    "My daughter had her jab here today, really smooth, thank you",
    "Happy retirement Jean, you'll be missed!",
    "Line one\nline two, with a comma",
    "Is this the same as the event last year?",
)
TEXTS: dict[str, tuple[str, ...]] = {
    "general_enquiry": ("What are the visiting times on the wards at the moment?",
                        "Is there parking at the new clinic?",
                        "Hi, how do I get a copy of my records?", "Are you recruiting healthcare assistants?",
                        "Which number do I ring to change an appointment?",
                        "Is the walk-in centre open on bank holidays?", "Do you have this leaflet in Welsh?"),
    "negative_feedback": ("Waited 4 hours in A&E last night. Not good enough.",
                          "Why has my appointment been cancelled AGAIN?? 3rd time, ridiculous",
                          "The car park charges are a disgrace", "Nobody answers the phone, what's the point",
                          '"Caring" my foot. Six months on the waiting list and still nothing',
                          "Spending money on logos instead of nurses, typical"),
    "individual_care": ("My dad has been on ward 4 for a week and nobody has told us the plan",
                        "Can someone call me about my son's referral? It's been 10 weeks",
                        "My mum's medication was missed again yesterday, who do I speak to",
                        "I was discharged without my prescription, what do I do now?"),
    "complaint": ("I want to make a formal complaint about how I was treated at the clinic",
                  "The receptionist was incredibly rude to my elderly father today",
                  "How do I complain? My referral was lost twice",
                  "Complaint: my wife was left in a corridor for 6 hours"),
    "clinical_question": ("Can I take ibuprofen with my new tablets?", "Is it normal to feel dizzy after the booster?",
                          "How long should I wait before driving after the procedure?",
                          "My rash is spreading, should I be worried?"),
    "crisis": ("I don't feel safe tonight and don't know who to call", "I can't cope anymore. Please help",
               "My friend says she's going to hurt herself, what do we do",
               "Feeling really low, everything is too much right now"),
    "profanity": ("This place is a f***ing joke", "Absolute sh*te service as usual", "What a load of b*llocks",
                  "Bl**dy useless the lot of you"),
    "abuse": ("You are all useless and should be sacked", "Pathetic, lazy staff who don't care",
              "Idiots running this place into the ground"),
    "violent_threatening": ("Someone should sort that receptionist out properly",
                            "Keep this up and I'll come down there and make you regret it",
                            "Watch your back when you leave work tonight"),
    "hate_discrimination": ("[discriminatory remark about a nurse's religion]",
                            "[slur] shouldn't be working in the NHS",
                            "[hateful comment about disabled patients]"),
    "intimidation": ("I know which ward you work on and I'll be waiting",
                     "We'll be outside the clinic every day until you listen"),
    "targeting_staff": ("Dr Smith on ward 3 is a disgrace, everyone report her",
                        "Everyone tell Nurse Jones what you think of her, she's on nights at the Royal"),
    "allegation_against_staff": ("That nurse stole from my gran, I'm telling everyone",
                                 "The manager at the unit is hurting patients and you're covering it up"),
    "defamatory_false": ("The trust is secretly selling our data to insurers",
                         "Their chief exec took bribes, everyone knows",
                         "The vaccines at this clinic are contaminated, don't go"),
    "inappropriate_links": ("lol look at this bit.ly/not-safe-for-work", "Watch this instead >>> hxxp://dodgy.example/video"),
    "illegal_activity": ("Anyone selling diazepam? DM me", "Can get you a sick note for £20, message me"),
    "personal_information": ("This is the home address of the nurse who treated me: 14 Acacia Road",
                             "Mrs K's NHS number is 485 777 3456, she was on ward 9"),
    "advertising": ("Buy cheap followers at example dot com!!! 🚀🚀", "Earn £500 a day from home, link in bio",
                    "Best CBD oil for anxiety, 20% off today"),
    "sexually_explicit": ("[sexually explicit content]", "[obscene image]"),
    "spam": ("FREE IPHONE CLICK HERE", "Sign the petition!!! Sign the petition!!! Sign the petition!!!"),
    "trolling": ("Who cares, the NHS should be scrapped anyway", "First!",
                 "Flat earth is real and so is your incompetence"),
    "mean_spirited": ("Hope your funding gets cut, you deserve it",
                      "Bet the staff laugh at patients behind their backs"),
}
OTHER_VIOLATION_TEXTS = ("This post breaks the rules, trust me", "[offensive content]")
OTHER_HANDLING_TEXTS = ("Can someone get back to me please?", "Who do I speak to about this?")

# What a corrupted row (bad_fraction) looks like; each is a SPEC §1 row-level failure.
BAD_TIMES = ("31/02/2026 25:61", "yesterday", "2026-13-45T10:00:00Z", "n/a")
BAD_CODES = ("rudeness", "off_topic_rant", "unclassified")
BAD_PLATFORMS = ("myspace", "bebo", "friendster")
BAD_EVENT_TYPES = ("liked", "escalated", "pinned")
BAD_PROTECTED = ("height", "postcode")
BAD_SIGNPOSTS = ("gp_surgery", "library")
CORRUPTIONS = ("unknown_category", "unparseable_time", "missing_time", "future_time", "missing_platform",
               "unknown_platform", "unknown_event_type", "orphan", "missing_item", "unknown_protected",
               "unknown_signpost")

ETYPE = {name: i for i, name in enumerate(EVENT_TYPES)}


@dataclass(frozen=True)
class _Calendar:
    """The preset's working week, bank holidays and office hours, in the forms numpy's busday functions take."""

    weekmask: str
    holidays: npt.NDArray[np.datetime64]
    open_s: int
    close_s: int

    @classmethod
    def of(cls, policy: Policy, first: date, last: date) -> _Calendar:
        days = holidays.country_holidays(policy.holiday_country, subdiv=policy.holiday_subdivision,
                                         years=range(first.year, last.year + 2))
        weekdays = set(policy.office_hours.weekday_numbers)
        hours = policy.office_hours
        return cls("".join("1" if d in weekdays else "0" for d in range(7)),
                   np.array(sorted(days), dtype="datetime64[D]"),
                   hours.open.hour * HOUR + hours.open.minute * MINUTE,
                   hours.close.hour * HOUR + hours.close.minute * MINUTE)

    def working(self, days: Ints) -> Bools:
        return np.is_busday(days.astype("datetime64[D]"), weekmask=self.weekmask, holidays=self.holidays)

    def minute_weights(self, working_day: bool) -> Floats:
        minutes = np.arange(1440)
        weights = HOURLY[minutes // 60].copy()
        if working_day:
            office = (minutes * MINUTE >= self.open_s) & (minutes * MINUTE < self.close_s)
            weights[office] *= OFFICE_BOOST
        return weights

    def office_time(self, after: Ints, workdays: Ints, u: Floats) -> Ints:
        """A moment in office hours on the `workdays`-th working day after the receipt day of `after` (SPEC §2).

        Strictly later than `after`: on the receipt day itself it falls between `after` and closing.
        """
        day, sod = np.divmod(after, DAY)
        too_late = (sod >= self.close_s - 5 * MINUTE) & self.working(day)
        receipt = np.busday_offset((day + too_late).astype("datetime64[D]"), 0, roll="forward",
                                   weekmask=self.weekmask, holidays=self.holidays)
        target = np.busday_offset(receipt, workdays, weekmask=self.weekmask,
                                  holidays=self.holidays).astype(np.int64)
        low = np.where(target == day, np.maximum(sod + MINUTE, self.open_s), self.open_s)
        return target * DAY + low + (u * (self.close_s - low)).astype(np.int64)


@dataclass
class _Items:
    """One row per item (message); `kind` indexes the preset's codes, with len(codes) meaning "no category"."""

    time: Ints
    account: Ints
    platform: Ints
    channel: Ints
    kind: Ints
    second: Ints  # a second code, -1 for none (which indexes "no category" too)
    combo: Ints
    protected: Ints
    needs: Bools
    text: Ints
    handler: Ints


@dataclass
class _Events:
    """Events gathered family by family as parallel integer arrays; text is made once, at the end."""

    rng: np.random.Generator
    rationale_texts: list[str] = field(default_factory=list)
    rationale_span: dict[str, tuple[int, int, float]] = field(default_factory=dict)
    parts: list[dict[str, npt.NDArray[np.int64]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for etype, (share, texts) in RATIONALES.items():
            self.rationale_span[etype] = (len(self.rationale_texts), len(texts), share)
            self.rationale_texts.extend(texts)

    def add(self, etype: str, items: Ints, times: Ints, actor: Ints | None = None, combo: Ints | None = None,
            protected: Ints | None = None, signpost: Ints | None = None) -> None:
        n = len(items)
        none = np.full(n, -1, dtype=np.int64)
        start, size, share = self.rationale_span.get(etype, (0, 0, 0.0))
        written = self.rng.random(n) < share
        rationale = np.where(written, start + (self.rng.random(n) * max(size, 1)).astype(np.int64), -1)
        # An account action names the item that led to it, mostly; without one it is about the account.
        named = self.rng.random(n) < 0.9 if etype in ACCOUNT_EVENTS else np.ones(n, dtype=bool)
        self.parts.append({
            "item": items.astype(np.int64), "time": times.astype(np.int64),
            "etype": np.full(n, ETYPE[etype], dtype=np.int64),
            "actor": none if actor is None else actor, "combo": none if combo is None else combo,
            "protected": none if protected is None else protected,
            "signpost": none if signpost is None else signpost,
            "rationale": rationale, "named": named.astype(np.int64),
        })

    def columns(self) -> dict[str, Ints]:
        return {k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0]}


def _per_code(values: Sequence[float], plain: float) -> np.ndarray:
    """A per-code table indexable by `_Items.kind` and by `_Items.second` (whose -1 lands on the last slot)."""
    return np.array([*values, plain])


def _cdf(weights: Floats) -> Floats:
    cdf = np.cumsum(weights / weights.sum())
    cdf[-1] = 1.0
    return cdf


def _draw(rng: np.random.Generator, weights: Floats, n: int) -> Ints:
    return np.searchsorted(_cdf(weights), rng.random(n), side="right").astype(np.int64)


def _mix(rng: np.random.Generator, mix: dict[str, float], vocab: tuple[str, ...], n: int) -> Ints:
    """Indices into `vocab`, drawn with the shares in `mix`."""
    weights = np.array([mix.get(v, 0.0) for v in vocab])
    return _draw(rng, weights, n)


def _arrivals(rng: np.random.Generator, cal: _Calendar, start: date, days: int, daily_items: int) -> Ints:
    """Local arrival times of every item, in order: busier on working days, with seasons and viral days."""
    first = np.datetime64(start, "D").astype(np.int64)
    day = np.arange(first, first + days, dtype=np.int64)
    working = cal.working(day)
    bank = np.isin(day.astype("datetime64[D]"), cal.holidays)
    factor = np.where(working, 1.0, np.where(bank, BANK_HOLIDAY_FACTOR, WEEKEND_FACTOR))
    day_of_year = (day.astype("datetime64[D]") - day.astype("datetime64[D]").astype("datetime64[Y]")).astype(int)
    factor *= 1 + 0.1 * np.cos(2 * np.pi * (day_of_year - 20) / 365.25)  # winter pressures
    factor *= rng.lognormal(0.0, 0.15, days) * np.where(rng.random(days) < SPIKE_DAYS, SPIKE_FACTOR, 1.0)
    counts = rng.poisson(daily_items * factor / factor.mean())
    item_day = np.repeat(day, counts)
    on_working = np.repeat(working, counts)
    u = rng.random(len(item_day))
    minute = np.where(on_working, np.searchsorted(_cdf(cal.minute_weights(True)), u, side="right"),
                      np.searchsorted(_cdf(cal.minute_weights(False)), u, side="right"))
    return np.sort(item_day * DAY + minute * MINUTE + rng.integers(0, MINUTE, len(item_day)))


def _kind_weights(codes: list[str], n_violations: int, share: float) -> Floats:
    violation = np.array([VIOLATION_WEIGHT.get(c, 1.0) for c in codes[:n_violations]])
    handling = np.array([HANDLING_WEIGHT.get(c, 3.0) for c in codes[n_violations:]] + [PLAIN_WEIGHT])
    other = handling.sum()
    return np.concatenate([violation / violation.sum() * share * other / (1 - share), handling])


def _items(rng: np.random.Generator, policy: Policy, codes: list[str], times: Ints, n_staff: int,
           daily_items: int) -> _Items:
    """Who posted what: a heavy-tailed pool of accounts, a few of them trolls who post most violations."""
    n = len(times)
    n_violations = len(policy.violation_categories)
    plain = len(codes)
    pool = max(200, daily_items * 60)
    account_platform = _mix(rng, PLATFORM_MIX, PLATFORMS, pool)
    troll = rng.random(pool) < TROLL_SHARE
    activity = (rng.pareto(1.5, pool) + 1) * np.where(troll, TROLL_ACTIVITY, 1.0)
    account = _draw(rng, activity, n)
    u = rng.random(n)
    kind = np.where(troll[account],
                    np.searchsorted(_cdf(_kind_weights(codes, n_violations, VIOLATION_SHARE["troll"])), u, "right"),
                    np.searchsorted(_cdf(_kind_weights(codes, n_violations, VIOLATION_SHARE["ordinary"])), u, "right"))
    violation = kind < n_violations
    # A second code: another violation, or a handling code's usual companion.
    other_violation = _draw(rng, np.array([VIOLATION_WEIGHT.get(c, 1.0) for c in codes[:n_violations]]), n)
    companion = _per_code([codes.index(COMPANION[c]) if COMPANION.get(c) in codes else -1 for c in codes], -1)
    second = np.where(violation, np.where(other_violation != kind, other_violation, -1), companion[kind])
    second = np.where(rng.random(n) < np.where(violation, 0.12, 0.07), second, -1)
    combo = np.where(kind < plain, kind * (plain + 1) + second + 1, -1)
    hate = _per_code([c == "hate_discrimination" for c in codes], False)
    strand = _mix(rng, PROTECTED_MIX, PROTECTED_CHARACTERISTICS, n)
    protected = np.where((hate[kind] | hate[second]) & (rng.random(n) < 0.75), strand, -1)
    needs_share = np.array(
        [NEEDS_RESPONSE["violation"]] * n_violations
        + [NEEDS_RESPONSE.get(c, NEEDS_RESPONSE_OTHER_HANDLING) for c in codes[n_violations:]]
        + [NEEDS_RESPONSE["plain"]])
    sizes = np.array([len(p) for p in _text_pools(policy, codes)])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    staff_load = rng.uniform(0.5, 1.5, n_staff)
    return _Items(
        time=times, account=account, platform=account_platform[account],
        channel=_mix(rng, CHANNEL_MIX, CHANNELS, n), kind=kind, second=second, combo=combo,
        protected=protected,
        needs=rng.random(n) < needs_share[kind],
        text=offsets[kind] + (rng.random(n) * sizes[kind]).astype(np.int64),
        handler=_draw(rng, staff_load, n),
    )


def _text_pools(policy: Policy, codes: list[str]) -> list[tuple[str, ...]]:
    """Message texts per kind (the preset's codes, then "no category"), in the order `_Items.kind` counts."""
    n_violations = len(policy.violation_categories)
    return [TEXTS.get(c, OTHER_VIOLATION_TEXTS if i < n_violations else OTHER_HANDLING_TEXTS)
            for i, c in enumerate(codes)] + [PLAIN_TEXTS]


class _Moderation:
    """What the team does with the items: categorise, reply or signpost, remove, warn, block, report.

    Each step is one pass over all items with a mask; an action the preset does not allow is never written.
    """

    def __init__(self, rng: np.random.Generator, policy: Policy, codes: list[str], cal: _Calendar,
                 items: _Items, n_staff: int, strict: int) -> None:
        self.rng, self.policy, self.codes, self.cal, self.it = rng, policy, codes, cal, items
        self.allowed = set(policy.actions.allowed) | {"message_received", "categorised", "response_sent",
                                                      "signposted"}
        self.n_staff, self.strict = n_staff, strict
        self.events = _Events(rng)
        self.n = len(items.time)
        self.never = np.full(self.n, np.iinfo(np.int64).max)

    def chance(self, p: float | Floats, mask: Bools) -> Bools:
        return mask & (self.rng.random(self.n) < p)

    def is_code(self, wanted: set[str] | frozenset[str] | list[str]) -> Bools:
        """Per item: is its (first) code one of `wanted`?"""
        return _per_code([c in wanted for c in self.codes], False)[self.it.kind]

    def lag(self, after: Ints, shares: list[float]) -> Ints:
        """A staff action some working days on (`shares` by day), in office hours; now and then on call instead."""
        office = self.cal.office_time(after, _draw(self.rng, np.array(shares), self.n), self.rng.random(self.n))
        on_call = after + self.rng.integers(10 * MINUTE, 3 * HOUR, self.n)
        return np.where(self.rng.random(self.n) < OUT_OF_HOURS, on_call, office)

    def soon(self, after: Ints, low: int, high: int) -> Ints:
        return after + self.rng.integers(low, high, self.n)

    def emit(self, etype: str, mask: Bools, times: Ints, actor: Ints | None = None, coded: float = 0.75,
             signpost: Ints | None = None) -> Bools:
        """Write `etype` for the items in `mask`, by `actor` (default: the item's handler); returns who got one.

        `coded` is the share of these events that carry the item's category codes themselves.
        """
        if etype not in self.allowed:
            return np.zeros(self.n, dtype=bool)
        idx = np.flatnonzero(mask)
        combo = np.where(self.rng.random(len(idx)) < coded, self.it.combo[idx], -1)
        who = self.it.handler if actor is None else actor
        self.events.add(etype, idx, times[idx], actor=None if etype == "author_removed" else who[idx], combo=combo,
                        signpost=None if signpost is None else signpost[idx])
        return mask

    def run(self) -> _Events:
        it = self.it
        n_violations = len(self.policy.violation_categories)
        self.events.add("message_received", np.arange(self.n), it.time)
        categorise_at = self.lag(it.time, [0.75, 0.2, 0.05])
        violation = it.kind < n_violations
        handling = (it.kind >= n_violations) & (it.kind < len(self.codes))
        idx = np.flatnonzero(self.chance(np.where(violation, 0.97, 0.88), violation | handling))
        self.events.add("categorised", idx, categorise_at[idx], actor=it.handler[idx], combo=it.combo[idx],
                        protected=it.protected[idx])
        self.reply(violation)
        decide_at = self.lag(categorise_at, [0.6, 0.3, 0.1])
        removed_at, warned_block_at = self.decide(violation, decide_at)
        self.account_actions(violation, decide_at, removed_at, warned_block_at)
        self.reports(violation, decide_at, removed_at)
        return self.events

    def reply(self, violation: Bools) -> None:
        """Replies, mostly within the target; care questions, complaints and crises mostly signposted.

        A signpost is itself a reply (SPEC §2), and is given whether or not the post asked for one.
        """
        it = self.it
        everyone = np.ones(self.n, dtype=bool)
        share = _per_code([SIGNPOST_TO[c][0] if c in SIGNPOST_TO else 0.0 for c in self.codes], 0.0)
        signposted = self.chance(np.maximum(share[it.kind], share[it.second]), everyone)
        replied = signposted | self.chance(np.where(it.needs, np.where(violation, 0.4, 0.92), 0.1), everyone)
        reply_at = self.lag(it.time, list(REPLY_LAG))
        answered_first = self.chance(0.25, signposted)
        by = np.where(self.rng.random(self.n) < 0.75, it.handler, self.rng.integers(0, self.n_staff, self.n))
        self.emit("response_sent", replied & (~signposted | answered_first), reply_at, actor=by, coded=0.0)
        target = np.full(self.n, -1, dtype=np.int64)
        for i, code in enumerate(self.codes):
            mine = signposted & np.where(share[it.kind] > 0, it.kind == i, it.second == i)
            if code in SIGNPOST_TO:
                target[mine] = _mix(self.rng, SIGNPOST_TO[code][1], SIGNPOSTS, int(mine.sum()))
        later = np.where(answered_first, self.soon(reply_at, 2 * MINUTE, 2 * HOUR), reply_at)
        self.emit("signposted", signposted, later, actor=by, coded=0.0, signpost=target)

    def removal(self, mask: Bools, times: Ints, coded: float = 0.75) -> Bools:
        """Hide or delete, whichever the preset allows (hiding is the gentler and commoner); returns who was."""
        kinds = [k for k in ("hidden", "deleted") if k in self.allowed]
        done = np.zeros(self.n, dtype=bool)
        if kinds:
            pick = _draw(self.rng, np.array([{"hidden": 0.65, "deleted": 0.35}[k] for k in kinds]), self.n)
            for i, etype in enumerate(kinds):
                done |= self.emit(etype, mask & (pick == i), times, coded=coded)
        return done

    def decide(self, violation: Bools, decide_at: Ints) -> tuple[Ints, Ints]:
        """Remove or leave each violation, warning first where allowed; returns removal and block times."""
        it = self.it
        strict = it.handler == self.strict
        remove_p = np.where(strict, REMOVE_STRICT, np.where(self.is_code(SEVERE), REMOVE_SEVERE, REMOVE_OTHER))
        remove = self.chance(remove_p, violation)
        self.emit("reviewed_no_action", self.chance(0.85, violation & ~remove), decide_at)
        warn = self.emit("warning_sent", self.chance(0.5, remove), decide_at)
        removed = self.removal(remove & ~warn, decide_at)
        removed_at = np.where(removed, decide_at, self.never)
        # After a warning the author takes the post down, or staff do, or block the account, or nothing happens.
        outcome = _draw(self.rng, np.array([0.45, 0.3, 0.1, 0.15]), self.n)
        author_at = self.soon(decide_at, 30 * MINUTE, 3 * DAY)
        by_author = self.emit("author_removed", warn & (outcome == 0), author_at)
        staff_at = self.lag(decide_at, [0.0, 0.4, 0.3, 0.2, 0.1])
        by_staff = self.removal(warn & (outcome == 1), staff_at)
        removed_at = np.where(by_author, author_at, np.where(by_staff, staff_at, removed_at))
        block_at = np.where(warn & (outcome == 2), self.lag(decide_at, [0, 0, 0.3, 0.3, 0.2, 0.1, 0.05, 0.05]),
                            self.never)
        # Negative feedback is left up by policy, yet some of it (and some chat) is hidden: what rule G1 finds.
        feedback = self.is_code({"negative_feedback"})
        self.emit("reviewed_no_action", self.chance(0.3, feedback), decide_at)
        hide_p = np.where(feedback, np.where(strict, HIDE_FEEDBACK_STRICT, HIDE_FEEDBACK), HIDE_PLAIN)
        hidden = self.emit("hidden", self.chance(hide_p, feedback | (it.kind == len(self.codes))), decide_at,
                           coded=0.3)
        return np.where(hidden, decide_at, removed_at), block_at

    def account_actions(self, violation: Bools, decide_at: Ints, removed_at: Ints, block_at: Ints) -> None:
        """Blocks: after a warning, at once for the immediate-action codes, for repeat offenders, a few unexplained."""
        it = self.it
        g2 = self.policy.rules.G2_block_without_warning
        removed = removed_at != self.never
        at_once = self.chance(np.where(self.is_code(g2.immediate_categories), 0.3, 0.02),
                              removed & violation & (removed_at == decide_at))
        block_at = np.where(at_once, self.soon(decide_at, MINUTE, 30 * MINUTE), block_at)
        # Repeat offenders: blocked at their n-th removed item, counted per account in time order.
        order = np.lexsort((removed_at, it.platform, it.account))
        account = it.account[order] * len(PLATFORMS) + it.platform[order]
        first = np.r_[True, account[1:] != account[:-1]]
        ordinal = np.arange(self.n) - np.maximum.accumulate(np.where(first, np.arange(self.n), 0))
        nth = np.zeros(self.n, dtype=bool)
        nth[order] = (ordinal == g2.repeat_min_items - 1) & removed[order]
        repeat = self.chance(0.7, nth & (block_at == self.never))
        block_at = np.where(repeat, self.lag(np.where(repeat, removed_at, 0), [0.6, 0.3, 0.1]), block_at)
        blocked = self.emit("account_blocked", block_at != self.never, block_at)
        unblock_at = self.lag(np.where(blocked, block_at, 0) + self.rng.integers(30, 120, self.n) * DAY, [1.0])
        self.emit("account_unblocked", self.chance(0.1, blocked), unblock_at)
        self.emit("account_restricted", self.chance(0.06, removed & ~blocked),
                  self.soon(np.where(removed, removed_at, 0), MINUTE, HOUR))

    def reports(self, violation: Bools, decide_at: Ints, removed_at: Ints) -> None:
        """Reports to the platform and police, legal referrals, safeguarding, and copies kept offline."""
        severe = self.is_code(SEVERE) & violation
        self.emit("reported_to_platform", self.chance(np.where(severe, 0.25, 0.06), removed_at != self.never),
                  self.soon(decide_at, 2 * MINUTE, 90 * MINUTE))
        # Mostly for the codes the police policy names; a few outside it (rule G3).
        police_codes = self.is_code(self.policy.rules.G3_police_report_outside_policy.categories)
        police_at = self.lag(decide_at, [0.7, 0.3])
        police = self.emit("reported_to_police", self.chance(np.where(police_codes, 0.18, 0.005), violation),
                           police_at)
        self.emit("legal_referral", self.chance(0.15, self.is_code({"defamatory_false", "allegation_against_staff"})),
                  self.lag(decide_at, [0.2, 0.4, 0.4]))
        crisis = self.is_code({"crisis"})
        self.emit("shared_with_safeguarding",
                  self.chance(np.where(crisis, 0.4, 0.1), crisis | self.is_code({"violent_threatening"})),
                  self.lag(self.it.time, [0.8, 0.2]))
        saved_at = np.where(police, self.soon(police_at, MINUTE, 20 * MINUTE), self.soon(decide_at, MINUTE, HOUR))
        saved = self.emit("copy_saved", self.chance(0.6, police) | self.chance(np.where(crisis, 0.3, 0.2),
                                                                                  crisis | severe), saved_at)
        # Most copies are deleted within the year; some are kept too long (rule G7), some forgotten.
        keep_days = np.where(self.rng.random(self.n) < 0.9, self.rng.integers(30, 330, self.n),
                             self.rng.integers(366, 500, self.n))
        self.emit("copy_deleted", self.chance(0.88, saved), self.lag(saved_at + keep_days * DAY, [1.0]))


def _to_utc(local: Ints, zone: str) -> Ints:
    """Local wall-clock seconds to UTC seconds; the repeated autumn hour is read as GMT, the spring gap skipped."""
    index = pd.DatetimeIndex(local.astype("datetime64[s]"))
    utc = index.tz_localize(zone, ambiguous=np.zeros(len(local), dtype=bool), nonexistent="shift_forward")
    return utc.as_unit("s").asi8.astype(np.int64)


def _iso_utc(seconds: Ints) -> pa.Array:
    """`YYYY-MM-DDTHH:MM:SS+00:00` built as fixed-width bytes: Arrow's strftime costs ~1 s per million."""
    n = len(seconds)
    days, second_of_day = np.divmod(seconds, DAY)
    first = int(days.min()) if n else 0
    calendar = np.arange(first, (int(days.max()) if n else 0) + 1).astype("datetime64[D]")
    day_text = np.frombuffer("".join(np.datetime_as_string(calendar)).encode(), np.uint8).reshape(-1, 10)
    out = np.empty((n, 25), dtype=np.uint8)
    out[:, :10] = day_text[days - first]
    out[:, 19:] = np.frombuffer(b"+00:00", np.uint8)
    out[:, 10] = ord("T")
    out[:, 13] = out[:, 16] = ord(":")
    for col, value in ((11, second_of_day // HOUR), (14, second_of_day // MINUTE % 60), (17, second_of_day % 60)):
        out[:, col] = ord("0") + value // 10
        out[:, col + 1] = ord("0") + value % 10
    offsets = np.arange(0, 25 * (n + 1), 25, dtype=np.int64)
    return pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(out)])


def _take(vocab: list[str] | tuple[str, ...] | pa.Array, idx: Ints, valid: Bools | None = None) -> pa.Array:
    """vocab[idx] as Arrow text, null where `valid` is false (default: where idx < 0)."""
    ok = idx >= 0 if valid is None else valid
    values = vocab if isinstance(vocab, pa.Array) else pa.array(list(vocab), type=pa.large_string())
    return values.take(pa.array(np.where(ok, idx, 0), mask=~ok))


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.large_string())


def _item_ids(items: _Items, seed: int) -> pa.Array:
    """`<platform>-<seed>-<arrival day>-<n>`: unique within a log and across logs of other seeds or days."""
    prefix = {"facebook": "fb", "x": "x", "instagram": "ig", "linkedin": "li", "youtube": "yt", "tiktok": "tt",
              "threads": "th", "other": "ot"}
    day = items.time // DAY
    first = np.r_[True, day[1:] != day[:-1]]
    seq = np.arange(len(day)) - np.maximum.accumulate(np.where(first, np.arange(len(day)), 0))
    calendar = np.arange(int(day.min()), int(day.max()) + 1).astype("datetime64[D]")
    day_text = [d.replace("-", "") for d in np.datetime_as_string(calendar)]
    return pc.binary_join_element_wise(
        _take([prefix[p] for p in PLATFORMS], items.platform), _text(str(seed)),
        _take(day_text, day - int(day.min())),
        pc.utf8_lpad(pc.cast(pa.array(seq), pa.large_string()), 5, "0"), _text("-"))


def _table(policy: Policy, codes: list[str], items: _Items, ev: dict[str, Ints], staff: list[str], seed: int,
           rationales: list[str]) -> dict[str, pa.Array]:
    """The canonical columns as Arrow text, from the integer event arrays (already in time order)."""
    item, etype = ev["item"], ev["etype"]
    is_message = etype == ETYPE["message_received"]
    with_account = is_message | np.isin(etype, [ETYPE[e] for e in ACCOUNT_EVENTS])
    plain = len(codes)
    combos = [codes[p] if s < 0 else f"{codes[p]}|{codes[s]}" for p in range(plain) for s in range(-1, plain)]
    item_ids = _item_ids(items, seed) if len(items.time) else pa.array([], pa.large_string())
    accounts = pc.utf8_lpad(pc.cast(pa.array(np.arange(int(items.account.max(initial=0)) + 1)), pa.large_string()),
                            6, "0")
    texts = [t for pool in _text_pools(policy, codes) for t in pool]
    return {
        "event_id": pc.binary_join_element_wise(
            item_ids.take(pa.array(item)), _take([f"{i:02d}" for i in range(len(EVENT_TYPES))], etype), _text(".")),
        "event_time": _iso_utc(ev["time"]),
        "event_type": _take(EVENT_TYPES, etype),
        "platform": _take(PLATFORMS, items.platform[item]),
        "item_id": _take(item_ids, item, ev["named"] == 1),
        "account_id": pc.binary_join_element_wise(_text("acct"), _take(accounts, items.account[item], with_account),
                                                  _text("")),
        "channel": _take(CHANNELS, items.channel[item], is_message),
        "needs_response": _take(("false", "true"), items.needs[item].astype(np.int64), is_message),
        "category": _take(combos, ev["combo"]),
        "protected_characteristic": _take(PROTECTED_CHARACTERISTICS, ev["protected"]),
        "actor": _take(staff, ev["actor"]),
        "signposted_to": _take(SIGNPOSTS, ev["signpost"]),
        "rationale": _take(rationales, ev["rationale"]),
        "text": _take(texts, items.text[item], is_message),
    }


def _corrupt(columns: dict[str, pa.Array], etype: Ints, fraction: float, stream: list[int],
             codes: list[str]) -> dict[str, pa.Array]:
    """Break `fraction` of the rows in the SPEC §1 ways, one way per row, so each fails alone.

    Messages are left intact (breaking one would orphan its whole item), and the corruption draws from its own
    random stream, so every other row is exactly what the same seed gives without corruption.
    """
    rng = np.random.default_rng(stream)
    candidates = np.flatnonzero(etype != ETYPE["message_received"])
    rows = np.sort(rng.choice(candidates, min(len(candidates), round(fraction * len(etype))), replace=False))
    how = rng.integers(0, len(CORRUPTIONS), len(rows))
    # An account event may name no item, so "missing item" would not be a failure there.
    account_event = np.isin(etype[rows], [ETYPE[e] for e in ACCOUNT_EVENTS])
    how = np.where(account_event & (how == CORRUPTIONS.index("missing_item")), CORRUPTIONS.index("orphan"), how)

    def pick(values: tuple[str, ...], k: int) -> list[str | None]:
        return [str(v) for v in rng.choice(values, k)]

    for i, kind in enumerate(CORRUPTIONS):
        at = rows[how == i]
        k = len(at)
        column, values = {
            "unknown_category": ("category", pick(tuple(c for c in BAD_CODES if c not in codes), k)),
            "unparseable_time": ("event_time", pick(BAD_TIMES, k)),
            "missing_time": ("event_time", [None] * k),
            "future_time": ("event_time", ["2032" + t[4:] for t in columns["event_time"].take(at).to_pylist()]),
            "missing_platform": ("platform", [None] * k),
            "unknown_platform": ("platform", pick(BAD_PLATFORMS, k)),
            "unknown_event_type": ("event_type", pick(BAD_EVENT_TYPES, k)),
            "orphan": ("item_id", ["missing-" + e for e in columns["event_id"].take(at).to_pylist()]),
            "missing_item": ("item_id", [None] * k),
            "unknown_protected": ("protected_characteristic", pick(BAD_PROTECTED, k)),
            "unknown_signpost": ("signposted_to", pick(BAD_SIGNPOSTS, k)),
        }[kind]
        mask = np.zeros(len(etype), dtype=bool)
        mask[at] = True
        columns[column] = pc.replace_with_mask(columns[column], pa.array(mask),
                                               pa.array(values, type=pa.large_string()))
    return columns


def generate_log(policy: Policy, days: int, seed: int, start: date | None = None, *,
                 daily_items: int | None = None, bad_fraction: float = 0.0) -> pd.DataFrame:
    """A canonical log (SPEC §1) of `days` days from `start` (default: ending on DEMO_END), the same for a seed.

    About 2.3 events per item, so `daily_items` ≈ events / (2.3 × days). Columns are text (pandas string
    dtype on Arrow, missing values as <NA>), times are UTC with a `+00:00` offset, rows are in time order.
    Events that would fall after the end of the window (a reply still to come) are left out, as in a real
    export. `bad_fraction` > 0 corrupts that share of rows so that the quarantine has something to show.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    if not 0.0 <= bad_fraction <= 1.0:
        raise ValueError(f"bad_fraction must be between 0 and 1, not {bad_fraction}")
    start = start or DEMO_END - timedelta(days=days)
    end = start + timedelta(days=days)
    if end > DEMO_END:
        raise ValueError(f"the log would end on {end}, after {DEMO_END}: it would hold events in the future")
    # Each organisation gets its own stream: three presets with one seed should not look like one trust.
    streams = [seed, zlib.crc32(policy.id.encode())]
    rng = np.random.default_rng(streams)
    rate = DEFAULT_DAILY_ITEMS if daily_items is None else daily_items
    cal = _Calendar.of(policy, start, end)
    codes = list(policy.violation_categories) + list(policy.handling_categories)
    staff = [STAFF[i] for i in rng.permutation(len(STAFF))[: int(rng.integers(5, len(STAFF) + 1))]]
    strict = int(rng.integers(len(staff)))
    items = _items(rng, policy, codes, _arrivals(rng, cal, start, days, rate), len(staff), rate)
    events = _Moderation(rng, policy, codes, cal, items, len(staff), strict).run()
    ev = events.columns()
    # To UTC; every event strictly after its message (DST can squeeze local gaps), none after the window.
    message_utc = _to_utc(items.time, policy.timezone)
    utc = np.maximum(_to_utc(ev["time"], policy.timezone),
                     np.where(ev["etype"] == ETYPE["message_received"], 0, message_utc[ev["item"]] + MINUTE))
    end_utc = np.datetime64(end, "s").astype(np.int64)
    cut = min(int(_to_utc(np.array([end_utc]), policy.timezone)[0]), np.datetime64(DEMO_END, "s").astype(np.int64))
    keep = np.flatnonzero(utc < cut)
    order = keep[np.lexsort((ev["etype"][keep], ev["item"][keep], utc[keep]))]
    ev = {k: v[order] for k, v in ev.items()} | {"time": utc[order]}
    columns = _table(policy, codes, items, ev, staff, seed, events.rationale_texts)
    if bad_fraction > 0:
        columns = _corrupt(columns, ev["etype"], bad_fraction, [*streams, 1], codes)
    table = pa.table({c: columns[c] for c in CANONICAL_COLUMNS})
    return table.to_pandas(types_mapper={pa.large_string(): pd.StringDtype("pyarrow")}.get)


def write_log(frame: pd.DataFrame, out: Path) -> None:
    """Write a log as `.csv`, `.jsonl` or `.parquet` by suffix, every column as text, missing as empty/absent.

    CSV goes through Arrow's writer (quotes every value; ~0.4 s per million rows against ~2 s for DuckDB's).
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.cast(pa.schema([pa.field(name, pa.large_string()) for name in table.column_names]))
    suffix = out.suffix.lower()
    if suffix == ".csv":
        pa_csv.write_csv(table, out)
    elif suffix == ".jsonl":
        _write_jsonl(table, out)
    elif suffix == ".parquet":
        pq.write_table(table, out)
    else:
        raise ValueError(f"{out}: unknown format {suffix or '(no extension)'!r}; expected .csv, .jsonl or .parquet")


def _write_jsonl(table: pa.Table, out: Path) -> None:
    """One JSON object per line, leaving out missing keys; DuckDB's to_json does the escaping."""
    def key(name: str) -> str:
        return "'" + json.dumps(name).replace("'", "''") + ":'"

    def ident(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    fields = ", ".join(f"CASE WHEN {ident(n)} IS NOT NULL THEN {key(n)} || to_json({ident(n)}) END"
                       for n in table.column_names)
    con = duckdb.connect()
    try:
        con.register("log", table)
        lines = con.sql(f"SELECT '{{' || concat_ws(',', {fields}) || '}}' FROM log").to_arrow_table().column(0)  # noqa: S608
    finally:
        con.close()
    with out.open("w", encoding="utf-8", newline="\n") as fh:
        for chunk in lines.chunks:
            fh.writelines(line + "\n" for line in chunk.to_pylist())

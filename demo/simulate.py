"""The simulation: when items arrive, who posted what, and what the team does with each, as integer arrays.

A log is generated item by item as whole-array steps (numpy), never event by event, so that a
benchmark-sized log is quick to make. Categories, allowed actions and the thresholds the governance rules
test all come from the preset, so a new organisation needs no code here; the audit findings the dashboard
should surface (late replies, missing rationales, blocks without warnings, an outlying moderator...) are
planted at realistic low rates rather than scripted. Every draw comes from the one generator passed in, in
a fixed order, which is what makes a seed reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt

from core.policy import Policy
from core.vocab import ACCOUNT_EVENTS, CHANNELS, EVENT_TYPES, PLATFORMS, PROTECTED_CHARACTERISTICS, SIGNPOSTS
from demo.calendar import DAY, HOUR, MINUTE, Bools, Calendar, Floats, Ints
from demo.corpora import (
    CHANNEL_MIX,
    COMPANION,
    HANDLING_WEIGHT,
    NEEDS_RESPONSE,
    NEEDS_RESPONSE_OTHER_HANDLING,
    PLAIN_WEIGHT,
    PLATFORM_MIX,
    PROTECTED_MIX,
    RATIONALES,
    TROLL_ACTIVITY,
    TROLL_SHARE,
    VIOLATION_SHARE,
    VIOLATION_WEIGHT,
    text_pools,
)

# When people post, by local hour; working days add OFFICE_BOOST inside the preset's office hours.
HOURLY = np.array([0.25, 0.15, 0.1, 0.08, 0.08, 0.12, 0.3, 0.6, 0.9, 1.0, 1.05, 1.05,
                   1.1, 1.05, 1.0, 1.0, 1.0, 1.05, 1.15, 1.3, 1.35, 1.2, 0.85, 0.5])
OFFICE_BOOST = 2.0
WEEKEND_FACTOR = 0.55
BANK_HOLIDAY_FACTOR = 0.6
SPIKE_DAYS, SPIKE_FACTOR = 0.01, 3.0  # a post that goes viral

# Codes that staff treat as serious: removed more readily, reported to the platform more often.
SEVERE = frozenset({"violent_threatening", "hate_discrimination", "illegal_activity", "allegation_against_staff",
                    "personal_information", "sexually_explicit", "intimidation", "targeting_staff"})
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
# Removal chance once a violation is reviewed; the strict moderator (one per log) removes nearly always.
REMOVE_SEVERE, REMOVE_OTHER, REMOVE_STRICT = 0.8, 0.5, 0.95
HIDE_FEEDBACK, HIDE_FEEDBACK_STRICT, HIDE_PLAIN = 0.015, 0.06, 0.002

ETYPE = {name: i for i, name in enumerate(EVENT_TYPES)}


@dataclass(frozen=True)
class Shape:
    """Dials that tilt a log towards one kind of work, each a factor on the demo trust's own rate (1 leaves
    it as it is): the benchmarks use them to load the rules that look across an account's or an item's
    events. `accounts` scales the pool of posting accounts (fewer accounts, more messages each: repeat
    offenders); `violations` the share of messages that break the rules (more removals, warnings and blocks);
    `warnings` the chance a removal is warned first; `copies` the chance of a safeguarding share or an offline
    copy. A share stays below 1 however far it is turned."""

    accounts: float = 1.0
    violations: float = 1.0
    warnings: float = 1.0
    copies: float = 1.0


DEMO_SHAPE = Shape()


def _share(p: float | Floats, factor: float) -> float | Floats:
    """A chance scaled by a Shape factor, kept a chance (unchanged when the factor is 1)."""
    return p if factor == 1.0 else np.minimum(np.asarray(p) * factor, 0.95)


@dataclass
class Items:
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
class Events:
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


def simulate(rng: np.random.Generator, policy: Policy, codes: list[str], cal: Calendar, start: date, days: int,
             daily_items: int, n_staff: int, shape: Shape = DEMO_SHAPE) -> tuple[Items, Events]:
    """The items of `days` days from `start` and the team's events on them, in local time and in no order.

    One of the `n_staff` is strict: the outlying moderator the dashboard should find.
    """
    strict = int(rng.integers(n_staff))
    items = _items(rng, policy, codes, _arrivals(rng, cal, start, days, daily_items), n_staff, daily_items, shape)
    return items, _Moderation(rng, policy, codes, cal, items, n_staff, strict, shape).run()


def _arrivals(rng: np.random.Generator, cal: Calendar, start: date, days: int, daily_items: int) -> Ints:
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
    minute = np.where(on_working, np.searchsorted(_cdf(_minute_weights(cal, True)), u, side="right"),
                      np.searchsorted(_cdf(_minute_weights(cal, False)), u, side="right"))
    return np.sort(item_day * DAY + minute * MINUTE + rng.integers(0, MINUTE, len(item_day)))


def _minute_weights(cal: Calendar, working_day: bool) -> Floats:
    """How busy each minute of a day is; working days are busier inside the preset's office hours."""
    minutes = np.arange(1440)
    weights = HOURLY[minutes // 60].copy()
    if working_day:
        office = (minutes * MINUTE >= cal.open_s) & (minutes * MINUTE < cal.close_s)
        weights[office] *= OFFICE_BOOST
    return weights


def _kind_weights(codes: list[str], n_violations: int, share: float) -> Floats:
    violation = np.array([VIOLATION_WEIGHT.get(c, 1.0) for c in codes[:n_violations]])
    handling = np.array([HANDLING_WEIGHT.get(c, 3.0) for c in codes[n_violations:]] + [PLAIN_WEIGHT])
    other = handling.sum()
    return np.concatenate([violation / violation.sum() * share * other / (1 - share), handling])


def _items(rng: np.random.Generator, policy: Policy, codes: list[str], times: Ints, n_staff: int,
           daily_items: int, shape: Shape) -> Items:
    """Who posted what: a heavy-tailed pool of accounts, a few of them trolls who post most violations."""
    n = len(times)
    n_violations = len(policy.violation_categories)
    plain = len(codes)
    pool = max(200, round(daily_items * 60 * shape.accounts))
    account_platform = _mix(rng, PLATFORM_MIX, PLATFORMS, pool)
    troll = rng.random(pool) < TROLL_SHARE
    activity = (rng.pareto(1.5, pool) + 1) * np.where(troll, TROLL_ACTIVITY, 1.0)
    account = _draw(rng, activity, n)
    u = rng.random(n)
    troll_share, ordinary_share = (float(_share(VIOLATION_SHARE[k], shape.violations)) for k in ("troll", "ordinary"))
    kind = np.where(troll[account],
                    np.searchsorted(_cdf(_kind_weights(codes, n_violations, troll_share)), u, "right"),
                    np.searchsorted(_cdf(_kind_weights(codes, n_violations, ordinary_share)), u, "right"))
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
    sizes = np.array([len(p) for p in text_pools(policy, codes)])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    staff_load = rng.uniform(0.5, 1.5, n_staff)
    return Items(
        time=times, account=account, platform=account_platform[account],
        channel=_mix(rng, CHANNEL_MIX, CHANNELS, n), kind=kind, second=second, combo=combo,
        protected=protected,
        needs=rng.random(n) < needs_share[kind],
        text=offsets[kind] + (rng.random(n) * sizes[kind]).astype(np.int64),
        handler=_draw(rng, staff_load, n),
    )


class _Moderation:
    """What the team does with the items: categorise, reply or signpost, remove, warn, block, report.

    Each step is one pass over all items with a mask; an action the preset does not allow is never written.
    """

    def __init__(self, rng: np.random.Generator, policy: Policy, codes: list[str], cal: Calendar,
                 items: Items, n_staff: int, strict: int, shape: Shape) -> None:
        self.rng, self.policy, self.codes, self.cal, self.it, self.shape = rng, policy, codes, cal, items, shape
        self.allowed = set(policy.actions.allowed) | {"message_received", "categorised", "response_sent",
                                                      "signposted"}
        self.n_staff, self.strict = n_staff, strict
        self.events = Events(rng)
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

    def run(self) -> Events:
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
        warn = self.emit("warning_sent", self.chance(_share(0.5, self.shape.warnings), remove), decide_at)
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
        copies = self.shape.copies
        self.emit("shared_with_safeguarding", self.chance(_share(np.where(crisis, 0.4, 0.1), copies),
                                                          crisis | self.is_code({"violent_threatening"})),
                  self.lag(self.it.time, [0.8, 0.2]))
        saved_at = np.where(police, self.soon(police_at, MINUTE, 20 * MINUTE), self.soon(decide_at, MINUTE, HOUR))
        saved = self.emit("copy_saved", self.chance(_share(0.6, copies), police)
                          | self.chance(_share(np.where(crisis, 0.3, 0.2), copies), crisis | severe), saved_at)
        # Most copies are deleted within the year; some are kept too long (rule G7), some forgotten.
        keep_days = np.where(self.rng.random(self.n) < 0.9, self.rng.integers(30, 330, self.n),
                             self.rng.integers(366, 500, self.n))
        self.emit("copy_deleted", self.chance(0.88, saved), self.lag(saved_at + keep_days * DAY, [1.0]))


def _per_code(values: Sequence[float], plain: float) -> np.ndarray:
    """A per-code table indexable by `Items.kind` and by `Items.second` (whose -1 lands on the last slot)."""
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

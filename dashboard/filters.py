"""The sidebar filters (policy, receipt dates, platforms, channels), kept in the URL's query parameters.

The URL is read once when a session starts and written back on every run, so a view can be shared by
copying the address bar and reopens exactly (dates are always written out, never left to a default
that would move as data arrives). Parsing is pure and forgiving: anything unknown in a URL is dropped
and replaced by the default rather than raising.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import streamlit as st

from core.policy import get_policy
from core.vocab import CHANNEL_LABELS, CHANNELS, PLATFORM_LABELS, PLATFORMS
from dashboard import data

DEFAULT_DAYS = 91  # a quarter: long enough for monthly trends, short enough to be "the period"
QUERY_KEYS = ("policy", "from", "to", "platform", "channel")
_POLICY, _DATES, _PLATFORMS, _CHANNELS = "f_policy", "f_dates", "f_platforms", "f_channels"


@dataclass(frozen=True)
class Filters:
    policy: str
    date_from: date
    date_to: date
    platforms: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()


def default_filters(policy: data.PolicyData) -> Filters:
    """The last quarter of the policy's data, every platform and channel."""
    start = max(policy.first_day, policy.last_day - timedelta(days=DEFAULT_DAYS - 1))
    return Filters(policy.policy_id, start, policy.last_day)


def _day(values: Sequence[str]) -> date | None:
    try:
        return date.fromisoformat(values[0]) if values else None
    except ValueError:
        return None


def from_query(params: Mapping[str, Sequence[str]], policies: Sequence[data.PolicyData]) -> Filters:
    """Filters from URL query parameters; unknown or malformed values fall back to the defaults."""
    by_id = {p.policy_id: p for p in policies}
    wanted = list(params.get("policy", []))
    policy = by_id[wanted[0]] if wanted and wanted[0] in by_id else policies[0]
    default = default_filters(policy)
    date_from = _day(params.get("from", [])) or default.date_from
    date_to = _day(params.get("to", [])) or default.date_to
    if date_from > date_to:
        date_from, date_to = date_to, date_from
    return Filters(
        policy.policy_id, date_from, date_to,
        tuple(dict.fromkeys(p for p in params.get("platform", []) if p in PLATFORMS)),
        tuple(dict.fromkeys(c for c in params.get("channel", []) if c in CHANNELS)),
    )


def to_query(filters: Filters) -> dict[str, str | list[str]]:
    """Query parameters that reproduce the filters (platform and channel repeat, one value each)."""
    out: dict[str, str | list[str]] = {"policy": filters.policy, "from": filters.date_from.isoformat(),
                                       "to": filters.date_to.isoformat()}
    if filters.platforms:
        out["platform"] = list(filters.platforms)
    if filters.channels:
        out["channel"] = list(filters.channels)
    return out


def _seed(filters: Filters) -> None:
    st.session_state[_POLICY] = filters.policy
    st.session_state[_DATES] = (filters.date_from, filters.date_to)
    st.session_state[_PLATFORMS] = list(filters.platforms)
    st.session_state[_CHANNELS] = list(filters.channels)


def _reset(policy: data.PolicyData) -> None:
    _seed(default_filters(policy))


def _policy_changed(by_id: Mapping[str, data.PolicyData]) -> None:
    """A different organisation starts from its own default period; other filters are cleared."""
    _reset(by_id[st.session_state[_POLICY]])


def sidebar(db: str, policies: Sequence[data.PolicyData]) -> Filters:
    """Draw the filters, return what they select and write it to the URL."""
    state = st.session_state
    by_id = {p.policy_id: p for p in policies}
    if state.get(_POLICY) not in by_id:  # a new session (or the policy vanished): start from the URL
        _seed(from_query({k: st.query_params.get_all(k) for k in QUERY_KEYS}, policies))
    bar = st.sidebar
    bar.selectbox("Organisation", list(by_id), key=_POLICY,
                  format_func=lambda i: f"{get_policy(i).short_name} · {by_id[i].name}",
                  on_change=_policy_changed, args=(by_id,), help="The published policy the log is judged against.")
    policy = by_id[state[_POLICY]]
    bar.date_input("Messages received between", key=_DATES, format="DD/MM/YYYY",
                   min_value=date(2000, 1, 1), max_value=max(policy.last_day, date.today()) + timedelta(days=366),
                   help=f"Data runs from {policy.first_day:%-d %b %Y} to {policy.last_day:%-d %b %Y}.")
    options = data.run(db, "scope_options", {"policy": policy.policy_id})
    platforms = [v for v in options.loc[options["kind"] == "platform", "value"]]
    channels = [v for v in options.loc[options["kind"] == "channel", "value"]]
    state[_PLATFORMS] = [p for p in state.get(_PLATFORMS, []) if p in platforms]
    state[_CHANNELS] = [c for c in state.get(_CHANNELS, []) if c in channels]
    bar.multiselect("Platforms", platforms, key=_PLATFORMS, format_func=lambda p: PLATFORM_LABELS.get(p, p),
                    placeholder="All platforms")
    bar.multiselect("Channels", channels, key=_CHANNELS, format_func=lambda c: CHANNEL_LABELS.get(c, c),
                    placeholder="All channels")
    bar.button("Reset filters", on_click=_reset, args=(policy,))
    dates = state[_DATES]
    if len(dates) == 2:  # while a range is half picked, keep the last complete one
        state["f_last_dates"] = tuple(dates)
    date_from, date_to = state.get("f_last_dates", (policy.first_day, policy.last_day))
    filters = Filters(policy.policy_id, date_from, date_to, tuple(state[_PLATFORMS]), tuple(state[_CHANNELS]))
    st.query_params.from_dict(to_query(filters))
    return filters

"""The dashboard's entry point: `streamlit run dashboard/app.py -- --db PATH` (or MODAUDIT_DB=PATH).

It finds the warehouse, draws the sidebar filters (kept in the URL), works out the view every page
shares and hands over to the page chosen in the navigation. A missing or empty warehouse gets a page
that says how to load data instead of an error.

Every page opens with a warning when the organisation's latest event is more than a week before today:
statuses are worked out as of that event, and a reader must not take a month-old picture for today's.
"Today" is the policy's local date, or MODAUDIT_TODAY (YYYY-MM-DD) when set, so that tests and
demonstrations over fixed data can say which day it is.

Who is looking comes first (`dashboard.auth`): in local mode every page, with a note that only this
computer can open it; with sign-in, nothing of the warehouse is read before the user has signed in, a user
without a role gets a page saying whom to ask, and the navigation lists only the pages the user's roles
reach (a page left out of it cannot be opened by its URL: Streamlit runs only the pages it was given).
Every sign-in and page view (with its filters) is appended to the access log beside the warehouse.
"""

from __future__ import annotations

import os
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import streamlit as st

from core.policy import available_policies, get_policy
from dashboard import auth, data, filters, ui
from dashboard.pages import PAGES, all_pages
from queries import Scope

HERE = Path(__file__).parent
VIEWS = HERE / "views"
STALE_AFTER_DAYS = 7  # data ending longer ago than this get the banner


def getting_started(db: str | None, reason: str) -> None:
    """Shown instead of the pages while there is nothing to analyse."""
    st.title("Moderation audit")
    st.info(f"{reason} Load a moderation log to see the dashboard.")
    target = db or "data/warehouse.duckdb"
    st.markdown("Load a canonical moderation log (CSV, JSON Lines or Parquet) for one of the policy presets "
                f"({', '.join(available_policies())}):")
    st.code(f"modaudit load FILE --db {target} --policy {available_policies()[0]}", language="bash")
    st.markdown("then start the dashboard on it, or run `make demo` for three organisations' demo data:")
    st.code(f"modaudit dashboard --db {target}", language="bash")


def first_load(access: auth.Access, db: str, reason: str) -> None:
    """Nothing loaded yet. Those who may load get the pages that work before data (the Upload page), for an
    organisation chosen in the sidebar, so a team's first log needs no command line; the rest are told how
    to load one."""
    early = [p for p in all_pages() if p.before_data and access.reaches(p.roles)]
    if not early:
        st.navigation([st.Page(lambda: getting_started(db, reason), title="Getting started")]).run()
        return
    names = {pid: get_policy(pid).name for pid in available_policies()}
    chosen = st.sidebar.selectbox("Organisation", list(names), format_func=names.__getitem__, key="first_policy")
    policy = get_policy(chosen)
    now = datetime.now(ZoneInfo(policy.timezone))
    st.session_state[ui.VIEW_KEY] = data.View(db=db, policy=policy, scope=Scope(policy=policy.id), as_of=now,
                                              first_day=now.date(), last_day=now.date(), items=0, access=access)
    st.info(f"{reason} Load the organisation's first moderation log here.")
    page = st.navigation([st.Page(VIEWS / p.file, title=p.title, icon=p.icon, url_path=p.url_path,
                                  default=i == 0) for i, p in enumerate(early)])
    log_view(access, db, page.title, Scope(policy=policy.id))
    page.run()


def upgrade_needed(db: str, exc: data.OutdatedWarehouse) -> None:
    """Shown instead of the pages while the warehouse's schema is not the one this release reads."""
    st.title("Moderation audit")
    st.warning(str(exc))
    if exc.older:
        st.markdown("Upgrade it in place (it keeps every event, run and quarantined row), then reload this page:")
        st.code(f"modaudit upgrade --db {db}", language="bash")
    else:
        st.markdown("Open it with the release of modaudit that wrote it, or a later one.")


def not_a_warehouse(exc: data.NotAWarehouse) -> None:
    """Shown when --db names something that is not a warehouse: no load is coming to make it one."""
    st.title("Moderation audit")
    st.warning(str(exc))
    st.markdown("Start the dashboard on a warehouse file, one that `modaudit load` wrote:")
    st.code("modaudit dashboard --db PATH", language="bash")


def today(timezone: str) -> date:
    """Today's date in the policy's zone, or MODAUDIT_TODAY (YYYY-MM-DD): the one place "today" is read."""
    fixed = os.environ.get("MODAUDIT_TODAY")
    return date.fromisoformat(fixed) if fixed else datetime.now(ZoneInfo(timezone)).date()


def stale_banner(latest: datetime | None, timezone: str, name: str) -> None:
    """A warning on every page when the data end more than a week before today: the pages' statuses and
    "latest month" are as of the latest event, which a grey caption alone let a reader mistake for today."""
    if latest is None:
        return
    last = latest.astimezone(ZoneInfo(timezone)).date()
    behind = (today(timezone) - last).days
    if behind > STALE_AFTER_DAYS:
        st.warning(f"The data end on {last:%-d %B %Y}: {name}'s latest event is {behind} days before today. "
                   "Every figure and status is as of that day; load newer data to bring it up to date.",
                   icon=":material/history:")


def sign_in() -> None:
    """The only page before sign-in, whatever the URL: nothing of the warehouse is read for it."""
    st.title("Moderation audit")
    st.markdown("Sign in with your organisation's account to open the dashboard. What you can see depends "
                "on your role (leadership, auditor, comms team or administrator).")
    st.button("Sign in", on_click=st.login, type="primary", icon=":material/login:")


def no_role(access: auth.Access) -> None:
    """A signed-in user whose e-mail has no role: no data, and whom to ask."""
    st.title("No access yet")
    if not access.verified:
        st.markdown(f"You are signed in as **{access.email}**, but your sign-in provider has not verified that "
                    "this address is yours, so the dashboard gives it no role and shows you no data.")
    else:
        st.markdown(f"You are signed in as **{access.email}**, but this address has no role on the dashboard, so "
                    "it shows you no data.")
    st.markdown(f"Ask {access.contact} to give you a role: leadership, auditor, comms or admin.")


def auth_broken(message: str) -> None:
    """The auth file became unusable while the server ran (it was valid at start): no data until it is fixed."""
    st.title("Sign-in is not available")
    st.markdown(f"The dashboard's sign-in settings cannot be used: {message}. Ask the dashboard's administrator.")


def sign_out(access: auth.Access, db: str | None) -> None:
    """The Sign out button: logged, then Streamlit forgets the user (its cookie is cleared)."""
    if db:
        auth.record(access, db, "sign-out")
    st.logout()


def identity(access: auth.Access, db: str | None) -> None:
    """The sidebar's word on who is looking: local mode on every page, or the user, roles and Sign out."""
    if access.mode == "local":
        st.sidebar.markdown(f":material/lock: {auth.LOCAL_NOTE}")
        return
    roles = ", ".join(r for r in auth.ROLES if r in access.roles) or "no role"
    st.sidebar.markdown(f"Signed in as **{access.email}** ({roles}).")
    st.sidebar.button("Sign out", on_click=sign_out, args=(access, db), icon=":material/logout:")


def log_sign_in(access: auth.Access, db: str) -> None:
    """A sign-in, logged once per browser session: Streamlit starts one when the provider sends the user
    back, and a reload starts another with the same cookie (logged too: it is a new arrival)."""
    if access.mode == "signed-in" and not st.session_state.get("_signed_in_logged"):
        auth.record(access, db, "sign-in")
        st.session_state["_signed_in_logged"] = True


def log_view(access: auth.Access, db: str, page: str, scope: Scope) -> None:
    """A page view with its filters, logged when the page or the filters change (not on every widget's
    rerun, which would bury the views in repeats)."""
    filters_text = (f"policy={scope.policy} from={scope.date_from} to={scope.date_to}"
                    f" platform={','.join(scope.platforms or []) or 'all'}"
                    f" channel={','.join(scope.channels or []) or 'all'}")
    if st.session_state.get("_logged_view") != (page, filters_text):
        auth.record(access, db, "view", page, filters_text)
        st.session_state["_logged_view"] = (page, filters_text)


def main() -> None:
    st.set_page_config(page_title="Moderation audit", page_icon=":material/shield:", layout="wide")
    # Streamlit cuts a card's label and value off with an ellipsis ("Posts and accounts with fin…", "5.6 office
    # h…") where a laptop's four cards a row are too narrow for them: let them wrap instead.
    st.html("<style>[data-testid='stMetricLabel'] *, [data-testid='stMetricValue'] * "
            "{white-space: normal !important; overflow: visible !important; text-overflow: clip !important}</style>")
    db = data.warehouse_path(sys.argv)
    try:
        access = auth.current()
    except auth.AuthFileError as exc:
        broken = str(exc)
        st.navigation([st.Page(lambda: auth_broken(broken), title="Sign-in not available")]).run()
        return
    if access.mode == "signed-out":
        st.session_state.pop(ui.VIEW_KEY, None)  # nothing of a signed-in run outlives its sign-out
        st.navigation([st.Page(sign_in, title="Sign in")]).run()
        return
    identity(access, db)
    if db is not None and Path(db).is_file():
        log_sign_in(access, db)
    if access.mode == "signed-in" and not access.roles:
        st.session_state.pop(ui.VIEW_KEY, None)
        st.navigation([st.Page(lambda: no_role(access), title="No access")]).run()
        return
    if db is None:
        reason = "No warehouse was given (`--db PATH` after `--`, or MODAUDIT_DB)."
        st.navigation([st.Page(lambda: getting_started(None, reason), title="Getting started")]).run()
        return
    try:
        policies = data.loaded_policies(db)
    except data.NotAWarehouse as exc:
        wrong = exc
        st.navigation([st.Page(lambda: not_a_warehouse(wrong), title="Not a warehouse")]).run()
        return
    except data.NoWarehouse as exc:
        first_load(access, db, str(exc))
        return
    except data.OutdatedWarehouse as exc:
        outdated = exc
        st.navigation([st.Page(lambda: upgrade_needed(db, outdated), title="Upgrade needed")]).run()
        return
    chosen = filters.sidebar(db, policies)
    policy = get_policy(chosen.policy)
    scope = Scope(policy=policy.id, date_from=chosen.date_from, date_to=chosen.date_to,
                  platforms=chosen.platforms or None, channels=chosen.channels or None)
    latest, items = data.scope_state(db, scope)
    as_of = latest or datetime.now(ZoneInfo(policy.timezone))
    bounds = next(p for p in policies if p.policy_id == policy.id)
    st.session_state[ui.VIEW_KEY] = data.View(db=db, policy=policy, scope=scope, as_of=as_of,
                                              first_day=bounds.first_day, last_day=bounds.last_day, items=items,
                                              access=access)
    # Markdown, not a caption: Streamlit's caption grey fails WCAG contrast on the sidebar's grey (axe, color-contrast).
    st.sidebar.markdown(f"Status as of the latest event, "
                       f"{as_of.astimezone(ZoneInfo(policy.timezone)):%-d %b %Y %H:%M} ({policy.timezone}).")
    stale_banner(latest, policy.timezone, policy.short_name)
    # Only the pages the user's roles reach; the first of them is the site's root (the Overview, where reached).
    reachable = {section: [p for p in entries if access.reaches(p.roles)] for section, entries in PAGES.items()}
    first = next(p for entries in reachable.values() for p in entries)
    pages = {section: [st.Page(VIEWS / p.file, title=p.title, icon=p.icon, url_path=p.url_path, default=p is first)
                       for p in entries]
             for section, entries in reachable.items() if entries}
    chosen_page = st.navigation(pages)
    log_view(access, db, chosen_page.title, scope)
    chosen_page.run()


try:
    main()
except Exception as exc:  # a reader never sees a traceback, whatever failed
    ui.show_failure(exc)

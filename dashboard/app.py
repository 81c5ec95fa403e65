"""The dashboard's entry point: `streamlit run dashboard/app.py -- --db PATH` (or MODAUDIT_DB=PATH).

It finds the warehouse, draws the sidebar filters (kept in the URL), works out the view every page
shares and hands over to the page chosen in the navigation. A missing or empty warehouse gets a page
that says how to load data instead of an error.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import streamlit as st

from core.policy import available_policies, get_policy
from dashboard import data, filters, ui
from dashboard.pages import PAGES
from queries import Scope

HERE = Path(__file__).parent
VIEWS = HERE / "views"


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


def upgrade_needed(db: str, exc: data.OutdatedWarehouse) -> None:
    """Shown instead of the pages while the warehouse's schema is not the one this release reads."""
    st.title("Moderation audit")
    st.warning(str(exc))
    if exc.older:
        st.markdown("Upgrade it in place (it keeps every event, run and quarantined row), then reload this page:")
        st.code(f"modaudit upgrade --db {db}", language="bash")
    else:
        st.markdown("Open it with the release of modaudit that wrote it, or a later one.")


def main() -> None:
    st.set_page_config(page_title="Moderation audit", page_icon=":material/shield:", layout="wide")
    db = data.warehouse_path(sys.argv)
    if db is None:
        reason = "No warehouse was given (`--db PATH` after `--`, or MODAUDIT_DB)."
        st.navigation([st.Page(lambda: getting_started(None, reason), title="Getting started")]).run()
        return
    try:
        policies = data.loaded_policies(db)
    except data.NoWarehouse as exc:
        reason = str(exc)
        st.navigation([st.Page(lambda: getting_started(db, reason), title="Getting started")]).run()
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
                                              first_day=bounds.first_day, last_day=bounds.last_day, items=items)
    st.sidebar.caption(f"Status as of the latest event, "
                       f"{as_of.astimezone(ZoneInfo(policy.timezone)):%-d %b %Y %H:%M} ({policy.timezone}).")
    pages = {section: [st.Page(VIEWS / p.file, title=p.title, icon=p.icon, url_path=p.url_path) for p in entries]
             for section, entries in PAGES.items()}
    st.navigation(pages).run()


try:
    main()
except Exception as exc:  # a reader never sees a traceback, whatever failed
    ui.show_failure(exc)

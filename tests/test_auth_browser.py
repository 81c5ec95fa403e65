"""Sign-in for real: an OpenID Connect provider (`oidc-provider-mock`, one user per role and a stranger), the
dashboard served by `modaudit dashboard --auth FILE`, and headless Chromium signing in through the provider's
own authorise page. Before sign-in no page URL sends anything of the warehouse; each role sees exactly its
pages; a stranger sees none; a page's URL outside a role shows nothing of it; sign-out works; the access log
holds what was opened; the new pages pass the axe check of tests/test_browser.py."""

# Fixtures come from tests/dashboard_support.py and tests/test_browser.py by import (tests/conftest.py is not
# ours), so pytest's fixture arguments shadow those imports by design:
# ruff: noqa: F811

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from queries import access_log
from tests.dashboard_support import PAGES, _free_port, served, wait_for, warehouse  # noqa: F401 (fixtures)
from tests.test_auth import EVERY_PAGE, EXPECTED, auth_toml
from tests.test_browser import HEIGHT, READY_MS, WIDTH, accessibility_violations, browser  # noqa: F401

pytestmark = pytest.mark.browser
SUBJECTS = {"leadership": "lead", "auditor": "audit", "comms": "comms", "admin": "admin", None: "stranger"}
EMAILS = {"lead": "lead@trust.example", "audit": "audit@trust.example", "comms": "comms@trust.example",
          "admin": "admin@trust.example", "stranger": "stranger@elsewhere.example"}
UNVERIFIED = "unverified"  # claims the auditor's address, which the provider has not verified
URLS = {title: path for title, path in PAGES.values()} | {"Access log": "access-log"}
# What only a page drawn from the warehouse has: a chart, a table, a headline figure, the sidebar's filters.
DATA = '.js-plotly-plot, [data-testid="stDataFrame"], [data-testid="stMetric"], [data-testid="stSidebar"] input'


@pytest.fixture(scope="module")
def provider(warehouse: Path) -> Iterator[int]:
    """The OpenID Connect provider on a free port, with one predefined user per role and a stranger."""
    port = _free_port()
    claims = [arg for sub, email in EMAILS.items()
              for arg in ("--user-claims", json.dumps({"sub": sub, "email": email, "email_verified": True}))]
    claims += ["--user-claims", json.dumps({"sub": UNVERIFIED, "email": EMAILS["audit"], "email_verified": False})]
    log = warehouse.parent / "oidc-provider.log"
    with log.open("w") as out:
        proc = subprocess.Popen([str(Path(sys.executable).with_name("oidc-provider-mock")), "--port", str(port),
                                 *claims], stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/.well-known/openid-configuration", proc, log)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def auth_server(warehouse: Path, provider: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`modaudit dashboard --auth FILE` on the test warehouse; yields its base URL."""
    port = _free_port()  # the auth file's redirect address names it
    folder = tmp_path_factory.mktemp("auth-server")
    auth_file = folder / "auth.toml"
    auth_file.write_text(auth_toml(port=port, provider=provider).replace("localhost", "127.0.0.1"), encoding="utf-8")
    with served(warehouse, "--auth", str(auth_file), folder=folder, port=port) as url:
        yield url


def ready(page: Page) -> None:
    """The app has finished its run: a page title drawn and the 'running' indicator gone."""
    page.locator("h1").first.wait_for(timeout=READY_MS)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=READY_MS)
    page.wait_for_timeout(700)


def sign_in(page: Page, server: str, subject: str) -> None:
    """Through the provider's own authorise page, as a person would."""
    page.goto(f"{server}/")
    page.get_by_role("button", name="Sign in").click()
    page.locator("input[name=sub]").fill(subject)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{server}/**", timeout=READY_MS)
    page.get_by_role("button", name="Sign out").wait_for(timeout=READY_MS)
    ready(page)


def nav_titles(page: Page) -> set[str]:
    """The sidebar's page links by title (each link's text is its icon's name, then its title)."""
    links = page.locator('[data-testid="stSidebarNavLink"]').all_inner_texts()
    return {text.strip().splitlines()[-1].strip() for text in links}


def test_before_sign_in_no_page_url_sends_anything_of_the_warehouse(browser: Browser, auth_server: str) -> None:
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    received: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(
        payload if isinstance(payload, str) else payload.decode("latin-1"))))
    try:
        for title, path in URLS.items():
            page.goto(f"{auth_server}/{path}")
            page.get_by_role("button", name="Sign in").wait_for(timeout=READY_MS)
            ready(page)
            assert page.locator(DATA).count() == 0, title
            assert page.get_by_role("heading", name=title, level=1).count() == 0 or title == "Overview", title
        sent = "".join(received)
        assert "Moderation audit" in sent  # the frames were seen...
        assert not any(word in sent for word in ("acct-", "staff-", "Messages received", "plotly"))  # ...with no data
        assert accessibility_violations(page) == []
    finally:
        context.close()


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_signs_in_and_sees_exactly_its_pages(browser: Browser, auth_server: str, role: str) -> None:
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    try:
        sign_in(page, auth_server, SUBJECTS[role])
        assert nav_titles(page) == EXPECTED[role]
        for title in sorted(EXPECTED[role]):
            page.goto(f"{auth_server}/{URLS[title]}")
            page.get_by_role("heading", name=title, level=1).wait_for(timeout=READY_MS)
            ready(page)
            assert page.locator('[data-testid="stException"]').count() == 0, title
            if title == "Access log":
                assert page.locator('[data-testid="stDataFrame"]').count() == 1
                assert accessibility_violations(page) == []
        for title in sorted(EVERY_PAGE - EXPECTED[role]):  # typed into the address bar: nothing of it
            page.goto(f"{auth_server}/{URLS[title]}")
            page.get_by_role("button", name="Sign out").wait_for(timeout=READY_MS)
            ready(page)
            assert page.get_by_role("heading", name=title, level=1).count() == 0, title
            assert page.locator('[data-testid="stException"]').count() == 0, title
    finally:
        context.close()


def test_leadership_typing_the_data_quality_url_sees_nothing_of_it(browser: Browser, auth_server: str,
                                                                   warehouse: Path) -> None:
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    try:
        sign_in(page, auth_server, "lead")
        page.goto(f"{auth_server}/data-quality")
        page.get_by_role("button", name="Sign out").wait_for(timeout=READY_MS)
        ready(page)
        text = page.locator('[data-testid="stMain"]').inner_text()
        assert "Data quality" not in [h.strip() for h in page.locator("h1").all_inner_texts()]
        assert "Quarantine" not in text and "Download quarantine" not in text
    finally:
        context.close()
    lead = access_log.entries(warehouse)
    lead = lead[lead["user"] == "lead@trust.example"]
    assert "Data quality" not in lead["page"].tolist()  # the page never ran for them


def test_a_stranger_signs_in_and_sees_no_data_and_whom_to_ask(browser: Browser, auth_server: str) -> None:
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    try:
        sign_in(page, auth_server, "stranger")
        page.get_by_role("heading", name="No access yet", level=1).wait_for(timeout=READY_MS)
        assert nav_titles(page) == set()
        assert page.locator(DATA).count() == 0
        assert "digital@trust.example" in page.locator('[data-testid="stMain"]').inner_text()
        assert accessibility_violations(page) == []
        page.goto(f"{auth_server}/governance")
        page.get_by_role("heading", name="No access yet", level=1).wait_for(timeout=READY_MS)
        ready(page)
        assert page.locator(DATA).count() == 0
    finally:
        context.close()


def test_an_unverified_address_gets_no_role_even_when_the_auth_file_names_it(browser: Browser,
                                                                              auth_server: str) -> None:
    """A provider that lets anyone type any address (a shared or social one) marks it unverified: taking the
    auditor's address there must not give the auditor's pages."""
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    try:
        sign_in(page, auth_server, UNVERIFIED)
        page.get_by_role("heading", name="No access yet", level=1).wait_for(timeout=READY_MS)
        assert nav_titles(page) == set()
        assert page.locator(DATA).count() == 0
        assert "has not verified" in page.locator('[data-testid="stMain"]').inner_text()
        page.goto(f"{auth_server}/governance")
        page.get_by_role("heading", name="No access yet", level=1).wait_for(timeout=READY_MS)
        ready(page)
        assert page.locator(DATA).count() == 0
    finally:
        context.close()


def test_sign_out_works(browser: Browser, auth_server: str) -> None:
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    try:
        sign_in(page, auth_server, "audit")
        page.get_by_role("button", name="Sign out").click()
        # Streamlit clears its cookie, then sends the browser to the provider to end its session there too
        # (the mock asks for a click), which returns it to the dashboard.
        page.get_by_role("button", name="End session").click()
        page.get_by_role("button", name="Sign in").wait_for(timeout=READY_MS)
        page.goto(f"{auth_server}/governance")  # and stays signed out: the cookie is gone
        page.get_by_role("button", name="Sign in").wait_for(timeout=READY_MS)
        ready(page)
        assert page.locator(DATA).count() == 0
    finally:
        context.close()


def test_the_access_log_holds_the_sign_ins_and_views(browser: Browser, auth_server: str, warehouse: Path) -> None:
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    try:
        sign_in(page, auth_server, "comms")
        page.goto(f"{auth_server}/response-times?policy=cntw")
        page.get_by_role("heading", name="Response times", level=1).wait_for(timeout=READY_MS)
        ready(page)
    finally:
        context.close()
    log = access_log.entries(warehouse)
    theirs = log[log["user"] == "comms@trust.example"]
    assert "sign-in" in theirs["action"].tolist()
    views = theirs[theirs["action"] == "view"]
    assert ((views["page"] == "Response times") & views["detail"].str.contains("policy=cntw")).any()
    assert (theirs["roles"] == "comms").all()
    assert log[log["user"] == "stranger@elsewhere.example"]["action"].isin(["sign-in", "sign-out"]).all()

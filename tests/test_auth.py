"""Sign-in and roles (SPEC §8) through Streamlit's AppTest, on the real entry point and the test warehouse:
which pages each role is given, that a page outside them shows nothing when asked for by its address, that
the data functions refuse before they read, the auth file's checks, the access log, and `modaudit dashboard`'s
refusals. The real sign-in through an OpenID Connect provider in a browser is tests/test_auth_browser.py."""

# Fixtures come from tests/dashboard_support.py by import (tests/conftest.py is not ours), so pytest's
# fixture arguments shadow those imports by design:
# ruff: noqa: F811

from __future__ import annotations

import stat
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.policy import get_policy
from core.pseudonym import pseudonym
from dashboard import auth, data
from demo.corpora import STAFF
from queries import Scope, access_log
from tests.dashboard_support import APP, warehouse  # noqa: F401 (fixtures)

DASHBOARD_KEY = "modaudit-dashboard-test-key-00001"  # the key tests/dashboard_support.py loads with
# SPEC §8, written out here rather than read from dashboard/pages.py: the contract, not the code's copy of it.
EXPECTED = {
    "leadership": {"Overview", "Governance pack", "Violation categories", "Response times", "Decisions", "Glossary"},
    "auditor": {"Overview", "Governance pack", "Violation categories", "Response times", "Decisions",
                "Governance review", "Team self-assessment", "Access log", "Glossary"},
    "comms": {"Violation categories", "Response times", "Team self-assessment", "Upload", "Glossary"},
    "admin": {"Data quality", "Upload", "Access log", "Glossary"},
}
EVERY_PAGE = set().union(*EXPECTED.values())
USERS = {"leadership": "lead@trust.example", "auditor": "audit@trust.example", "comms": "comms@trust.example",
         "admin": "admin@trust.example"}


def auth_toml(port: int = 8501, provider: int = 9400, staff: str = "Alex Morgan") -> str:
    """An auth file as a trust would write one (README, 'Sign-in and roles')."""
    return f"""contact = "the digital team (digital@trust.example)"

[auth]
redirect_uri = "http://localhost:{port}/oauth2callback"
cookie_secret = "a-cookie-secret-for-tests-only-0123456789"
client_id = "modaudit"
client_secret = "modaudit-test-secret"
server_metadata_url = "http://localhost:{provider}/.well-known/openid-configuration"

[roles]
"lead@trust.example" = "leadership"
"audit@trust.example" = "auditor"
"comms@trust.example" = "comms"
"Admin@Trust.example" = ["admin"]
"board@trust.example" = ["leadership", "admin"]
"*@partner.example" = "leadership"

[staff]
"comms@trust.example" = "{staff}"
"""


@pytest.fixture
def auth_file(tmp_path: Path) -> Path:
    path = tmp_path / "auth.toml"
    path.write_text(auth_toml(), encoding="utf-8")
    return path


@pytest.fixture
def signed(warehouse: Path, auth_file: Path, monkeypatch: pytest.MonkeyPatch):
    """An AppTest on the dashboard with sign-in on, for the e-mail given (None: not signed in)."""
    monkeypatch.setenv("MODAUDIT_DB", str(warehouse))
    monkeypatch.setenv(auth.AUTH_ENV, str(auth_file))
    monkeypatch.setenv("MODAUDIT_PSEUDONYM_KEY", DASHBOARD_KEY)

    def make(email: str | None) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.user = {"is_logged_in": False} if email is None else {"is_logged_in": True, "email": email}
        return at

    return make


def navigation(at: AppTest) -> set[str]:
    """The titles of the pages the last run's st.navigation was given (AppTest keeps its registry)."""
    return {str(info.get("page_name")) for info in at._registered_pages.values()}


def shown(at: AppTest) -> int:
    """How many charts and tables the page drew: before sign-in or without a role, none may be."""
    return len(at.get("plotly_chart")) + len(at.dataframe) + len(at.metric) + len(at.get("arrow_data_frame"))


def page_hash(title: str, warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The page hash a browser asks for when it opens a page's URL, as local mode registers it."""
    monkeypatch.delenv(auth.AUTH_ENV, raising=False)
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    wanted = next(h for h, info in at._registered_pages.items() if info.get("page_name") == title)
    at._page_hash = wanted  # the request does open the page where it is given: a control for the tests
    assert [t.value for t in at.run().title] == [title]
    return wanted


# The auth file

def test_an_email_gets_its_roles_or_its_domains_default(auth_file: Path) -> None:
    config = auth.load_auth_file(auth_file)
    assert config.roles_for("lead@trust.example") == {"leadership"}
    assert config.roles_for("ADMIN@trust.example") == {"admin"}  # e-mails compare in lower case
    assert config.roles_for("board@trust.example") == {"leadership", "admin"}
    assert config.roles_for("anyone@partner.example") == {"leadership"}
    assert config.roles_for("stranger@elsewhere.example") == frozenset()
    assert config.roles_for("") == frozenset()
    assert config.staff == {"comms@trust.example": "Alex Morgan"}


@pytest.mark.parametrize("change, says", [
    (lambda t: t.replace('"leadership"\n"audit', '"boss"\n"audit'), "roles.lead@trust.example.0: Input should be"),
    (lambda t: t.replace("/oauth2callback", "/callback"), "auth.redirect_uri: Value error, must be the"),
    (lambda t: t.replace('cookie_secret = "a-cookie-secret-for-tests-only-0123456789"', 'cookie_secret = "x"'),
     "auth.cookie_secret: String should have at least 16 characters"),
    (lambda t: t.replace('client_id = "modaudit"\n', ""), "auth.client_id: Field required"),
    (lambda t: t.replace('"*@partner.example"', '"partner.example"'), "is not an e-mail address or a pattern"),
    (lambda t: t + "\n[extra]\na = 1\n", "extra: Extra inputs are not permitted"),
    (lambda t: t.replace("[roles]", "[roles"), "not valid TOML"),
])
def test_a_bad_auth_file_is_one_line_naming_the_field(tmp_path: Path, change, says: str) -> None:
    path = tmp_path / "auth.toml"
    path.write_text(change(auth_toml()), encoding="utf-8")
    with pytest.raises(auth.AuthFileError) as caught:
        auth.load_auth_file(path)
    message = str(caught.value)
    assert message.startswith(f"auth file {path}: ") and says in message and "\n" not in message


# Local mode

def test_local_mode_lists_every_page_and_says_so_on_each(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODAUDIT_DB", str(warehouse))
    monkeypatch.delenv(auth.AUTH_ENV, raising=False)
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert navigation(at) == EVERY_PAGE
    for page in ("views/overview.py", "views/data_quality.py", "views/access_log.py"):
        at.switch_page(page).run()
        assert any(auth.LOCAL_NOTE in m.value for m in at.sidebar.markdown), page
        assert at.exception == []


def test_local_mode_says_so_even_without_a_warehouse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MODAUDIT_DB", raising=False)
    monkeypatch.delenv(auth.AUTH_ENV, raising=False)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert any(auth.LOCAL_NOTE in m.value for m in at.sidebar.markdown)


# Signed in, by role

@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_is_given_exactly_its_pages_and_they_draw(signed, role: str) -> None:
    at = signed(USERS[role]).run()
    assert navigation(at) == EXPECTED[role]
    assert any(f"Signed in as **{USERS[role]}** ({role})" in m.value for m in at.sidebar.markdown)
    assert "Sign out" in [b.label for b in at.sidebar.button]
    for info in list(at._registered_pages.values()):
        at.switch_page(str(Path(info["script_path"]).relative_to(APP.parent))).run()
        assert at.exception == [] and at.error == [], info["page_name"]
        assert [t.value for t in at.title] == [info["page_name"]]


def test_several_roles_reach_the_union_of_their_pages(signed) -> None:
    at = signed("board@trust.example").run()
    assert navigation(at) == EXPECTED["leadership"] | EXPECTED["admin"]


@pytest.mark.parametrize("role, forbidden", [
    ("leadership", "Data quality"), ("leadership", "Governance review"), ("leadership", "Access log"),
    ("comms", "Overview"), ("comms", "Decisions"), ("comms", "Access log"), ("admin", "Overview"),
    ("auditor", "Data quality"),
])
def test_a_page_outside_the_roles_shows_nothing_at_its_url(signed, warehouse: Path, auth_file: Path,
                                                          monkeypatch: pytest.MonkeyPatch, role: str,
                                                          forbidden: str) -> None:
    """What a browser sends for the page's address: Streamlit runs only pages given to st.navigation, so
    the role's first page runs instead, and nothing of the forbidden one is drawn."""
    wanted = page_hash(forbidden, warehouse, monkeypatch)
    monkeypatch.setenv(auth.AUTH_ENV, str(auth_file))
    at = signed(USERS[role])
    at._page_hash = wanted
    at.run()
    assert forbidden not in navigation(at)
    assert forbidden not in [t.value for t in at.title]
    assert at.exception == []


def test_leadership_sees_response_and_decision_figures_but_no_items_or_accounts(signed) -> None:
    at = signed(USERS["leadership"]).run()
    at.switch_page("views/response.py").run()
    assert at.exception == [] and len(at.get("plotly_chart")) > 0
    assert len(at.dataframe) == 0 and len(at.tabs) == 0  # the late and waiting lists are not drawn...
    assert any("for the comms team and auditors" in m.value for m in at.markdown)
    at.switch_page("views/decisions.py").run()
    assert at.exception == [] and len(at.get("plotly_chart")) > 0
    assert all("Repeat offenders" not in s.value for s in at.subheader) and len(at.dataframe) == 0


def test_comms_sees_the_queue_and_is_you_on_the_team_page(signed, auth_file: Path) -> None:
    """The comms user's staff name, pseudonymised with the warehouse's key as the load does, is "You"."""
    at = signed(USERS["comms"])
    at.query_params["policy"] = "cntw"
    at.run()
    at.switch_page("views/team.py").run()
    members = [o for o in at.selectbox(key="team_member").options]
    key = DASHBOARD_KEY.encode()
    ours = [name for name in STAFF if pseudonym(key, "staff", name) in members]
    assert ours, "the generated cntw log names some of demo.corpora.STAFF"
    if "Alex Morgan" not in ours:  # the auth file's staff name must be one of this log's team
        auth_file.write_text(auth_toml(staff=ours[0]), encoding="utf-8")
        at.run()
    assert "You" in at.selectbox(key="team_member").options
    assert "You" in at.dataframe[-1].value["actor"].tolist()
    at.switch_page("views/response.py").run()
    assert len(at.tabs) == 2 and at.exception == []  # the late and waiting lists


def test_a_signed_in_email_without_a_role_sees_no_data_and_whom_to_ask(signed) -> None:
    at = signed("stranger@elsewhere.example").run()
    assert navigation(at) == {"No access"}
    assert shown(at) == 0 and len(at.sidebar.selectbox) == 0  # not even the organisations in the warehouse
    said = " ".join(m.value for m in at.markdown)
    assert "stranger@elsewhere.example" in said and "the digital team (digital@trust.example)" in said
    assert [b.label for b in at.sidebar.button] == ["Sign out"]  # and no filters


def test_before_sign_in_nothing_of_the_warehouse_is_drawn(signed, warehouse: Path, auth_file: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    for title in ("Overview", "Data quality", "Governance review"):
        wanted = page_hash(title, warehouse, monkeypatch)
        monkeypatch.setenv(auth.AUTH_ENV, str(auth_file))
        at = signed(None)
        at._page_hash = wanted
        at.run()
        assert navigation(at) == {"Sign in"}
        assert shown(at) == 0 and len(at.sidebar.selectbox) == 0 and at.exception == []
        assert [b.label for b in at.button] == ["Sign in"]


def test_sign_out_returns_to_the_sign_in_page(signed) -> None:
    at = signed(USERS["auditor"]).run()
    at.sidebar.button[0].click().run()
    assert navigation(at) == {"Sign in"} and shown(at) == 0


# The data functions refuse before they read

def _view(email: str, roles: set[str], db: str = "no-such-warehouse.duckdb") -> data.View:
    policy = get_policy("cntw")
    return data.View(db=db, policy=policy, scope=Scope(policy="cntw"), as_of=datetime(2026, 11, 1, tzinfo=UTC),
                     first_day=date(2026, 7, 1), last_day=date(2026, 10, 31), items=1,
                     access=auth.Access("signed-in", email, frozenset(roles)))


@pytest.mark.parametrize("roles, name", [
    ({"leadership"}, "breaches"), ({"leadership"}, "pending_queue"), ({"leadership"}, "quarantine"),
    ({"leadership"}, "governance/account_history"), ({"leadership"}, "moderator_activity"),
    ({"comms"}, "action_ladder"), ({"comms"}, "load_runs"), ({"admin"}, "breaches"), ({"admin"}, "summary_items"),
    ({"auditor"}, "quarantine"), (set(), "warehouse_policies"), ({"auditor"}, "a_query_nobody_was_given"),
])
def test_a_data_function_refuses_a_query_the_roles_do_not_reach(roles: set[str], name: str) -> None:
    """Refused before the warehouse is opened: the view names no warehouse at all."""
    with pytest.raises(auth.Forbidden):
        data.tables(_view("x@trust.example", roles), name)


def test_evidence_quarantine_and_log_refuse_the_roles_that_may_not_see_them() -> None:
    lead = _view("lead@trust.example", {"leadership"})
    with pytest.raises(auth.Forbidden):
        data.governance_review(lead)
    with pytest.raises(auth.Forbidden):
        data.export_findings(lead, None, ".csv")  # type: ignore[arg-type]
    with pytest.raises(auth.Forbidden):
        data.csv_bytes(_view("a@trust.example", {"auditor"}), None, "quarantine")  # type: ignore[arg-type]
    with pytest.raises(auth.Forbidden):
        data.access_entries(_view("c@trust.example", {"comms"}))
    with pytest.raises(auth.Forbidden):
        data.summaries([_view("c@trust.example", {"comms"})])


def test_outside_a_signed_in_session_nothing_is_reached(warehouse: Path, auth_file: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """With sign-in on, a call that no signed-in session makes (another thread, a crafted path) is nobody's."""
    monkeypatch.setenv(auth.AUTH_ENV, str(auth_file))
    assert auth.current() == auth.SIGNED_OUT
    with pytest.raises(auth.Forbidden):
        data.run(str(warehouse), "item_timeline", {"policy": "cntw", "platform": "x", "item_id": "1"})
    monkeypatch.delenv(auth.AUTH_ENV)
    assert auth.current() == auth.LOCAL


# The access log

def test_sign_in_views_and_downloads_are_logged_beside_the_warehouse(signed, warehouse: Path) -> None:
    before = len(access_log.entries(warehouse))
    at = signed(USERS["admin"])
    at.query_params.update({"policy": "ctmuhb", "from": "2026-09-01", "to": "2026-09-30"})
    at.run()
    at.switch_page("views/access_log.py").run()
    log = access_log.entries(warehouse)
    new = log.head(len(log) - before).iloc[::-1]
    assert new[["user", "roles", "action", "page"]].fillna("-").values.tolist()[:3] == [
        ["admin@trust.example", "admin", "sign-in", "-"],
        ["admin@trust.example", "admin", "view", "Data quality"],
        ["admin@trust.example", "admin", "view", "Access log"]]
    assert "policy=ctmuhb from=2026-09-01 to=2026-09-30" in new["detail"].iloc[1]
    assert len(at.dataframe) == 1 and at.exception == []
    view = at.session_state["view"]
    with pytest.MonkeyPatch.context() as local:  # the table as local mode reads it; the download as the admin
        local.delenv(auth.AUTH_ENV)
        runs = data.run(str(warehouse), "load_runs", {"policy": "ctmuhb"})
    data.csv_bytes(view, runs, "loads")  # what the button calls when it is clicked
    latest = access_log.entries(warehouse).iloc[0]
    assert (latest["user"], latest["action"], latest["detail"]) == ("admin@trust.example", "download", "loads (csv)")
    assert latest["rows"] > 0
    assert stat.S_IMODE(access_log.log_path(warehouse).stat().st_mode) == 0o600


# The command

@pytest.mark.parametrize("args, says", [
    (["--host", "0.0.0.0"], "--host 0.0.0.0 would let other computers open the dashboard without sign-in"),
    (["--host", "192.168.1.20"], "would let other computers open the dashboard without sign-in"),
    (["--auth", "missing-auth.toml"], "auth file missing-auth.toml: cannot be read"),
])
def test_the_command_refuses_an_open_door_or_a_bad_auth_file_in_one_line(tmp_path: Path, args: list[str],
                                                                         says: str) -> None:
    done = subprocess.run([str(Path(sys.executable).with_name("modaudit")), "dashboard", "--db",
                           str(tmp_path / "w.duckdb"), *args], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 2
    assert says in done.stderr and done.stderr.count("\n") == 1 and done.stdout == ""

"""The dashboard through Streamlit's AppTest, on the real entry point and a real (generated, loaded)
warehouse: every page draws without an error, the filters round-trip through the URL, the Overview's
headline figures are the summary's, and every failure a reader can meet is a sentence, not a traceback."""

# Fixtures come from tests/dashboard_support.py by import (tests/conftest.py is not ours), so pytest's
# fixture arguments shadow those imports by design:
# ruff: noqa: F811

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import warehouse as wh
from core.policy import available_policies, get_policy
from dashboard import data, gate, ui
from dashboard.charts.style import percent, reply_time_text
from queries import Scope
from queries.summary import summary_from_db
from tests.conftest import msg
from tests.dashboard_support import APP, PAGES, app, warehouse  # noqa: F401 (fixtures)


def problems(at: AppTest) -> list[str]:
    """Anything a reader should never see: exceptions and error boxes."""
    return [e.message for e in at.exception] + [e.value for e in at.error]


def url(at: AppTest) -> dict[str, list[str]]:
    """The app's query parameters, every value as a list (AppTest shows a single value bare)."""
    return {k: v if isinstance(v, list) else [v] for k, v in at.query_params.items()}


def sidebar(at: AppTest) -> tuple[str, tuple[date, date], list[str], list[str]]:
    return (at.sidebar.selectbox[0].value, tuple(at.sidebar.date_input[0].value),
            at.sidebar.multiselect[0].value, at.sidebar.multiselect[1].value)


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_draws_charts_or_tables_without_errors(app: AppTest, page: str) -> None:
    app.run()
    app.switch_page(page).run()
    assert problems(app) == []
    assert [t.value for t in app.title] == [PAGES[page][0]]
    assert len(app.get("plotly_chart")) + len(app.dataframe) > 0


@pytest.mark.parametrize("policy_id", available_policies())
def test_every_page_works_for_every_preset(app: AppTest, policy_id: str) -> None:
    app.query_params["policy"] = policy_id
    app.run()
    for page in PAGES:
        app.switch_page(page).run()
        assert problems(app) == [], page
        assert app.sidebar.selectbox[0].value == policy_id


def test_overview_headlines_are_the_summary(app: AppTest, warehouse: Path) -> None:
    app.query_params.update({"policy": "ctmuhb", "from": "2026-09-15", "to": "2026-10-31"})
    app.run()
    policy = get_policy("ctmuhb")
    summary = summary_from_db(warehouse, policy, Scope(policy="ctmuhb", date_from=date(2026, 9, 15),
                                                       date_to=date(2026, 10, 31)))
    shown = {m.label: m.value for m in app.metric}
    assert shown["Messages received"] == f"{summary['items']['total']:,}"
    assert shown["Needing a reply"] == f"{summary['items']['needs_response']:,}"
    assert shown["Answered on time"] == percent(summary["response"]["met_rate"])
    assert shown["Median reply time"] == reply_time_text(summary["response"]["median_business_hours_to_first_response"])
    removed = summary["actions"].get("hidden", 0) + summary["actions"].get("deleted", 0)
    assert shown["Removals by the team"] == f"{removed:,}"
    assert shown["Open findings"] == f"{sum(r['open'] for r in summary['governance'].values()):,}"
    assert all(m.delta for m in app.metric), "every headline compares with the previous period"


def test_no_comparison_with_a_period_the_data_do_not_cover(app: AppTest) -> None:
    app.query_params.update({"policy": "cntw", "from": "2026-08-01", "to": "2026-10-31"})  # data start in July
    app.run()
    assert problems(app) == []
    assert any("No comparison with the period before" in c.value for c in app.caption)
    assert all(not m.delta for m in app.metric)


def test_filters_are_read_from_the_url(app: AppTest) -> None:
    app.query_params.update({"policy": "shropshire_ccg", "from": "2026-09-01", "to": "2026-09-30",
                             "platform": ["facebook", "x"], "channel": ["comment"]})
    app.run()
    assert problems(app) == []
    assert sidebar(app) == ("shropshire_ccg", (date(2026, 9, 1), date(2026, 9, 30)), ["facebook", "x"], ["comment"])
    assert "1 Sep 2026 to 30 Sep 2026" in app.caption[0].value
    assert "Facebook, X (Twitter)" in app.caption[0].value


def test_changed_filters_are_written_to_the_url_and_survive_a_page_change(app: AppTest) -> None:
    app.query_params["policy"] = "ctmuhb"
    app.run()
    app.sidebar.multiselect[0].set_value(["instagram"]).run()
    app.sidebar.date_input[0].set_value((date(2026, 10, 1), date(2026, 10, 15))).run()
    expected = {"policy": ["ctmuhb"], "from": ["2026-10-01"], "to": ["2026-10-15"], "platform": ["instagram"]}
    assert url(app) == expected
    app.switch_page("views/decisions.py").run()
    assert url(app) == expected
    # ... and a new session opened on that URL shows the same view.
    again = AppTest.from_file(str(APP), default_timeout=120)
    again.query_params.update(expected)
    again.run()
    assert sidebar(again) == sidebar(app)


def test_a_bad_url_falls_back_to_the_defaults(app: AppTest) -> None:
    app.query_params.update({"policy": "no_such_trust", "from": "yesterday", "platform": ["myspace", "x"]})
    app.run()
    assert problems(app) == []
    policy_id, (start, end), platforms, _ = sidebar(app)
    assert policy_id == "cntw" and platforms == ["x"]
    assert end == date(2026, 10, 31) and (end - start).days == 90


def test_changing_the_organisation_starts_from_its_own_default_period(app: AppTest) -> None:
    app.query_params.update({"policy": "cntw", "from": "2026-07-10", "to": "2026-07-20", "platform": ["x"]})
    app.run()
    app.sidebar.selectbox[0].set_value("ctmuhb").run()
    policy_id, (start, end), platforms, channels = sidebar(app)
    assert (policy_id, platforms, channels) == ("ctmuhb", [], [])
    assert end == date(2026, 10, 31) and (end - start).days == 90


def test_filters_that_select_nothing_give_a_clear_empty_state(app: AppTest) -> None:
    app.query_params.update({"policy": "cntw", "from": "2020-01-01", "to": "2020-01-31"})
    app.run()
    for page in PAGES:
        app.switch_page(page).run()
        assert problems(app) == [], page
        # Loads, uploads and the access log are not filtered by the sidebar, and the glossary's words need no data.
        if page not in ("views/data_quality.py", "views/glossary.py", "views/access_log.py", "views/upload.py"):
            assert [i.value for i in app.info] == [ui.EMPTY], page


def test_response_page_opens_an_items_timeline(app: AppTest) -> None:
    app.run()
    app.switch_page("views/response.py").run()
    app.selectbox(key="response_item").select_index(0).run()
    assert problems(app) == []
    timeline = app.dataframe[-1].value
    assert timeline["what"].iloc[0] == "Message received"


def test_the_overviews_open_findings_are_the_ones_the_governance_review_counts(app: AppTest) -> None:
    """A leader comparing the two pages finds the Overview's figure on the Governance review, which says what
    it counts (ctmuhb's rules but G8, open) beside the findings reviewed."""
    app.query_params["policy"] = "ctmuhb"
    app.run()
    overview = next(m.value for m in app.metric if m.label == "Open findings")
    app.switch_page("views/governance.py").run()
    assert problems(app) == []
    said = next(c.value for c in app.caption if "(the Overview's count" in c.value)
    assert re.match(r"([\d,]+) of the [\d,]+ findings of rules G1–G7 and G9 are open", said).group(1) == overview


def test_governance_finding_opens_its_evidence(app: AppTest) -> None:
    app.query_params["policy"] = "ctmuhb"
    app.run()
    app.switch_page("views/governance.py").run()
    app.selectbox(key="finding").select_index(0).run()
    assert problems(app) == []
    assert any("Reason given" in df.value.columns or "rationale" in df.value.columns for df in app.dataframe)
    assert len(app.get("download_button")) == 2


@pytest.mark.parametrize("make, message", [
    (lambda tmp: tmp / "missing.duckdb", "There is no warehouse at"),
    (lambda tmp: tmp / "empty.duckdb", "has no data yet"),
])
def test_missing_or_empty_warehouse_offers_the_upload_page_for_the_first_load(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make, message: str) -> None:
    """Nothing to analyse yet: the analyst (local mode reaches every page) is told why and given the Upload page,
    for an organisation chosen in the sidebar, instead of a command to type; no other page is offered."""
    db = make(tmp_path)
    if db.name == "empty.duckdb":
        con = wh.connect(db)
        wh.migrate(con)
        con.close()
    monkeypatch.setenv("MODAUDIT_DB", str(db))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert problems(at) == []
    assert message in at.info[0].value and "first moderation log" in at.info[0].value
    assert [t.value for t in at.title] == ["Upload"]
    assert at.sidebar.selectbox(key="first_policy").options == [get_policy(p).name for p in available_policies()]
    assert not db.exists() or db.name == "empty.duckdb"  # looking writes nothing


def test_a_warehouse_of_an_earlier_release_is_upgraded_not_misread(warehouse: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A team that installs a new release over last year's warehouse is told how to upgrade it, instead of
    pages failing on a column the old schema lacks; `modaudit upgrade` then opens it as it was."""
    db = tmp_path / "old.duckdb"
    db.write_bytes(warehouse.read_bytes())
    con = wh.connect(db)  # undo the last migration: the file as the release before it left it
    con.execute("ALTER TABLE events DROP COLUMN linked_platform; "  # what migration 19 made
                "ALTER TABLE events DROP COLUMN linked_account")
    con.execute("DELETE FROM schema_migrations WHERE version = ?", [wh.SCHEMA_VERSION])
    con.close()
    monkeypatch.setenv("MODAUDIT_DB", str(db))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert problems(at) == []
    assert f"schema {wh.SCHEMA_VERSION - 1}; this release reads schema {wh.SCHEMA_VERSION}" in at.warning[0].value
    assert [c.value for c in at.code] == [f"modaudit upgrade --db {db}"]
    done = subprocess.run([str(Path(sys.executable).with_name("modaudit")), "upgrade", "--db", str(db)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and f"schema {wh.SCHEMA_VERSION - 1} -> {wh.SCHEMA_VERSION}" in done.stdout
    monkeypatch.setenv("MODAUDIT_TODAY", "2026-11-02")  # a day the data are fresh: no old-data banner either
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert problems(at) == [] and len(at.warning) == 0 and len(at.metric) == 8


def test_no_warehouse_named_explains_how_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MODAUDIT_DB", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert problems(at) == []
    assert "No warehouse was given" in at.info[0].value


def test_a_new_load_is_read_at_once_not_after_the_cache_expires(db: Path, load_rows) -> None:
    """The cache is keyed on the warehouse's stamp: a load changes it, so the next read sees the new rows."""
    view = {"policy": "cntw", "received_from": None, "received_before": None, "platforms": None, "channels": None}
    load_rows([msg("1", "2025-03-03T10:00:00Z")])
    assert data.run(str(db), "summary_items", view)["total"].tolist() == [1]
    load_rows([msg("2", "2025-03-04T10:00:00Z"), msg("3", "2025-03-04T11:00:00Z")])
    assert data.run(str(db), "summary_items", view)["total"].tolist() == [3]


def test_a_load_holding_the_warehouse_gives_a_wait_message(app: AppTest, warehouse: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gate, "reader", lambda db: wh.reader(db, attempts=2, wait_s=0.01))
    data.st.cache_data.clear()  # nothing may come from the cache: every query must meet the lock
    holder = subprocess.Popen(  # another process holding the write lock, as a running load does
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(warehouse)!r}); print('locked', "
                               "flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        app.run()
    finally:
        holder.kill()
        holder.wait()
    assert app.exception == []
    assert "a load is being written" in app.warning[0].value


def test_a_failing_query_is_a_sentence_not_a_traceback(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    app.run()

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(data, "table", broken)
    monkeypatch.setattr(data, "tables", broken)
    app.switch_page("views/decisions.py").run()
    assert app.exception == []
    assert "could not be drawn" in app.error[0].value
    assert all("boom" not in e.value for e in app.error)


def test_pages_hold_no_sql_and_never_load_great_expectations() -> None:
    dashboard = APP.parent
    for source in dashboard.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"\bSELECT\b|\bFROM\s+[a-z_]+\s+WHERE\b", text), source
        assert "great_expectations" not in text, source
    modules = ", ".join(f"dashboard.{p.stem}" for p in dashboard.glob("*.py") if p.stem not in ("__init__", "app"))
    check = f"import sys, {modules}; assert 'great_expectations' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", check], capture_output=True).returncode == 0

"""Issue 7: team sheets and tool exports through column mappings, into the same validated load."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries
from typer.testing import CliRunner

import queries
from cli.main import app
from core.policy import Policy, available_policies, get_policy
from core.vocab import EVENT_LABELS
from core.warehouse import reader
from etl.load import load_sources
from etl.mapping.cells import as_time
from etl.mapping.check import map_check
from etl.mapping.read import read_mapped
from etl.mapping.schema import ROW_STRIDE, MappingError, load_mapping, shipped_mappings
from etl.mapping.template import COLUMNS, LOG_SHEET, write_template
from etl.sources import SourceError
from tests.conftest import TEST_NOW, canonical_csv, msg, query

FIXTURES = Path(__file__).parent / "fixtures" / "mappings"
HEADERS = list(COLUMNS)
runner = CliRunner()


def fill(ws: Any, row: int, **cells: Any) -> None:
    """Write cells by header name (underscores for spaces): fill(ws, 2, Post_link_or_ID="fb-1")."""
    for key, value in cells.items():
        ws.cell(row=row, column=HEADERS.index(key.replace("_", " ")) + 1, value=value)


def team_csv(path: Path, rows: list[dict[str, str]], headers: list[str] = HEADERS) -> Path:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=headers, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def events_of(frame: Any, *columns: str) -> list[tuple[Any, ...]]:
    picked = frame[["_row", *columns]].astype(object)
    return [tuple(row) for row in picked.where(picked.notna(), None).itertuples(index=False)]


# ---------------------------------------------------------------------------------------------------
# The template workbook


def template_book(policy: Policy, out: Path) -> tuple[openpyxl.Workbook, dict[str, list[str]]]:
    """The policy's template written to `out` and opened, with its drop-down lists by section name."""
    write_template(policy, out)
    wb = openpyxl.load_workbook(out)
    return wb, {col[0].value: [c.value for c in col[1:] if c.value] for col in wb["Lists"].iter_cols()}


@pytest.mark.parametrize("policy_id", available_policies())
def test_template_has_mapping_columns_policy_drop_downs_and_frozen_header(tmp_path: Path, policy_id: str) -> None:
    policy = get_policy(policy_id)
    wb, lists = template_book(policy, tmp_path / "log.xlsx")
    assert wb.sheetnames == [LOG_SHEET, "Instructions", "Lists"]
    log = wb[LOG_SHEET]
    assert [c.value for c in log[1]] == HEADERS
    assert set(load_mapping("team-log").columns()) <= set(HEADERS)
    assert log.freeze_panes == "A2"
    assert wb["Lists"].sheet_state == "hidden"
    by_column = {}
    for dv in log.data_validations.dataValidation:
        if dv.type == "list":
            header = log.cell(1, range_boundaries(str(dv.sqref))[0]).value
            section = wb["Lists"].cell(1, range_boundaries(dv.formula1.split("!")[1].replace("$", ""))[0]).value
            by_column[header] = lists[section]
    assert by_column["Category"] == [*policy.violation_categories.values(), *policy.handling_categories.values()]
    assert by_column["Platform"][:3] == ["X (Twitter)", "Facebook", "Instagram"]
    own_columns = {"response_sent", "signposted", "warning_sent", "reported_to_platform", "reported_to_police"}
    assert by_column["Action taken"] == [EVENT_LABELS[a] for a in policy.actions.allowed if a not in own_columns]
    assert by_column["Needs reply"] == by_column["Reported to police"] == ["Yes", "No"]
    instructions = " ".join(str(c.value) for row in wb["Instructions"].iter_rows() for c in row if c.value)
    assert policy.name in instructions and f"--policy {policy.id} --mapping team-log" in instructions


@pytest.mark.parametrize("policy_id", available_policies())
def test_every_drop_down_word_of_every_preset_is_mapped(tmp_path: Path, policy_id: str) -> None:
    """The policy's own labels load with the one shipped mapping: no per-policy mapping files."""
    policy = get_policy(policy_id)
    out = tmp_path / "log.xlsx"
    wb, lists = template_book(policy, out)
    log = wb[LOG_SHEET]
    categories, actions = lists["category"], lists["event_type"]
    for i in range(max(len(categories), len(actions), len(lists["platform"]))):
        fill(log, i + 2, Received=datetime(2025, 3, 3, 10, i), Platform=lists["platform"][i % len(lists["platform"])],
             Post_link_or_ID=f"p-{i}", Author="@a", Type=lists["channel"][i % len(lists["channel"])],
             Needs_reply="Yes", Category=categories[i % len(categories)], Action_taken=actions[i % len(actions)],
             Reason="policy", Signposted_to=lists["signposted_to"][i % len(lists["signposted_to"])],
             Reported_to_platform="No", Reported_to_police="No")
    wb.save(out)
    report = map_check(out, "team-log", policy)
    assert report.ok, str(report)
    frame = read_mapped(out, "team-log", policy).frame
    assert frame["_reasons"].isna().all()
    assert set(frame.loc[frame["event_type"] == "categorised", "category"]) == set(policy.category_codes)


def test_filled_template_loads_with_known_counts_and_events(tmp_path: Path, db: Path) -> None:
    policy = get_policy("ctmuhb")
    book = tmp_path / "team.xlsx"
    write_template(policy, book)
    wb = openpyxl.load_workbook(book)
    log = wb[LOG_SHEET]
    # Row 2: typed dates; a hide with a warning.
    fill(log, 2, Received=datetime(2025, 3, 3, 10, 15), Platform="Facebook", Post_link_or_ID="fb-1",
         Author="@ann", Type="Comment", Needs_reply="Yes", What_was_said="you are all useless",
         Category="Abusive", Action_taken="Hidden", Action_time=datetime(2025, 3, 3, 11, 0), Action_by="Sam",
         Reason="abuse of staff", Warning_sent=datetime(2025, 3, 3, 11, 5))
    # Row 3: an Excel date serial in a cell with no date format, a text date, a reply and signposting.
    fill(log, 3, Received=45721.5, Platform="X (Twitter)", Post_link_or_ID="tw-2", Author="@bob",
         Type="Direct message", Needs_reply="Yes", Category="Personal case: a patient's care",
         Replied_at="05/03/2025 13:30", Signposted_to="PALS", Action_by="Jo")
    # Row 4 is blank. Rows 5-6 share a merged Platform cell; row 5 is in summer time and its category
    # label holds the ';' that separates categories.
    fill(log, 5, Received="06/06/2025 09:00", Platform="Instagram", Post_link_or_ID="ig-5", Author="@cy",
         Type="Comment", Needs_reply="No", Category="Intimidatory towards staff or users; stops staff working safely",
         Action_taken="Account blocked", Action_time="06/06/2025 10:00", Action_by="Sam",
         Reason="threatened staff", Reported_to_police="Yes")
    fill(log, 6, Received="06/06/2025 09:30", Post_link_or_ID="ig-6", Author="@dee", Type="Mention or tag",
         Needs_reply="No")
    log.merge_cells("B5:B6")
    # Row 7: a formula with no saved result in a mapped column (and one in Notes, which is not read).
    fill(log, 7, Received=datetime(2025, 3, 7, 9, 0), Platform="Facebook", Post_link_or_ID='="fb-"&"7"',
         Author="@eve", Type="Comment", Needs_reply="Yes", Category="Profane, swearing or adapted spellings",
         Notes="=1+1")
    fill(log, 8, Notes="=2+2")
    # Row 9: a category word no map covers.
    fill(log, 9, Received=datetime(2025, 3, 8, 9, 0), Platform="Facebook", Post_link_or_ID="fb-9",
         Author="@fay", Type="Comment", Needs_reply="Yes", Category="rude")
    wb.save(book)

    source = read_mapped(book, "team-log", policy)
    result, errors = load_sources(db, policy, [source], now=TEST_NOW)
    assert errors == []
    assert result.counts() == {"rows_in": 17, "loaded": 13, "quarantined": 4, "duplicates": 0}

    rows = query(db, "SELECT row_number, event_type, strftime(event_time, '%Y-%m-%d %H:%M'), platform, item_id, "
                     "categories, signposted_to FROM events ORDER BY row_number")
    assert rows == [
        (201, "message_received", "2025-03-03 10:15", "facebook", "fb-1", [], None),
        (202, "categorised", "2025-03-03 10:15", "facebook", "fb-1", ["abuse"], None),
        (203, "hidden", "2025-03-03 11:00", "facebook", "fb-1", ["abuse"], None),
        (206, "warning_sent", "2025-03-03 11:05", "facebook", "fb-1", ["abuse"], None),
        (301, "message_received", "2025-03-05 12:00", "x", "tw-2", [], None),
        (302, "categorised", "2025-03-05 12:00", "x", "tw-2", ["individual_care"], None),
        (304, "response_sent", "2025-03-05 13:30", "x", "tw-2", [], None),
        (305, "signposted", "2025-03-05 13:30", "x", "tw-2", [], "pals"),
        (501, "message_received", "2025-06-06 08:00", "instagram", "ig-5", [], None),  # 09:00 BST
        (502, "categorised", "2025-06-06 08:00", "instagram", "ig-5", ["intimidation"], None),
        (503, "account_blocked", "2025-06-06 09:00", "instagram", "ig-5", ["intimidation"], None),
        (508, "reported_to_police", "2025-06-06 09:00", "instagram", "ig-5", ["intimidation"], None),
        (601, "message_received", "2025-06-06 08:30", "instagram", "ig-6", [], None),
    ]
    quarantined = query(db, "SELECT row_number, reasons FROM quarantine ORDER BY row_number")
    formula = ("cell C7 holds a formula with no saved result: open the file in Excel, save it, and load it again")
    unmapped = ("category 'rude' is not a word the mapping knows: correct the cell, or choose what it means on the "
                "Upload page")
    # Row 8 holds only an unsaved formula in Notes: nothing the mapping reads, so a blank row.
    assert quarantined == [(701, [formula]), (702, [formula]), (901, [unmapped]), (902, [unmapped])]
    with reader(db) as con:  # as the Data quality page shows them: the sheet's own row, and which event
        shown = queries.records(con, "quarantine", {"policy": policy.id})
    assert [(r["row_number"], r["event_in_row"]) for r in shown] == [(7, 1), (7, 2), (9, 1), (9, 2)]

    again, _ = load_sources(db, policy, [read_mapped(book, "team-log", policy)], now=TEST_NOW)
    assert again.counts() == {"rows_in": 17, "loaded": 0, "quarantined": 0, "duplicates": 17}


def test_saved_formula_results_are_read_not_their_text(tmp_path: Path) -> None:
    import xlsxwriter

    book = tmp_path / "saved.xlsx"
    wb = xlsxwriter.Workbook(str(book))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["Received", "Platform", "Post link or ID", "Author", "Type", "Needs reply"])
    ws.write_formula(1, 0, "=DATE(2025,3,3)+TIME(10,15,0)", None, 45719.42708333333)
    ws.write_formula(1, 1, '=LOWER("FACEBOOK")', None, "facebook")
    ws.write_formula(1, 2, '="fb-"&"1"', None, "fb-1")
    ws.write_row(1, 3, ["@ann", "Comment", "Yes"])
    wb.close()
    columns = "\n".join(f'{k} = {{ column = "{k.title()}", optional = true }}'
                        for k in ("category", "actor", "rationale", "text", "signposted_to"))
    mapping = tmp_path / "m.toml"
    mapping.write_text(f"""[time]\ncolumn = "Received"\n[fields]\nplatform = "Platform"\n
item_id = "Post link or ID"\naccount_id = "Author"\nchannel = "Type"\nneeds_response = "Needs reply"\n{columns}
[[events]]\ntype = "message_received"\n""")
    frame = read_mapped(book, mapping, get_policy("cntw")).frame
    assert events_of(frame, "event_time", "platform", "item_id", "_reasons") == [
        (201, "2025-03-03T10:15:00+00:00", "facebook", "fb-1", None)]


# ---------------------------------------------------------------------------------------------------
# Wide-row expansion, by hand


def test_wide_row_expansion_gives_the_hand_computed_events(tmp_path: Path) -> None:
    sheet = team_csv(tmp_path / "log.csv", [
        {"Received": "03/03/2025 10:15", "Platform": "facebook", "Post link or ID": "fb-1", "Author": "@ann",
         "Type": "comment", "Needs reply": "y", "Category": "Swearing; Abusive towards staff or the public",
         "Action taken": "Deleted", "Action time": "03/03/2025 10:45", "Action by": "Sam",
         "Reason": "abusive", "Reported to platform": "Yes", "Reported to police": "no"},
        {"Received": "2025-03-04T09:00:00Z", "Platform": "Twitter", "Post link or ID": "tw-2", "Author": "@bob",
         "Type": "DM", "Needs reply": "yes", "Category": "None", "Action taken": "No action",
         "Replied at": "04/03/2025 09:30", "Action by": "Jo"},
        {"Received": "30/03/2025 01:30", "Platform": "YouTube", "Post link or ID": "yt-3", "Author": "@cy",
         "Type": "Reply", "Needs reply": "No", "Category": "crisis", "Signposted to": "999",
         "Action time": "30/03/2025 03:00"},
    ])
    frame = read_mapped(sheet, "team-log", get_policy("cntw")).frame
    assert events_of(frame, "event_type", "event_time", "category", "actor", "needs_response", "signposted_to") == [
        (201, "message_received", "2025-03-03T10:15:00+00:00", None, None, "true", None),
        (202, "categorised", "2025-03-03T10:15:00+00:00", "profanity|abuse", "Sam", None, None),
        (203, "deleted", "2025-03-03T10:45:00+00:00", "profanity|abuse", "Sam", None, None),
        (207, "reported_to_platform", "2025-03-03T10:45:00+00:00", "profanity|abuse", "Sam", None, None),
        (301, "message_received", "2025-03-04T09:00:00Z", None, None, "true", None),
        (303, "reviewed_no_action", "2025-03-04T09:00:00Z", None, "Jo", None, None),
        (304, "response_sent", "2025-03-04T09:30:00+00:00", None, "Jo", None, None),
        # 01:30 on 30 March 2025 does not exist in London: it moves forward to the first real instant.
        (401, "message_received", "2025-03-30T02:00:00+01:00", None, None, "false", None),
        (402, "categorised", "2025-03-30T02:00:00+01:00", "crisis", None, None, None),
        (405, "signposted", "2025-03-30T03:00:00+01:00", None, None, None, "emergency_999"),
    ]
    assert frame["_reasons"].isna().all()
    assert (frame["_row"] // ROW_STRIDE).tolist() == [2, 2, 2, 2, 3, 3, 3, 4, 4, 4]


def test_named_sheet_header_row_fixed_values_and_event_fields(tmp_path: Path) -> None:
    """A sheet with a title above its header, on a named sheet; an event that lists what it carries."""
    wb = openpyxl.Workbook()
    wb.active.title = "Read me"
    ws = wb.create_sheet("2025")
    ws.append(["Hate incidents, 2025"])
    ws.append(["When", "Where", "Link", "Who", "Strand", "By", "Why"])
    ws.append([datetime(2025, 5, 1, 12, 0), "fb", "fb-9", "@x", "Faith", "Sam", "hate speech"])
    book = tmp_path / "hate.xlsx"
    wb.save(book)
    mapping = tmp_path / "hate.toml"
    mapping.write_text("""
[source]
sheet = "2025"
header_row = 2
[time]
column = "When"
[fields]
platform = "Where"
item_id = "Link"
account_id = "Who"
channel = { value = "comment" }
needs_response = { value = "no" }
category = { value = "hate_discrimination" }
protected_characteristic = "Strand"
actor = "By"
rationale = "Why"
[[events]]
type = "message_received"
[[events]]
type = "hidden"
fields = ["category", "protected_characteristic", "rationale"]
[platform]
fb = "facebook"
[protected_characteristic]
Faith = "religion"
""", encoding="utf-8")
    frame = read_mapped(book, mapping, get_policy("cntw")).frame
    assert events_of(frame, "event_type", "event_time", "platform", "category", "protected_characteristic",
                     "actor", "rationale", "account_id") == [
        (301, "message_received", "2025-05-01T12:00:00+01:00", "facebook", None, None, None, None, "@x"),
        (302, "hidden", "2025-05-01T12:00:00+01:00", "facebook", "hate_discrimination", "religion", None,
         "hate speech", None),
    ]


def test_times_from_cells_serials_text_and_offsets() -> None:
    import pandas as pd

    times = load_mapping("team-log").time
    raw = pd.Series([datetime(2025, 7, 1, 9, 0), 45839.375, "01/07/2025 09:00", "2025-07-01 09:00",
                     "2025-07-01T09:00:00+02:00", "next Tuesday", None, "26/10/2025 01:30"], dtype=object)
    out = as_time(raw, times, "Europe/London", datetime(1899, 12, 30)).tolist()
    assert out == ["2025-07-01T09:00:00+01:00"] * 4 + ["2025-07-01T09:00:00+02:00", "next Tuesday", None,
                                                         "2025-10-26T01:30:00+01:00"]
    utc = as_time(pd.Series(["01/07/2025 09:00"], dtype=object), times, "UTC", None).tolist()
    assert utc == ["2025-07-01T09:00:00+00:00"]


# ---------------------------------------------------------------------------------------------------
# Shipped tool mappings


# Per fixture: the loaded events by type (worked out by hand from the five rows), and its one unmapped tag.
TOOL_EXPECTED = {
    "hootsuite-inbox": ({"categorised": 2, "message_received": 4, "response_sent": 3, "reviewed_no_action": 1},
                        "Rude"),
    "sprout-inbox": ({"categorised": 3, "message_received": 4, "response_sent": 2, "reviewed_no_action": 1},
                     "Spam bot"),
}


def test_every_shipped_mapping_is_valid_and_has_a_fixture() -> None:
    assert set(shipped_mappings()) == {"team-log", *TOOL_EXPECTED}
    for name in shipped_mappings():
        load_mapping(name)


@pytest.mark.parametrize("name", sorted(TOOL_EXPECTED))
def test_shipped_tool_mapping_loads_its_fixture(db: Path, name: str) -> None:
    types, value = TOOL_EXPECTED[name]
    policy = get_policy("cntw")
    fixture = FIXTURES / f"{name}.csv"
    report = map_check(fixture, name, policy)
    assert (report.rows, report.events, report.missing_columns) == (5, 13, [])
    assert [(u.section, u.column, u.value, u.count) for u in report.unmapped] == [("category", "Tags", value, 1)]
    result, errors = load_sources(db, policy, [read_mapped(fixture, name, policy)], now=TEST_NOW)
    assert errors == []
    assert result.counts() == {"rows_in": 13, "loaded": 10, "quarantined": 3, "duplicates": 0}
    assert dict(query(db, "SELECT event_type, count(*) FROM events GROUP BY ALL")) == types
    reasons = query(db, "SELECT DISTINCT unnest(reasons) FROM quarantine")
    assert reasons == [(f"category '{value}' is not a word the mapping knows: correct the cell, or choose what it "
                        "means on the Upload page",)]


def test_load_command_counts_a_sheet_in_its_rows_and_their_events(tmp_path: Path) -> None:
    """A team counts rows: the load line says how many sheet rows the events came from (the fixture's five
    rows, thirteen events as above), where a canonical log's row is one event."""
    db = tmp_path / "w.duckdb"
    done = runner.invoke(app, ["load", str(FIXTURES / "sprout-inbox.csv"), "--mapping", "sprout-inbox",
                               "--db", str(db), "--policy", "cntw"])
    assert "run 1: 5 sheet rows in as 13 events: 10 loaded, 3 quarantined, 0 duplicates" in done.output
    log = tmp_path / "log.csv"
    log.write_text(canonical_csv([msg("1", "2025-03-03T10:00:00Z")]), encoding="utf-8")
    plain = runner.invoke(app, ["load", str(log), "--db", str(db), "--policy", "cntw"])
    assert "run 2: 1 rows in, 1 loaded, 0 quarantined, 0 duplicates" in plain.output


# ---------------------------------------------------------------------------------------------------
# map-check


def test_map_check_lists_exactly_the_unmapped_values_and_missing_columns(tmp_path: Path) -> None:
    headers = [h for h in HEADERS if h != "Reported to police"]
    base = {"Received": "03/03/2025 10:00", "Platform": "Facebook", "Author": "@a", "Type": "Comment",
            "Needs reply": "Yes"}
    sheet = team_csv(tmp_path / "log.csv", [
        {**base, "Post link or ID": "1", "Category": "rude; Swearing"},
        {**base, "Post link or ID": "2", "Category": "Rude", "Action taken": "Muted"},
        {},
        {**base, "Post link or ID": "3", "Platform": "Bluesky", "Needs reply": "maybe"},
        {**base, "Post link or ID": "4", "Category": "abuse", "Reported to platform": "dunno"},
    ], headers)
    report = map_check(sheet, "team-log", get_policy("cntw"))
    assert report.rows == 4 and report.missing_columns == ["Reported to police"]
    # Each named by its cell: the header is row 1 and row 4 is blank; Platform is column B, Needs reply F,
    # Category H, Action taken I, Reported to platform P.
    assert [(u.section, u.column, u.value, u.count, u.cells) for u in report.unmapped] == [
        ("category", "Category", "Rude", 1, ("H3",)),  # words are kept as written: each spelling is listed
        ("category", "Category", "rude", 1, ("H2",)),
        ("event_type", "Action taken", "Muted", 1, ("I3",)),
        ("platform", "Platform", "Bluesky", 1, ("B5",)),
        ("yes_no", "Reported to platform", "dunno", 1, ("P6",)),
        ("yes_no", "Needs reply", "maybe", 1, ("F5",)),
    ]
    assert not report.ok
    text = str(report)
    assert "missing columns: 'Reported to police'" in text
    assert "[platform] 'Bluesky' in column 'Platform' (cell B5): 1 row" in text
    with pytest.raises(SourceError, match="missing column.*'Reported to police'"):
        read_mapped(sheet, "team-log", get_policy("cntw"))


def test_map_check_and_template_commands(tmp_path: Path) -> None:
    out = tmp_path / "ctmuhb-log.xlsx"
    made = runner.invoke(app, ["template", "--policy", "ctmuhb", "--out", str(out)])
    assert made.exit_code == 0, made.output
    clean = runner.invoke(app, ["map-check", str(out), "--mapping", "team-log", "--policy", "ctmuhb"])
    assert clean.exit_code == 0 and "0 rows, 0 events" in clean.output
    dirty = runner.invoke(app, ["map-check", str(FIXTURES / "sprout-inbox.csv"), "--mapping", "sprout-inbox"])
    assert dirty.exit_code == 1 and "[category] 'Spam bot' in column 'Tags' (cell " in dirty.output
    bad = runner.invoke(app, ["template", "--policy", "nowhere", "--out", str(out)])
    assert bad.exit_code == 2


# ---------------------------------------------------------------------------------------------------
# Bad mappings and bad files


GOOD = """
[time]
column = "Received"
[fields]
platform = "Platform"
item_id = "Post"
[[events]]
type = "message_received"
"""


@pytest.mark.parametrize("text, field, message", [
    (GOOD + '[platform]\n"Twitter" = "twiter"\n', "platform.Twitter", "'twiter' is not a platform code"),
    (GOOD.replace('item_id = "Post"', 'item_id = "Post"\ncolour = "Colour"'), "fields.colour", "Input should be"),
    (GOOD + '[[events]]\ntype = "praised"\n', "events.1.type", "'praised' is not an event type"),
    (GOOD + '[[events]]\ntype = "hidden"\ntype_column = "Action"\n', "events.1", "either type or type_column"),
    (GOOD + '[[events]]\ntype = "hidden"\nwhen = [{ filled = "A", yes = "B" }]\n', "events.1.when.0",
     "exactly one of filled, blank, yes"),
    (GOOD.replace('item_id = "Post"', ""), "fields", "item_id must be mapped"),
    (GOOD.replace('column = "Received"', 'column = "Received"\nzone = "Mars/Olympus"'), "time.zone",
     "unknown time zone"),
    (GOOD + '[yes_no]\n"Yes" = "perhaps"\n', "yes_no.Yes", "valid boolean"),
    (GOOD + "[extras]\nx = 1\n", "extras", "Extra inputs are not permitted"),
    (GOOD.replace('type = "message_received"', 'type = "message_received"\nwhen = [{ filled = "Post" }]'),
     "events", "at least one event needs a fixed type and no `when`"),
    (GOOD + '[category]\n"Rude" = "abuse"\n"rude " = "profanity"\n', "(file)", "maps 'rude ' twice"),
    (GOOD.replace('platform = "Platform"', 'platform = { column = "P", split = "," }'), "fields",
     "split is only for category"),
])
def test_bad_mapping_names_the_file_and_field(tmp_path: Path, text: str, field: str, message: str) -> None:
    path = tmp_path / "team.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    assert str(caught.value).startswith(f"{path}: field '{field}': ")
    assert message in str(caught.value)


def test_unreadable_mapping_and_sheet_fail_whole(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[time\n", encoding="utf-8")
    with pytest.raises(MappingError, match="broken.toml: cannot read mapping"):
        load_mapping(broken)
    with pytest.raises(MappingError, match="no such mapping file.*team-log"):
        load_mapping("no-such-mapping")
    fake = tmp_path / "log.xlsx"
    fake.write_bytes(b"not a zip")
    with pytest.raises(SourceError, match="cannot be read as an .xlsx workbook"):
        read_mapped(fake, "team-log", get_policy("cntw"))
    latin = tmp_path / "log.csv"
    latin.write_bytes("Received,Platform\n03/03/2025,caf\xe9\n".encode("cp1252"))
    with pytest.raises(SourceError, match="not utf-8-sig text"):
        read_mapped(latin, "team-log", get_policy("cntw"))


def test_mapping_a_large_export_keeps_every_message(tmp_path: Path) -> None:
    """50,000 messages, each with a reply and tags, become their events with no reasons (speed is for bench/)."""
    tags = ("Care", '"Abusive, Swearing"')
    lines = ["Network,Message ID,Message Type,From,Message,Received Time,First Reply Time,Tags,Assigned To,Status"]
    lines += [f"Facebook,m{i},Comment,u{i % 977},hello {i},03/0{1 + i % 9}/2025 {1 + i % 12}:{i % 60:02d} PM,"
              f"{'' if i % 3 else f'03/0{1 + i % 9}/2025 11:59 PM'},{tags[i % 2]},Sam,Complete"
              for i in range(50_000)]
    export = tmp_path / "big.csv"
    export.write_text("\n".join(lines), encoding="utf-8")
    frame = read_mapped(export, "sprout-inbox", get_policy("cntw")).frame
    assert len(frame) == 50_000 * 3 and frame["_reasons"].isna().all()

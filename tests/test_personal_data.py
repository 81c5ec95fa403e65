"""SPEC §7: personal data. Accounts, staff and the columns a mapping marks identifying are stored only as
pseudonyms, the quarantine included; unknown extra columns are not stored; files are recorded by name;
message text and rationales lose e-mail addresses, phone numbers, NHS numbers and postcodes."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import queries
from core.policy import get_policy
from core.vocab import CANONICAL_COLUMNS
from core.warehouse import reader
from dashboard.views.data_quality import redaction_counts
from etl.load import load_sources
from etl.mapping.read import read_mapped
from etl.redact import install, redact
from tests.conftest import TEST_NOW, ev, msg, query

_CON = duckdb.connect()  # one in-memory connection for the pattern tests, its macros installed once
install(_CON)


def redacted(text: str) -> str:
    row = _CON.execute("SELECT redact_text($t)", {"t": text}).fetchone()
    assert row is not None
    return str(row[0])


def nhs_check_digit(nine: str) -> int | None:
    """The modulus-11 check digit, computed here independently of the loader's SQL (None: no valid number)."""
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return 0 if check == 11 else None if check == 10 else check


nine_digits = st.text("0123456789", min_size=9, max_size=9).filter(lambda s: s[0] != "0")
# Spacing between the ten digits: none, the usual 3-3-4, or any run of spaces between any digits.
spacings = st.lists(st.sampled_from(["", "", "", " ", "  "]), min_size=9, max_size=9)


def spaced(digits: str, gaps: list[str]) -> str:
    return "".join(d + g for d, g in zip(digits, [*gaps, ""], strict=True))


@settings(max_examples=150, deadline=None)
@given(nine_digits, spacings, st.sampled_from(["NHS no ", "nhs: ", "(", "number was ", ""]),
       st.sampled_from(["", ".", ")", " thanks", ", please"]))
def test_a_valid_nhs_number_is_redacted_in_any_spacing(nine: str, gaps: list[str], before: str, after: str) -> None:
    check = nhs_check_digit(nine)
    if check is None:
        return
    number = spaced(nine + str(check), gaps)
    assert redacted(f"{before}{number}{after}") == f"{before}[nhs-number]{after}"


@settings(max_examples=150, deadline=None)
@given(nine_digits, st.integers(0, 9), st.sampled_from([" ", ""]))
def test_an_nhs_number_with_a_wrong_check_digit_is_left_alone(nine: str, last: int, gap: str) -> None:
    if nhs_check_digit(nine) == last:
        return
    number = f"{nine[:3]}{gap}{nine[3:6]}{gap}{nine[6:]}{last}"
    assert redacted(f"my number is {number}.") == f"my number is {number}."


mobile = st.text("0123456789", min_size=9, max_size=9)


@settings(max_examples=150, deadline=None)
@given(mobile, st.sampled_from(["07{a} {b}", "07{a}{b}", "07{a}-{b}", "+44 7{a} {b}", "+447{a}{b}", "0044 7{a} {b}",
                                "+44 (0)7{a} {b}", "(07{a}) {b}"]),
       st.sampled_from(["call me on {}", "{}", "tel: {}.", "({})", "ring {} after 5"]))
def test_uk_mobile_numbers_are_redacted_however_written(digits: str, shape: str, around: str) -> None:
    number = shape.format(a=digits[:3], b=digits[3:])
    out = redacted(around.format(number))
    assert out == around.format("[phone]"), (number, out)


@pytest.mark.parametrize("number", ["020 7946 0000", "(020) 7946 0000", "0191 498 0000", "01632 960001",
                                    "+44 20 7946 0000", "0044 (0)191 498 0000", "+44-1632-960-001"])
def test_uk_landlines_are_redacted(number: str) -> None:
    assert redacted(f"Phone {number}, ask for Pat.") == "Phone [phone], ask for Pat."


local_part = st.from_regex(r"[a-z][a-z0-9._+-]{0,12}[a-z0-9]", fullmatch=True)
domain = st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9](\.[a-z]{2,3}){1,2}", fullmatch=True)
PUNCTUATION = [("(", ")"), ("<", ">"), ('"', '".'), ("", ","), ("", "."), ("[", "]"), ("mailto:", ";")]


@settings(max_examples=150, deadline=None)
@given(local_part, domain, st.sampled_from(PUNCTUATION))
def test_email_addresses_are_redacted_inside_punctuation(user: str, host: str, marks: tuple[str, str]) -> None:
    assert redacted(f"write to {marks[0]}{user}@{host}{marks[1]} now") == f"write to {marks[0]}[email]{marks[1]} now"


POSTCODES = ["NE1 4LP", "SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "cf14 4xw", "EH11BB"]


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(POSTCODES), st.sampled_from(PUNCTUATION))
def test_postcodes_are_redacted_inside_punctuation(code: str, marks: tuple[str, str]) -> None:
    assert redacted(f"I live at {marks[0]}{code}{marks[1]} near") == f"I live at {marks[0]}[postcode]{marks[1]} near"


DATES = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
ordinary = st.one_of(
    DATES.map(lambda d: d.strftime("%d/%m/%Y")), DATES.map(lambda d: d.isoformat()),
    DATES.map(lambda d: d.strftime("%d %b %Y")),
    st.times().map(lambda t: t.strftime("%H:%M")), st.integers(0, 10**7).map(lambda n: f"£{n:,}"),
    st.integers(0, 10**6).map(lambda n: f"£{n}.{n % 100:02d}"), st.integers(0, 10**8).map(str),
    st.from_regex(r"(post|item|ticket)-[0-9]{1,8}", fullmatch=True), st.from_regex(r"@[a-z_]{3,12}", fullmatch=True),
    st.sampled_from(["Thanks for your help!", "The ward is on level 2.", "Opening 09:00-17:00, Mon-Fri.",
                     "Ref #12345 raised on 3 Dec", "A&E wait was 4 hours", "Call 111 or 999 in an emergency."]))


@settings(max_examples=200, deadline=None)
@given(st.lists(ordinary, min_size=1, max_size=6))
def test_ordinary_text_is_left_alone(parts: list[str]) -> None:
    """Parts are joined as a sentence joins them: two bare numbers side by side with only a space between
    them are ten digits 'in any spacing', which is what an NHS number looks like."""
    text = "; ".join(parts)
    assert redacted(text) == text


def test_a_date_running_into_a_number_is_not_an_nhs_number() -> None:
    """Found by the property test above: the day of an ISO date and the number after it make ten digits
    with a valid check digit (2616777215)."""
    assert nhs_check_digit("261677721") == 5
    assert redacted("2000-01-26 16777215") == "2000-01-26 16777215"
    assert redacted("born 2000-01-26, NHS 261 677 7215") == "born 2000-01-26, NHS [nhs-number]"


def test_redacting_twice_changes_nothing() -> None:
    [once] = redact(duckdb.connect(), ["a@b.co.uk 07700 900123 943 476 5919 NE1 4LP"])
    assert once == "[email] [phone] [nhs-number] [postcode]" and redacted(once) == once


# The done-when log: handles, named staff, contact details in the text, an extra handle column and an IP.
SECRETS = ["@troll_account", "troll_account", "@other_handle", "Jane Doe", "John Smith", "jane.doe@example.org",
           "troll@example.com", "07700 900123", "07700900123", "+44 20 7946 0000", "943 476 5919", "9434765919",
           "NE1 4LP", "@troll_alt", "203.0.113.9", "198.51.100.7", "private/folder"]
COLUMNS = [*CANONICAL_COLUMNS, "author_handle", "ip_address"]


def _csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return buf.getvalue()


def _with_extras(row: dict[str, Any], ip: str = "203.0.113.9") -> dict[str, Any]:
    return {**row, "author_handle": "@troll_alt", "ip_address": ip}


FIRST = [
    _with_extras(msg("1", "2025-03-03T10:00:00Z", account="@troll_account",
                     text="Email me at troll@example.com or ring 07700 900123, NHS no 943 476 5919, NE1 4LP")),
    _with_extras(ev("r1", "response_sent", "1", "2025-03-03T11:00:00Z", actor="Jane Doe",
                    rationale="Asked them to call +44 20 7946 0000 or write to jane.doe@example.org")),
    _with_extras(ev("h1", "hidden", "1", "2025-03-03T12:00:00Z", actor="John Smith", category="abuse",
                    account_id="@troll_account", rationale="Posted 9434765919 publicly")),
    # Bad rows: an unknown platform, and a time that is none, carrying the same personal data.
    _with_extras(msg("2", "2025-03-03T10:00:00Z", account="@troll_account", platform="myspace",
                     text="I am troll@example.com, 07700900123"), ip="198.51.100.7"),
    _with_extras(ev("b1", "hidden", "1", "not a time", actor="Jane Doe", account_id="@other_handle",
                    rationale="jane.doe@example.org said NE1 4LP")),
    # An orphan: its message arrives in the second file.
    _with_extras(ev("o1", "hidden", "9", "2025-03-04T12:00:00Z", actor="Jane Doe", account_id="@other_handle",
                    category="abuse", rationale="Reported by jane.doe@example.org")),
]
SECOND = [_with_extras(msg("9", "2025-03-04T10:00:00Z", account="@other_handle", text="Hello from NE1 4LP"))]


def _string_columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute(
        """SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'main' AND (data_type IN ('VARCHAR', 'JSON') OR data_type LIKE 'VARCHAR[]%')
        ORDER BY ALL""").fetchall()


def _found(db: Path, secrets: list[str]) -> list[tuple[str, str, str]]:
    """(table, column, secret) for every secret any text column of any table holds, case-insensitively."""
    found = []
    with duckdb.connect(str(db), read_only=True) as con:
        for table, column in _string_columns(con):
            for secret in secrets:
                row = con.execute(
                    f'SELECT count(*) FROM "{table}" WHERE contains(lower(CAST("{column}" AS VARCHAR)), lower($s))',
                    {"s": secret}).fetchone()
                if row and row[0]:
                    found.append((table, column, secret))
    return found


def _write(folder: Path, name: str, rows: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(_csv(rows), encoding="utf-8")
    return path


def test_no_table_holds_personal_data_in_the_clear(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    folder = tmp_path / "private" / "folder"
    first, errors = load_sources(db, get_policy("cntw"), [_write(folder, "log.csv", FIRST)], now=TEST_NOW)
    assert errors == [] and (first.loaded, first.quarantined) == (3, 3)
    second, errors = load_sources(db, get_policy("cntw"), [_write(folder, "more.csv", SECOND)], now=TEST_NOW)
    assert errors == [] and (second.loaded, second.released) == (1, 1)

    assert _found(db, SECRETS) == []
    # Files by name; the orphan, held pseudonymised, loaded with the same pseudonyms as the events.
    assert query(db, "SELECT DISTINCT source_file FROM load_files ORDER BY 1") == [("log.csv",), ("more.csv",)]
    assert query(db, "SELECT DISTINCT source_file FROM quarantine ORDER BY 1") == [("log.csv",)]
    accounts = dict(query(db, "SELECT event_id, account FROM events"))
    actors = dict(query(db, "SELECT event_id, actor FROM events WHERE actor IS NOT NULL"))
    assert accounts["o1"] == accounts["m-facebook-9"] and accounts["o1"].startswith("acct-")
    assert actors["o1"] == actors["r1"] and actors["o1"].startswith("staff-") and actors["h1"] != actors["r1"]
    assert accounts["h1"] == accounts["m-facebook-1"]
    [(held,)] = query(db, "SELECT raw_row FROM quarantine WHERE orphan_only")
    assert json.loads(held)["account_id"] == accounts["o1"] and json.loads(held)["actor"] == actors["o1"]
    assert query(db, "SELECT rationale FROM events WHERE event_id = 'o1'") == [("Reported by [email]",)]
    # Unknown extra columns are stored nowhere.
    assert query(db, "SELECT count(*) FROM events WHERE extra IS NOT NULL") == [(0,)]
    raw = [json.loads(r) for (r,) in query(db, "SELECT raw_row FROM quarantine")]
    assert all(set(r) <= set(CANONICAL_COLUMNS) for r in raw)
    assert query(db, "SELECT text FROM events WHERE event_id = 'm-facebook-1'") == [
        ("Email me at [email] or ring [phone], NHS no [nhs-number], [postcode]",)]
    # Counted per load, the quarantined rows' text included.
    counts = [json.loads(r) for (r,) in query(db, "SELECT redactions FROM load_runs ORDER BY run_id")]
    assert counts == [{"email": 5, "phone": 3, "nhs-number": 2, "postcode": 2},
                      {"email": 0, "phone": 0, "nhs-number": 0, "postcode": 1}]
    with reader(db) as con:
        runs = queries.records(con, "load_runs", {"policy": "cntw"})
    assert [redaction_counts(r["redactions"]) for r in runs] == ["1 postcode",
                                                                 "5 e-mail, 3 phone, 2 NHS no., 2 postcode"]


def test_a_held_orphan_loads_as_it_would_have_directly(tmp_path: Path) -> None:
    """Its event id (derived from content when the row gives none), account, actor and text are the same
    whether it waited in the quarantine or came in one load with its message."""
    no_id = [{**r, "event_id": ""} for r in FIRST + SECOND]
    orphan_first = tmp_path / "a.duckdb"
    load_sources(orphan_first, get_policy("cntw"), [_write(tmp_path / "1", "log.csv", no_id[:-1])], now=TEST_NOW)
    load_sources(orphan_first, get_policy("cntw"), [_write(tmp_path / "2", "more.csv", no_id[-1:])], now=TEST_NOW)
    together = tmp_path / "b.duckdb"
    load_sources(together, get_policy("cntw"), [_write(tmp_path / "3", "all.csv", no_id)], now=TEST_NOW)
    sql = "SELECT event_id, account, actor, rationale, text FROM events ORDER BY ALL"
    assert query(orphan_first, sql) == query(together, sql)


def test_an_extra_column_is_kept_only_when_named(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    path = _write(tmp_path, "log.csv", [_with_extras(msg("1", "2025-03-03T10:00:00Z")),
                                        _with_extras(msg("2", "2025-03-03T10:00:00Z", platform="myspace"))])
    load_sources(db, get_policy("cntw"), [path], now=TEST_NOW, keep_columns=["IP_Address"])
    [(extra,)] = query(db, "SELECT extra FROM events")
    assert json.loads(extra) == {"ip_address": "203.0.113.9"}
    [(raw,)] = query(db, "SELECT raw_row FROM quarantine")
    assert json.loads(raw)["ip_address"] == "203.0.113.9" and "author_handle" not in json.loads(raw)


def test_a_policy_may_store_no_text(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    policy = get_policy("cntw").model_copy(update={"store_text": False})
    load_sources(db, policy, [_write(tmp_path, "log.csv", FIRST + SECOND)], now=TEST_NOW)
    assert query(db, "SELECT count(*) FROM events WHERE text IS NOT NULL") == [(0,)]
    assert all(json.loads(r)["text"] is None for (r,) in query(db, "SELECT raw_row FROM quarantine"))
    assert query(db, "SELECT rationale FROM events WHERE event_id = 'r1'") == [
        ("Asked them to call [phone] or write to [email]",)]
    counts = json.loads(query(db, "SELECT redactions FROM load_runs")[0][0])
    assert counts == {"email": 3, "phone": 1, "nhs-number": 1, "postcode": 1}  # the rationales' only


def test_a_mapped_sheets_identifying_columns_are_pseudonymised(tmp_path: Path) -> None:
    mapping = tmp_path / "sheet.toml"
    shipped = (Path(__file__).parent.parent / "etl" / "mappings" / "team-log.toml").read_text(encoding="utf-8")
    mapping.write_text('keep = ["Ticket", { column = "Staff email", identifying = true }]\n' + shipped,
                       encoding="utf-8")
    sheet = tmp_path / "team" / "sheet.csv"
    sheet.parent.mkdir()
    sheet.write_text(
        "Received,Platform,Post link or ID,Author,Type,Needs reply,What was said,Category,Action taken,"
        "Action by,Reason,Ticket,Staff email,Secret note,Signposted to,Action time,Replied at,Warning sent,"
        "Reported to platform,Reported to police\n"
        "03/03/2025 10:00,Facebook,p1,@troll_account,Comment,Yes,Call 07700 900123,Abuse,Hidden,Jane Doe,"
        "rude,T-1,jane.doe@example.org,@troll_alt,,,,,No,No\n"
        "03/03/2025 10:00,Myspace,p2,@troll_account,Comment,Yes,Hi,Abuse,Hidden,Jane Doe,rude,T-2,"
        "jane.doe@example.org,@troll_alt,,,,,No,No\n", encoding="utf-8")
    db = tmp_path / "warehouse.duckdb"
    result, errors = load_sources(db, get_policy("cntw"), [read_mapped(sheet, mapping, get_policy("cntw"))],
                                  now=TEST_NOW)
    assert errors == [] and result.loaded > 0 and result.quarantined > 0
    assert _found(db, ["troll_account", "Jane Doe", "jane.doe@example.org", "07700", "troll_alt", "team/"]) == []
    extra = json.loads(query(db, "SELECT extra FROM events WHERE event_type = 'message_received'")[0][0])
    assert extra["Ticket"] == "T-1" and extra["Staff email"].startswith("id-")
    assert query(db, "SELECT DISTINCT source_file FROM events") == [("sheet.csv",)]

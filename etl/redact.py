"""Redacting message text and rationales: e-mail addresses, UK phone numbers, NHS numbers and postcodes.

Members of the public put their contact details and NHS numbers in messages, and staff copy them into
rationales; the warehouse is for analysis and audit and needs none of them (SPEC §7). Redaction is done
set-wise in DuckDB as SQL macros, so a large load pays a few regular-expression passes over its text
rather than a Python call per row; only the NHS number's check digit needs more than a pattern, and it is
an SQL expression over the digits of the (rare) candidates.

Each kind is replaced by a token (`[email]`, `[phone]`, `[nhs-number]`, `[postcode]`) that no pattern
matches, so redacting twice changes nothing: orphans held in the quarantine are stored redacted and are
redacted again, unchanged, when they are staged once more. The counts kept per load are the tokens a
load's text gained, which is why a token already typed in the input is not counted.

The order matters: numbers written with +44 or 0044 first (the ten digits after +44 could pass as an NHS
number), then NHS numbers (ten digits with a valid check digit), then national phone numbers, since a
ten-digit number that starts with 0 is also phone-shaped, and the check digit is the stronger evidence.
"""

from __future__ import annotations

import duckdb

KINDS: tuple[str, ...] = ("email", "phone", "nhs-number", "postcode")

# A local part and a domain of at least two labels; the domain stops before trailing punctuation.
EMAIL_RE = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
# Ten digits, spaced in any way (`943 476 5919`, `9434765919`), not part of a longer number or word, nor
# running on from a date, time or decimal (`2000-01-26 16777215`): group 1 is what precedes it (RE2 has no
# look-behind), group 2 the candidate.
NHS_RE = r"(^|[^\w\-/.:])(\d(?: *\d){9})\b"
# +44 / 0044 (with an optional `(0)`), then the national number: 9 or 10 digits in groups separated by
# spaces or dashes (PHONE_INTL_RE). A national number (PHONE_RE) starting with 0 is one of the ways the UK
# groups its digits (an area code of 3-6 digits, then groups of 3-4), not any run of digits and dashes: a
# date such as 2000-01-01 is not a phone number; an area code in brackets stays one with its bracket. In
# both, group 1 is what precedes the number (RE2 has no look-behind), put back by the replacement; the number
# must not run on into more digits or letters.
PHONE_INTL_RE = r"(^|[^\w+])((?:\+|00)44[\s-]*(?:\(0\)[\s-]*)?[1-9](?:[\s-]*\d){8,9})\b"
PHONE_RE = ("(^|[^\\w+])(" + "|".join((
    r"0\d{9,10}",                               # 07700900123, 0191498000
    r"0\d{4}[\s-]?\d{5,6}",                     # 07700 900123, 016977 3456
    r"0\d{4}[\s-]?\d{3}[\s-]?\d{3}",            # 07700 900 123
    r"0\d{3}[\s-]?\d{3}[\s-]?\d{3,4}",          # 0191 498 0000
    r"0\d{3}[\s-]?\d{6,7}",                     # 0191 4980000
    r"0\d{2}[\s-]?\d{4}[\s-]?\d{4}",            # 020 7946 0000
    r"\(0\d{2,4}\)[\s-]?\d{3,4}[\s-]?\d{3,4}",   # (020) 7946 0000, (01632) 960 001
)) + ")\\b")
# Outward code (A9, A99, AA9, AA99, A9A, AA9A), optional space, inward code (a digit and two letters, never
# C I K M O V). Case-insensitive: people type them in lower case.
POSTCODE_RE = r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2}\b"

MACROS = (
    # The modulus-11 check of a string of ten digits: weights 10..2 on the first nine, 11 - (sum mod 11) is
    # the tenth (11 means 0; 10 means no valid number has these nine digits).
    "CREATE OR REPLACE TEMP MACRO nhs_number_ok(d) AS "
    "(11 - list_sum(list_transform(range(9), lambda i: CAST(substr(d, i + 1, 1) AS INTEGER) * (10 - i))) % 11) % 11"
    " = CAST(substr(d, 10, 1) AS INTEGER)",
    "CREATE OR REPLACE TEMP MACRO redact_nhs_numbers(x) AS "
    f"CASE WHEN regexp_matches(x, '{NHS_RE}') THEN list_reduce("
    f"list_filter(regexp_extract_all(x, '{NHS_RE}', 2), lambda c: nhs_number_ok(regexp_replace(c, ' ', '', 'g'))), "
    "lambda acc, c: replace(acc, c, '[nhs-number]'), x) ELSE x END",
    # Every kind holds a digit or an `@`; most messages hold neither and skip the four passes.
    "CREATE OR REPLACE TEMP MACRO redact_text(x) AS CASE WHEN NOT regexp_matches(x, '[0-9@]') THEN x ELSE "
    "regexp_replace(regexp_replace(redact_nhs_numbers(regexp_replace(regexp_replace("
    f"x, '{EMAIL_RE}', '[email]', 'g'), '{PHONE_INTL_RE}', '\\1[phone]', 'g')), "
    f"'{PHONE_RE}', '\\1[phone]', 'g'), '{POSTCODE_RE}', '[postcode]', 'gi') END",
    # How many times `token` occurs in `x` (NULL counts none).
    "CREATE OR REPLACE TEMP MACRO token_count(x, token) AS "
    "(length(coalesce(x, '')) - length(replace(coalesce(x, ''), token, ''))) // length(token)",
)


def install(con: duckdb.DuckDBPyConnection) -> None:
    """The redaction macros on this connection (temporary: the warehouse keeps none of the loader's SQL)."""
    for sql in MACROS:
        con.execute(sql)


def gained_sql(before: str, after: str) -> str:
    """SQL for a struct of how many tokens of each kind `after` (the redacted text) gained over `before`."""
    fields = ", ".join(f'"{kind}" := token_count({after}, \'[{kind}]\') - token_count({before}, \'[{kind}]\')'
                       for kind in KINDS)
    return f"struct_pack({fields})"


def redact(con: duckdb.DuckDBPyConnection, texts: list[str | None]) -> list[str | None]:
    """The texts as the loader stores them; for tests and for checking a pattern by hand."""
    install(con)
    row = con.execute("SELECT list_transform($t, lambda x: redact_text(x))", {"t": texts}).fetchone()
    assert row is not None
    return list(row[0])

"""The dashboard's pages as data: the navigation draws them, and the tests walk every one of them.

A new page is a file in `dashboard/views/` and one line here, naming the roles that reach it (SPEC §8); the
navigation lists a user only the pages their roles reach, and a page's URL outside them shows nothing.
"""

from __future__ import annotations

from typing import NamedTuple


class Page(NamedTuple):
    file: str  # in dashboard/views/
    title: str
    icon: str
    url_path: str | None  # None: the default page, at the site's root
    roles: frozenset[str] = frozenset()  # the roles that reach it when sign-in is on (local mode: every page)
    before_data: bool = False  # offered while nothing is loaded yet (the first load is made on it)


LEADERSHIP, AUDITOR, COMMS, ADMIN = "leadership", "auditor", "comms", "admin"
EVERY_ROLE = frozenset({LEADERSHIP, AUDITOR, COMMS, ADMIN})


PAGES: dict[str, list[Page]] = {  # navigation section → its pages, in order
    "For leaders": [
        Page("overview.py", "Overview", ":material/dashboard:", None, frozenset({LEADERSHIP, AUDITOR})),
        Page("pack.py", "Governance pack", ":material/picture_as_pdf:", "governance-pack",
             frozenset({LEADERSHIP, AUDITOR})),
    ],
    "Analysis": [
        Page("categories.py", "Violation categories", ":material/category:", "categories",
             frozenset({LEADERSHIP, AUDITOR, COMMS})),
        Page("response.py", "Response times", ":material/schedule:", "response-times",
             frozenset({LEADERSHIP, AUDITOR, COMMS})),
        Page("decisions.py", "Decisions", ":material/gavel:", "decisions", frozenset({LEADERSHIP, AUDITOR})),
    ],
    "Assurance": [
        Page("governance.py", "Governance review", ":material/policy:", "governance", frozenset({AUDITOR})),
        Page("team.py", "Team self-assessment", ":material/groups:", "team", frozenset({AUDITOR, COMMS})),
        Page("data_quality.py", "Data quality", ":material/fact_check:", "data-quality", frozenset({ADMIN})),
        Page("upload.py", "Upload", ":material/upload_file:", "upload", frozenset({COMMS, ADMIN}), before_data=True),
        Page("access_log.py", "Access log", ":material/manage_search:", "access-log", frozenset({AUDITOR, ADMIN})),
        Page("glossary.py", "Glossary", ":material/menu_book:", "glossary", EVERY_ROLE),
    ],
}


def all_pages() -> list[Page]:
    return [page for section in PAGES.values() for page in section]

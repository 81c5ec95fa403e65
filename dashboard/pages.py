"""The dashboard's pages as data: the navigation draws them, and the tests walk every one of them.

A new page is a file in `dashboard/views/` and one line here.
"""

from __future__ import annotations

from typing import NamedTuple


class Page(NamedTuple):
    file: str  # in dashboard/views/
    title: str
    icon: str
    url_path: str | None  # None: the default page, at the site's root


PAGES: dict[str, list[Page]] = {  # navigation section → its pages, in order
    "For leaders": [Page("overview.py", "Overview", ":material/dashboard:", None)],
    "Analysis": [
        Page("categories.py", "Violation categories", ":material/category:", "categories"),
        Page("response.py", "Response times", ":material/schedule:", "response-times"),
        Page("decisions.py", "Decisions", ":material/gavel:", "decisions"),
    ],
    "Assurance": [
        Page("governance.py", "Governance review", ":material/policy:", "governance"),
        Page("team.py", "Team self-assessment", ":material/groups:", "team"),
        Page("data_quality.py", "Data quality", ":material/fact_check:", "data-quality"),
    ],
}


def all_pages() -> list[Page]:
    return [page for section in PAGES.values() for page in section]

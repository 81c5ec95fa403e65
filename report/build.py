"""A governance pack from the warehouse to bytes: for `modaudit report` and the dashboard's download.

The warehouse is open only while the figures are read (`report.content.gather`); the charts and the PDF are
made after it is closed, so a pack never holds up a load for the seconds its drawing takes. The browser that
draws the charts starts first and gets ready while the figures are read. The caller says how to open the
warehouse: the command opens the file read-only itself, the dashboard through its gate.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path

import duckdb

from core.policy import Policy
from queries import Scope
from queries.governance import default_as_of
from report.content import AUDIENCES, CHARTED, Audience, ReportError, gather
from report.render import chart_drawer, render

FORMATS = {".pdf": "pdf", ".html": "html"}
Opener = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]

__all__ = ["AUDIENCES", "Audience", "ReportError", "build", "format_of"]


def format_of(out: Path) -> str:
    """`pdf` or `html`, from the output file's name."""
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise ReportError(f"--out {out}: give a name ending in .pdf or .html")
    return fmt


def build(open_warehouse: Opener, policy: Policy, scope: Scope, as_of: datetime | None, audience: Audience,
          fmt: str = "pdf") -> bytes:
    """The pack's bytes. `as_of` None: the policy's latest event (SPEC §2), as `modaudit summary`."""
    if audience not in AUDIENCES:
        raise ReportError(f"unknown audience {audience!r}; give one of {', '.join(AUDIENCES)}")
    with chart_drawer(start_now=audience in CHARTED) as draw:
        with open_warehouse() as con:
            as_of = as_of or default_as_of(con, policy.id)
            if as_of is None:
                raise ReportError(f"the warehouse holds nothing for policy {policy.id}: load its log first")
            pack = gather(con, policy, scope, as_of, audience)
        draw(pack.charts())
    return render(pack, fmt)

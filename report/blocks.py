"""What a pack is made of, as plain data: sections of text, tables, charts and definitions.

`report.content` decides what each audience's pack says and fills these in from the named queries; the
template (`report/templates/pack.html`) only lays them out, and `report.render` draws the charts. Every
cell is already text, written the way the dashboard writes it, so the template holds no number formatting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import plotly.graph_objects as go

from core.glossary import Term


@dataclass(frozen=True)
class Text:
    kind: ClassVar[str] = "text"  # what the template lays a block out as
    text: str
    style: Literal["p", "note", "quote", "h3", "lead"] = "p"


@dataclass(frozen=True)
class Table:
    kind: ClassVar[str] = "table"
    headers: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    widths: tuple[int, ...] = ()  # percent of the page's width per column; empty: the columns share it
    numeric_from: int = 1  # columns from this one on are figures (right-aligned)
    caption: str = ""
    compact: bool = False  # smaller type: the evidence and quarantine listings


@dataclass
class Chart:
    """A figure the dashboard draws, printed as vector SVG (`report.render`) under its title and subtitle,
    which are page text here as on the dashboard's pages (`dashboard.ui.chart`): they wrap to the page,
    can be searched and read aloud, and say in words what the picture shows."""

    kind: ClassVar[str] = "chart"
    fig: go.Figure  # without its title: `chart` takes it out
    title: str
    subtitle: str
    width_px: int = 760  # drawn this wide, then scaled to the page's width (type stays in proportion)
    note: str = ""  # how to read it, printed under it and kept on its page
    svg: str = ""  # filled in by `report.render.chart_drawer`


def chart(fig: go.Figure, width_px: int = 760, note: str = "") -> Chart | Text:
    """A dashboard figure as a pack's chart: its title and subtitle taken out into text, and the height
    `dashboard.charts.style.finish` gave them (24 px a wrapped line, and the title's band) given back. A
    figure with nothing to draw (`style.empty_figure`) is its sentence alone, not a blank frame."""
    title = " ".join((fig.layout.title.text or "").replace("<br>", " ").split())
    if not fig.data:
        return Text(f"{title}.")
    subtitle = fig.layout.title.subtitle.text or ""
    lines = (fig.layout.title.text or "").count("<br>") + 1 if fig.layout.title.text else 0
    shown = go.Figure(fig)
    shown.update_layout(title=None, height=(fig.layout.height or 380) - 24 * max(lines - 1, 0) - 40, margin_t=10)
    return Chart(shown, title, subtitle, width_px, note)


@dataclass(frozen=True)
class Terms:
    kind: ClassVar[str] = "terms"
    terms: tuple[Term, ...]


Block = Text | Table | Chart | Terms


@dataclass
class Section:
    key: str  # the anchor the table of contents links to
    title: str
    blocks: list[Block] = field(default_factory=list)
    new_page: bool = False


@dataclass(frozen=True)
class Cover:
    title: str
    organisation: str
    period: str
    filters: str
    as_of: str
    release: str
    generated: str
    audience_note: str
    sources: Table | None  # the loads the figures rest on (None in the public pack: file names stay inside)
    sources_text: str


@dataclass
class Pack:
    cover: Cover
    sections: list[Section]
    footer: str  # printed at the foot of every page but the cover

    def charts(self) -> list[Chart]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Chart)]

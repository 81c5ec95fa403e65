"""A pack printed: its charts drawn as vector SVG by kaleido, its HTML from one template, the PDF by WeasyPrint.

Kaleido 1.x draws a Plotly figure in a headless Chrome. It is given Debian's `chromium` (BROWSER_PATH, or
`chromium` on PATH) and never its own download (`kaleido.get_chrome` would fetch one from the internet):
without a browser the pack fails in one line saying what to install. One browser draws every chart of a pack,
since starting it is most of the cost. WeasyPrint lays out the HTML and CSS (A4 portrait, page numbers, the
table of contents' page numbers) on the system's pango and harfbuzz.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from dashboard.charts import style
from report.blocks import Chart, Pack
from report.content import ReportError

TEMPLATES = Path(__file__).parent / "templates"
CHART_TIMEOUT_S = 60
TRIES = 2  # browsers started to draw a pack's charts before it fails


def browser() -> str:
    """The Chrome kaleido is to use: BROWSER_PATH if set, else Debian's chromium on PATH."""
    found = os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found or not Path(found).exists():
        raise ReportError("the pack's charts are drawn by Chromium, and none was found: install Debian's "
                          "`chromium` (apt-get install chromium) or set BROWSER_PATH to a Chrome or Chromium")
    return found


@contextmanager
def chart_drawer(start_now: bool = True) -> Iterator[Callable[[list[Chart]], None]]:
    """What draws charts (each `Chart.svg`) in one browser, on an event loop of its own thread: kaleido is
    asynchronous, and a caller (Streamlit) may be running a loop on its own. With `start_now` the browser
    starts at once, so that it is ready by the time the caller has read the warehouse (starting it is most
    of the cost of the charts); otherwise on the first charts to draw."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="pack-charts", daemon=True)
    thread.start()
    opening: Future[Any] | None = None

    def open_browser() -> Future[Any]:
        os.environ["BROWSER_PATH"] = browser()
        # The browser's own chatter (a message cut short as it closes) is not the reader's business: a failure
        # that matters reaches `draw` as an exception and is said in one line.
        for name in ("choreographer", "kaleido", "logistro"):
            logging.getLogger(name).setLevel(logging.CRITICAL)

        async def start() -> Any:
            import kaleido

            drawer = kaleido.Kaleido(n=1, timeout=CHART_TIMEOUT_S, mathjax=False)
            await drawer.open()
            return drawer

        return asyncio.run_coroutine_threadsafe(start(), loop)

    def shut(started: Future[Any] | None) -> None:
        if started is not None and started.exception() is None:
            asyncio.run_coroutine_threadsafe(started.result().close(), loop).result(timeout=CHART_TIMEOUT_S)

    async def svgs(drawer: Any, charts: list[Chart]) -> list[bytes]:
        return [await drawer.calc_fig(c.fig, opts={"format": "svg", "width": c.width_px}) for c in charts]

    def draw(charts: list[Chart]) -> None:
        nonlocal opening
        if not charts:
            return
        for attempt in range(TRIES):
            opening = opening or open_browser()
            try:
                drawn = asyncio.run_coroutine_threadsafe(svgs(opening.result(), charts), loop).result()
                break
            except Exception as exc:  # kaleido's and choreographer's own errors: one line, not their traceback
                if attempt == TRIES - 1:
                    raise ReportError(f"the charts could not be drawn in {os.environ['BROWSER_PATH']}: "
                                      f"{' '.join(str(exc).split())[:300]}") from None
                # On a busy machine kaleido 1.5 now and then runs its first figure before its page's script
                # has ("kaleido_scopes is not defined"); a fresh browser draws them.
                shut(opening)
                opening = None
        for c, svg in zip(charts, drawn, strict=True):
            c.svg = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")

    try:
        if start_now:
            opening = open_browser()
        yield draw
    finally:
        shut(opening)
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


def html(pack: Pack) -> str:
    """The pack as one HTML page, its CSS inside (the palette filled in) and its charts as data URIs."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    palette = {"ink": style.INK, "accent": style.PART, "pale": style.PALE}
    return env.get_template("pack.html").render(pack=pack, palette=palette)


def pdf(page: str) -> bytes:
    """A tagged PDF: headings, tables and the charts' alternative text reach a screen reader."""
    from weasyprint import HTML

    return HTML(string=page, base_url=str(TEMPLATES)).write_pdf(pdf_tags=True)


def render(pack: Pack, fmt: str) -> bytes:
    """The pack as `pdf` or `html` bytes (its charts drawn already)."""
    page = html(pack)
    return pdf(page) if fmt == "pdf" else page.encode("utf-8")

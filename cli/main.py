"""The `modaudit` command: the one entry point for loading, summarising, generating and serving."""

from __future__ import annotations

import json
import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from cli.mapping import register

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Analytics and audit of social-media moderation logs against published policy.")

DbOption = Annotated[Path, typer.Option("--db", help="The DuckDB warehouse file.")]
PolicyOption = Annotated[str, typer.Option("--policy", help="Policy preset id, e.g. cntw.")]


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"modaudit: {message}", err=True)
    return typer.Exit(code)


def _policy(policy_id: str):
    from core.policy import PolicyError, get_policy

    try:
        return get_policy(policy_id)
    except PolicyError as exc:
        raise _fail(str(exc)) from None


@app.command()
def load(
    files: Annotated[list[Path], typer.Argument(help="Canonical logs (.csv, .jsonl, .parquet) or mapped sheets.")],
    db: DbOption,
    policy: PolicyOption,
    mapping: Annotated[Path | None, typer.Option(help="Column mapping (TOML) for a team sheet or tool export.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Load moderation logs: valid rows into the warehouse, bad rows into the quarantine with reasons."""
    from etl.load import load_sources
    from etl.sources import FrameSource, SourceError

    preset = _policy(policy)
    sources: list[Path | FrameSource] = []
    errors: list[str] = []
    if mapping is not None:
        from etl.mapping.read import read_mapped

        for f in files:
            try:
                sources.append(read_mapped(f, mapping, preset))
            except (SourceError, ValueError) as exc:
                errors.append(str(exc))
    else:
        sources.extend(files)
    progress = _progress_printer() if sys.stderr.isatty() and not as_json else None
    result, load_errors = load_sources(db, preset, sources, progress=progress)
    errors += load_errors
    for err in errors:
        typer.echo(f"modaudit: {err}", err=True)
    if as_json:
        typer.echo(json.dumps(result.counts()))
    else:
        typer.echo(f"run {result.run_id}: {result.rows_in} rows in, {result.loaded} loaded, "
                   f"{result.quarantined} quarantined, {result.duplicates} duplicates"
                   + (f", {result.released} held orphans released" if result.released else ""))
    if errors:
        raise typer.Exit(1)


def _progress_printer():
    from rich.console import Console

    console = Console(stderr=True)
    status = console.status("loading")
    status.start()

    def say(step: str) -> None:
        status.update(f"loading: {step}")
        if step == "deriving items":
            status.stop()

    return say


@app.command()
def summary(
    db: DbOption,
    policy: PolicyOption,
    as_of: Annotated[datetime | None,
                     typer.Option("--as-of", help="Judge status at this time (default: latest event).")] = None,
    date_from: Annotated[datetime | None,
                         typer.Option("--from", formats=["%Y-%m-%d"], help="First receipt day.")] = None,
    date_to: Annotated[datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last receipt day.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the SPEC §5 JSON object.")] = False,
) -> None:
    """Headline figures, response target and governance findings for one policy."""
    from queries import Scope
    from queries.summary import render_table, summary_from_db

    preset = _policy(policy)
    if not db.exists():
        raise _fail(f"{db}: no such warehouse; load a file first with `modaudit load FILE --db {db} --policy {policy}`")
    scope = Scope(policy=preset.id, date_from=_day(date_from), date_to=_day(date_to))
    result = summary_from_db(db, preset, scope, _aware(as_of, preset.timezone))
    typer.echo(json.dumps(result) if as_json else render_table(result, preset))


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _aware(value: datetime | None, zone: str) -> datetime | None:
    from zoneinfo import ZoneInfo

    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=ZoneInfo(zone))


@app.command()
def generate(
    policy: PolicyOption,
    out: Annotated[Path, typer.Option("--out", help="Output file: .csv, .jsonl or .parquet.")],
    days: Annotated[int, typer.Option(help="Days of activity.")] = 365,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same log.")] = 1,
    daily_items: Annotated[int | None, typer.Option(help="Items a day (default: a mid-size trust).")] = None,
    bad_fraction: Annotated[float, typer.Option(help="Share of rows to corrupt, for data-quality demos.")] = 0.0,
    start: Annotated[datetime | None, typer.Option("--start", formats=["%Y-%m-%d"],
                                                    help="First day (default: the log ends on 1 Nov 2026).")] = None,
) -> None:
    """Write a realistic synthetic moderation log for a policy."""
    from demo.generate import generate_log
    from demo.write import write_log

    try:
        frame = generate_log(_policy(policy), days=days, seed=seed, start=_day(start), daily_items=daily_items,
                             bad_fraction=bad_fraction)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    write_log(frame, out)
    typer.echo(f"wrote {len(frame)} events to {out}")


@app.command()
def upgrade(db: DbOption) -> None:
    """Bring a warehouse written by an earlier release up to this release's schema, in place."""
    from core import warehouse

    if not db.is_file():
        raise _fail(f"there is no warehouse at {db}")
    con = warehouse.connect(db)
    try:
        was = warehouse.upgrade(con)
    finally:
        con.close()
    now = warehouse.SCHEMA_VERSION
    if was > now:
        raise _fail(f"{db} is at schema {was}, written by a later release than this one (schema {now})")
    typer.echo(f"{db}: schema {was} -> {now}" if was < now else f"{db}: already at schema {now}")


@app.command()
def dashboard(
    db: DbOption,
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
) -> None:
    """Serve the dashboard over a warehouse."""
    app_path = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
    cmd = [sys.executable, "-m", "streamlit", "run", str(app_path), "--server.port", str(port),
           "--server.headless", "true", "--", "--db", str(db.resolve())]
    # Streamlit reads .streamlit/config.toml from its working directory: run it from the project root. It
    # replaces this process, so a kill or Ctrl-C reaches the server itself.
    os.chdir(app_path.parent.parent)
    os.execv(sys.executable, cmd)


register(app)

"""The `modaudit` command: the one entry point for loading, summarising, generating and serving."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from cli.mapping import register

if TYPE_CHECKING:
    from etl.sources import FrameSource

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Analytics and audit of social-media moderation logs against published policy.")

DbOption = Annotated[Path, typer.Option("--db", help="The DuckDB warehouse file.")]
PolicyOption = Annotated[str, typer.Option("--policy", help="Policy preset id, e.g. cntw.")]
T = TypeVar("T")


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"modaudit: {message}", err=True)
    return typer.Exit(code)


def _say(message: str) -> None:
    typer.echo(f"modaudit: {message}", err=True)


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
    policy_change: Annotated[bool, typer.Option(
        "--policy-change", help="Load a file already loaded under another policy, on purpose.")] = False,
    wait: Annotated[float, typer.Option(
        "--wait", min=0, help="Seconds to wait while another process holds the warehouse.")] = 120,
    keep_column: Annotated[list[str] | None, typer.Option(
        "--keep-column", metavar="NAME",
        help="Store this extra input column in events.extra (repeatable); others are not stored.")] = None,
) -> None:
    """Load moderation logs: valid rows into the warehouse, bad rows into the quarantine with reasons."""
    from core import warehouse
    from etl.load import load_sources
    from etl.pseudonym import PseudonymKeyError, load_key
    from etl.sources import FrameSource, SourceError

    preset = _policy(policy)
    try:  # before any file is read: nothing is created beside a --db that cannot be a warehouse
        warehouse.check_path(db, write=True)
    except warehouse.WarehouseError as exc:
        raise _fail(str(exc), 1) from None
    sources: list[Path | FrameSource] = []
    errors: list[str] = []
    if mapping is not None:
        from etl.mapping.choices import mapping_name, read_current
        from etl.mapping.read import read_mapped

        try:  # the organisation's meanings for its words (the Upload page's choices) before the mapping's own
            choices = read_current(db, preset.id, mapping_name(mapping))
        except ValueError as exc:
            raise _fail(str(exc), 1) from None
        for f in files:
            try:
                sources.append(read_mapped(f, mapping, preset, choices))
            except (SourceError, ValueError) as exc:
                errors.append(str(exc))
    elif not any(f.exists() for f in files):
        errors += [f"{f}: no such file" for f in files]
    else:
        sources.extend(files)
    if not sources:  # nothing to load: leave the warehouse (or its absence) and the key as they are
        for err in errors:
            typer.echo(f"modaudit: {err}", err=True)
        raise typer.Exit(1)
    try:
        load_key(db)
    except PseudonymKeyError as exc:
        raise _fail(str(exc), 1) from None
    progress = _progress_printer() if sys.stderr.isatty() and not as_json else None
    try:  # a load that meets the lock fails as it opens the warehouse, before it has read or written anything
        result, load_errors = warehouse.waiting_for_lock(
            db, lambda: load_sources(db, preset, sources, progress=progress, allow_policy_change=policy_change,
                                     keep_columns=keep_column or ()),
            wait, _say)
    except warehouse.WarehouseBusy as exc:
        raise _fail(f"{exc}, or give a longer --wait", 1) from None
    except (warehouse.WarehouseError, PseudonymKeyError) as exc:
        raise _fail(str(exc), 1) from None
    errors += load_errors
    for err in errors:
        typer.echo(f"modaudit: {err}", err=True)
    if as_json:
        typer.echo(json.dumps(result.counts()))
    else:
        sheets = [s for s in sources if isinstance(s, FrameSource) and s.row_stride > 1
                  and s.name not in result.failed_files]
        rows_in = (f"{_sheet_rows(sheets)} sheet rows in as {result.rows_in} events:" if sheets
                   else f"{result.rows_in} rows in,")
        typer.echo(f"run {result.run_id}: {rows_in} {result.loaded} loaded, "
                   f"{result.quarantined} quarantined, {result.duplicates} duplicates"
                   + (f", {result.released} held orphans released" if result.released else ""))
    if errors:
        raise typer.Exit(1)


def _sheet_rows(sheets: list[FrameSource]) -> int:
    """The sheet rows that gave the events of mapped sheets (etl.sources.FrameSource): a team's sheet row is
    one message with what was done about it, several events, and the team counts rows."""
    return sum(int((sheet.frame["_row"] // sheet.row_stride).nunique()) for sheet in sheets)


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
    scope = Scope(policy=preset.id, date_from=_day(date_from), date_to=_day(date_to))
    result = _reading(db, policy, lambda: summary_from_db(db, preset, scope, _aware(as_of, preset.timezone)))
    typer.echo(json.dumps(result) if as_json else render_table(result, preset))


def _reading(db: Path, policy_id: str, read: Callable[[], T]) -> T:
    """`read()` of the warehouse, its expected failures as the command's one line: no warehouse, a file that
    is not one (or that no load has written to), one written by an earlier release, held by a load."""
    import duckdb

    from core import warehouse

    if not db.exists():
        raise _fail(f"{db}: no such warehouse; load a file first with "
                    f"`modaudit load FILE --db {db} --policy {policy_id}`")
    try:
        warehouse.check_path(db, write=False)
        return read()
    except warehouse.WarehouseError as exc:
        raise _fail(str(exc), 1) from None
    except duckdb.CatalogException as exc:
        if "finding_reviews" in str(exc):  # every other table is older than the review
            raise _fail(f"{db} was written by an earlier release of modaudit; bring it up to date with "
                        f"`modaudit upgrade --db {db}`", 1) from None
        raise _fail(f"{db} is not a modaudit warehouse (it has no moderation tables); load a file into it "
                    f"first with `modaudit load FILE --db {db} --policy {policy_id}`", 1) from None
    except duckdb.Error as exc:
        busy = warehouse.lock_holder(exc)
        raise _fail(f"the warehouse {db} is held by {busy}; try again once that load has finished" if busy
                    else f"{db} could not be read: {warehouse.error_line(exc)}", 1) from None


@app.command()
def findings(
    db: DbOption,
    policy: PolicyOption,
    status: Annotated[str | None, typer.Option(
        "--status", help="Only findings with this review status: open, justified, 'action agreed' or "
                         "'not a breach'.")] = None,
    as_of: Annotated[datetime | None,
                     typer.Option("--as-of", help="Judge findings at this time (default: latest event).")] = None,
    date_from: Annotated[datetime | None,
                         typer.Option("--from", formats=["%Y-%m-%d"], help="First receipt day.")] = None,
    date_to: Annotated[datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last receipt day.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per finding, in a list.")] = False,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Write them with their evidence to FILE.csv or FILE.xlsx (mode 0600).")] = None,
) -> None:
    """Governance findings with the auditor's review of each (status, note, who and when), for scripts."""
    from core.glossary import REVIEW_STATUSES
    from queries import Scope
    from queries.governance import export_findings, finding_records, findings_from_db

    preset = _policy(policy)
    if status is not None and status not in REVIEW_STATUSES:
        raise _fail(f"--status {status!r}: give one of {', '.join(REVIEW_STATUSES)}")
    if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
        raise _fail(f"--out {out}: give a name ending in .csv or .xlsx")
    scope = Scope(policy=preset.id, date_from=_day(date_from), date_to=_day(date_to))
    found, judged_at = _reading(db, policy, lambda: findings_from_db(db, preset, scope,
                                                                     _aware(as_of, preset.timezone)))
    if status is not None:
        found = found[found["status"] == status].reset_index(drop=True)
    if out is not None:
        try:
            export_findings(found, out, preset, scope, judged_at)
        except OSError as exc:
            raise _fail(f"{out}: cannot be written ({exc.strerror or exc})", 1) from None
        typer.echo(f"wrote {len(found)} finding rows to {out}")
        return
    listed = finding_records(found)
    if as_json:
        typer.echo(json.dumps(listed))
        return
    for f in listed:
        typer.echo("\t".join([f["rule"], f["subject"], f["status"], f["reviewer"] or "", f["reviewed_at"] or "",
                               f["reopened"] or f["note"] or ""]))


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _aware(value: datetime | None, zone: str) -> datetime | None:
    from zoneinfo import ZoneInfo

    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=ZoneInfo(zone))


@app.command()
def report(
    db: DbOption,
    policy: PolicyOption,
    date_from: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First receipt day.")],
    date_to: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last receipt day.")],
    audience: Annotated[str, typer.Option(
        "--audience", help="board (figures), auditor (with the evidence) or public (aggregates, small numbers "
                           "suppressed).")],
    out: Annotated[Path, typer.Option("--out", help="The pack: FILE.pdf or FILE.html (written mode 0600).")],
    as_of: Annotated[datetime | None,
                     typer.Option("--as-of", help="Judge status at this time (default: latest event).")] = None,
) -> None:
    """The governance pack for a period: a board PDF, the auditor's with the evidence, or a public report."""
    import sqlite3
    from functools import partial
    from typing import cast

    from core.warehouse import reader
    from etl.erase import os_user
    from queries import Scope, access_log, export
    from report.build import AUDIENCES, Audience, ReportError, build, format_of

    preset = _policy(policy)
    if audience not in AUDIENCES:
        raise _fail(f"--audience {audience!r}: give one of {', '.join(AUDIENCES)}")
    if date_from > date_to:
        raise _fail(f"--from {date_from:%Y-%m-%d} is after --to {date_to:%Y-%m-%d}: give the first day first")
    try:
        fmt = format_of(out)
    except ReportError as exc:
        raise _fail(str(exc)) from None
    if not out.parent.is_dir() or out.is_dir():  # before the seconds a pack takes
        raise _fail(f"--out {out}: {'is a folder' if out.is_dir() else 'its folder does not exist'}; give a file "
                    "name in an existing folder", 1)
    scope = Scope(policy=preset.id, date_from=_day(date_from), date_to=_day(date_to))
    try:
        pack = _reading(db, policy, lambda: build(partial(reader, db), preset, scope, _aware(as_of, preset.timezone),
                                                  cast(Audience, audience), fmt))
        # Logged before the file is written, as a dashboard download is: a pack not accounted for is not written.
        access_log.record(db, access_log.Entry(os_user(), "command line", "download", "Governance pack",
                                               f"{audience} pack, {scope.date_from} to {scope.date_to}, {out.name}"))
        export.write_private(out, pack)
    except ReportError as exc:
        raise _fail(str(exc), 1) from None
    except sqlite3.Error as exc:
        raise _fail(f"the access log beside {db} cannot be written ({exc}); the pack was not written", 1) from None
    except OSError as exc:
        raise _fail(f"{getattr(exc, 'filename', None) or out}: cannot be written ({exc.strerror or exc})", 1) from None
    typer.echo(f"wrote the {audience} pack for {scope.date_from} to {scope.date_to} to {out}")


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

    if out.suffix.lower() not in (".csv", ".jsonl", ".parquet"):  # before a year of events is generated
        raise _fail(f"{out}: unknown format {out.suffix or '(no extension)'!r}; give a name ending in .csv, "
                    ".jsonl or .parquet")
    try:
        frame = generate_log(_policy(policy), days=days, seed=seed, start=_day(start), daily_items=daily_items,
                             bad_fraction=bad_fraction)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_log(frame, out)
    except OSError as exc:
        raise _fail(f"{out} cannot be written ({exc.strerror or exc}); give another path", 1) from None
    typer.echo(f"wrote {len(frame)} events to {out}")


@app.command()
def upgrade(
    db: DbOption,
    wait: Annotated[float, typer.Option(
        "--wait", min=0, help="Seconds to wait while another process holds the warehouse.")] = 120,
) -> None:
    """Bring a warehouse written by an earlier release up to this release's schema, in place."""
    from core import warehouse

    if not db.exists():
        raise _fail(f"there is no warehouse at {db}")

    def upgrade_it() -> int:
        con = warehouse.connect(db)
        try:
            # Migrations would add our tables to any DuckDB file: only a warehouse is upgraded.
            found = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_migrations' "
                                "AND database_name = current_database()").fetchone()
            if not found or not found[0]:
                raise warehouse.WarehouseError(f"{db} is not a modaudit warehouse (a DuckDB file no load has "
                                               "written to); give the path of a warehouse")
            return warehouse.upgrade(con)
        finally:
            con.close()

    try:
        warehouse.check_path(db, write=True)
        was = warehouse.waiting_for_lock(db, upgrade_it, wait, _say)
    except warehouse.WarehouseBusy as exc:
        raise _fail(f"{exc}, or give a longer --wait", 1) from None
    except warehouse.WarehouseError as exc:
        raise _fail(str(exc), 1) from None
    now = warehouse.SCHEMA_VERSION
    if was > now:
        raise _fail(f"{db} is at schema {was}, written by a later release than this one (schema {now})")
    typer.echo(f"{db}: schema {was} -> {now}" if was < now else f"{db}: already at schema {now}")


@app.command()
def unload(
    run_id: Annotated[int, typer.Argument(help="The load run to undo (the run number `load` printed).")],
    db: DbOption,
    policy: PolicyOption,
    wait: Annotated[float, typer.Option(
        "--wait", min=0, help="Seconds to wait while another process holds the warehouse.")] = 120,
) -> None:
    """Undo one load run: its events and quarantine rows go, the items they touched are derived again."""
    from core import warehouse
    from etl.unload import UnloadError, unload_run

    preset = _policy(policy)
    try:
        warehouse.check_path(db, write=True)
        result = warehouse.waiting_for_lock(db, lambda: unload_run(db, preset, run_id), wait, _say)
    except warehouse.WarehouseBusy as exc:
        raise _fail(f"{exc}, or give a longer --wait", 1) from None
    except (warehouse.WarehouseError, UnloadError) as exc:
        raise _fail(str(exc), 1) from None
    typer.echo(result.line())


AccountOption = Annotated[str, typer.Option(
    "--account", help="The member of the public as PLATFORM:ACCOUNT_ID, the raw id they give (e.g. x:12345).")]
WaitOption = Annotated[float, typer.Option(
    "--wait", min=0, help="Seconds to wait while another process holds the warehouse.")]


def _rights_failure(exc: BaseException) -> typer.Exit:
    """The expected failures of the three rights commands, as their one line: a busy, missing or foreign
    warehouse, an unknown or malformed account, a missing or wrong key, a file that cannot be written."""
    from core import warehouse

    if isinstance(exc, warehouse.WarehouseBusy):
        return _fail(f"{exc}, or give a longer --wait", 1)
    if isinstance(exc, OSError):
        return _fail(f"{getattr(exc, 'filename', '')}: cannot be written ({exc.strerror or exc})", 1)
    return _fail(str(exc), 1)


@app.command("subject-access")
def subject_access(
    db: DbOption,
    policy: PolicyOption,
    account: AccountOption,
    out: Annotated[Path, typer.Option("--out", help="The report: FILE.json or FILE.xlsx (written mode 0600).")],
    wait: WaitOption = 120,
) -> None:
    """UK GDPR subject access: everything held on one member of the public, written to a file, and logged."""
    from core import warehouse
    from etl import erase
    from etl.pseudonym import PseudonymKeyError, load_key
    from queries.subject_access import gather, write_report

    preset = _policy(policy)
    if out.suffix.lower() not in (".json", ".xlsx"):
        raise _fail(f"--out {out}: give a name ending in .json or .xlsx")
    try:
        subject = erase.parse_account(account)
    except erase.RightsError as exc:
        raise _fail(str(exc)) from None

    def answer() -> int:
        found = erase.subject_of(db, account)
        con = erase.open_warehouse(db, load_key(db))
        try:
            report = gather(con, preset, found.pseudonym, found.platform, found.account_id)
            if report["rows"]:
                write_report(report, out)
            erase.log_use(con, "subject-access", preset, found.pseudonym, report["rows"],
                          {"out": out.name if report["rows"] else None,
                           **{part: len(report[part]) for part in ("messages", "events_on_messages",
                                                                   "account_events", "findings", "quarantine")}})
        finally:
            con.close()
        if not report["rows"] and "erased_at" in report["subject"]:
            raise erase.RightsError(f"account {found.raw} was erased at {report['subject']['erased_at']}: nothing "
                                    "is held on it")
        if not report["rows"]:
            raise erase.RightsError(f"no account {found.raw} in this warehouse for policy {preset.id}: nothing is "
                                    "held on it (check the platform and the id as the log gives it)")
        return int(report["rows"])

    try:
        warehouse.check_path(db, write=True)
        rows = warehouse.waiting_for_lock(db, answer, wait, _say)
    except (warehouse.WarehouseError, erase.RightsError, PseudonymKeyError, OSError) as exc:
        raise _rights_failure(exc) from None
    typer.echo(f"wrote {rows} rows held on {subject[0]}:{subject[1]} to {out}")


@app.command()
def erase(
    db: DbOption,
    policy: PolicyOption,
    account: AccountOption,
    yes: Annotated[bool, typer.Option("--yes", help="Erase without asking to confirm.")] = False,
    wait: WaitOption = 120,
) -> None:
    """UK GDPR erasure: remove one member of the public's messages, events and quarantined rows, keep them out
    of later loads, and log it."""
    from core import warehouse
    from etl import erase as rights
    from etl.pseudonym import PseudonymKeyError, load_key

    preset = _policy(policy)
    try:
        rights.parse_account(account)
    except rights.RightsError as exc:
        raise _fail(str(exc)) from None
    try:
        warehouse.check_path(db, write=True)
        subject = rights.subject_of(db, account)
        key = load_key(db)
        if not yes:
            plan = warehouse.waiting_for_lock(db, lambda: rights.preview_erase(db, preset, subject, key), wait, _say)
            if plan.rows and not typer.confirm(
                    f"erase {subject.raw} ({subject.pseudonym}): {plan.messages} messages, {plan.events} events and "
                    f"{plan.quarantined} quarantined rows?", default=False, err=True):
                raise _fail("nothing erased", 1)
        result = warehouse.waiting_for_lock(db, lambda: rights.erase_account(db, preset, subject, key), wait, _say)
    except (warehouse.WarehouseError, rights.RightsError, PseudonymKeyError) as exc:
        raise _rights_failure(exc) from None
    typer.echo(result.line())


@app.command()
def retention(
    db: DbOption,
    policy: PolicyOption,
    apply: Annotated[bool, typer.Option("--apply", help="Remove what is past the retention period.")] = False,
    wait: WaitOption = 120,
) -> None:
    """Show (with --apply, remove) events and quarantined rows past the policy's retention_months, and list
    safeguarding copies kept past G7's limit; logged either way."""
    from core import warehouse
    from etl.erase import RightsError
    from etl.erase import retention as run_retention

    preset = _policy(policy)
    try:
        warehouse.check_path(db, write=True)
        result = warehouse.waiting_for_lock(db, lambda: run_retention(db, preset, apply), wait, _say)
    except (warehouse.WarehouseError, RightsError) as exc:
        raise _rights_failure(exc) from None
    for line in result.lines(preset):
        typer.echo(line)


def _is_loopback(host: str) -> bool:
    """Whether `host` is this computer only: localhost, or an address in 127.0.0.0/8 or ::1."""
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@app.command()
def dashboard(
    db: DbOption,
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
    host: Annotated[str, typer.Option(
        help="Address to listen on. Without --auth only this computer's own (loopback) addresses.")] = "127.0.0.1",
    auth_file: Annotated[Path | None, typer.Option(
        "--auth", help="Sign-in settings and roles (TOML: [auth], [roles], optional [staff]); without it, "
                       "local mode: no sign-in, this computer only.")] = None,
) -> None:
    """Serve the dashboard over a warehouse: local mode, or with sign-in and roles (--auth FILE)."""
    from core.warehouse import WarehouseError, check_path

    if auth_file is None and not _is_loopback(host):
        raise _fail(f"--host {host} would let other computers open the dashboard without sign-in; give --auth FILE "
                    "(README, 'Sign-in and roles') or leave --host out", 2)
    if auth_file is not None:
        from dashboard.auth import AuthFileError, load_auth_file

        try:  # a bad file is one line here, not a failed sign-in in someone's browser
            load_auth_file(auth_file)
        except AuthFileError as exc:
            raise _fail(str(exc), 2) from None
    try:  # a missing file is fine: the dashboard explains how to load one
        check_path(db, write=False)
    except WarehouseError as exc:
        raise _fail(str(exc), 1) from None
    app_path = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
    # Loopback by default: 127.0.0.1 is IPv4 only, so http://[::1]:PORT is not served (browsers fall back from
    # "localhost" to 127.0.0.1). Streamlit reads the [auth] table from the auth file itself (secrets.files);
    # the app reads the roles from it (`--auth` after `--`). MODAUDIT_AUTH is dropped in local mode, so the
    # mode is the one this command line says.
    cmd = [sys.executable, "-m", "streamlit", "run", str(app_path), "--server.port", str(port),
           "--server.address", host, "--server.headless", "true"]
    app_args = ["--", "--db", str(db.resolve())]
    if auth_file is not None:
        cmd += ["--secrets.files", str(auth_file.resolve())]
        app_args += ["--auth", str(auth_file.resolve())]
    else:
        os.environ.pop("MODAUDIT_AUTH", None)
    cmd += app_args
    # Streamlit reads .streamlit/config.toml from its working directory: run it from the project root. It
    # replaces this process, so a kill or Ctrl-C reaches the server itself.
    os.chdir(app_path.parent.parent)
    os.execv(sys.executable, cmd)


register(app)


def main() -> None:
    """The installed `modaudit` command (pyproject's script): `app`, with a usage error as one line on stderr
    (the option or value at fault, and where help is) instead of Typer's boxed panel, so that a script's log
    holds one line per failure whatever went wrong. Typer carries its own copy of click, whose exceptions all
    derive from the public `typer.TyperException`; a usage error is one that names its command (`ctx`)."""
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as exc:
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and hasattr(exc, "show"):
            exc.show()  # bare `modaudit`: the help, as Typer gives it
        else:
            message = " ".join(exc.format_message().split())
            hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
            typer.echo(f"modaudit: {message}{hint}", err=True)
        code = exc.exit_code
    except typer.Abort:
        typer.echo("modaudit: interrupted", err=True)
        code = 1
    sys.exit(code if isinstance(code, int) else 0)

"""The `template` and `map-check` commands: start a team log in a loadable shape, and check a sheet
against its mapping before loading it. Heavy modules are imported inside the commands so that
`modaudit --help` stays fast."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def _fail(message: str) -> typer.Exit:
    typer.echo(f"modaudit: {message}", err=True)
    return typer.Exit(2)


def template(
    policy: Annotated[str, typer.Option("--policy", help="Policy preset id, e.g. cntw.")],
    out: Annotated[Path, typer.Option("--out", help="The workbook to write (.xlsx).")],
) -> None:
    """Write a moderation-log workbook for a policy: its columns, drop-downs and wording load cleanly."""
    from core.policy import PolicyError, get_policy
    from etl.mapping.schema import MappingError
    from etl.mapping.template import write_template

    if out.suffix.lower() != ".xlsx":
        raise _fail(f"{out}: the template is an Excel workbook; give a name ending in .xlsx")
    try:
        preset = get_policy(policy)
        write_template(preset, out)
    except (PolicyError, MappingError, OSError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"wrote {out}: a moderation log for {preset.name}. Check it with "
               f"`modaudit map-check {out.name} --mapping team-log --policy {preset.id}`, load it with "
               f"`modaudit load {out.name} --db DB --policy {preset.id} --mapping team-log`.")


def map_check(
    file: Annotated[Path, typer.Argument(help="A team sheet (.xlsx) or a tool's export (.csv).")],
    mapping: Annotated[str, typer.Option("--mapping", help="Mapping file, or a shipped one: team-log, "
                                         "hootsuite-inbox, sprout-inbox.")],
    policy: Annotated[str | None, typer.Option("--policy", help="Accept this preset's category labels "
                                               "(default: every preset's).")] = None,
    db: Annotated[Path | None, typer.Option("--db", help="Use the meanings the organisation (--policy) chose for "
                                            "its words on the Upload page, kept in this warehouse.")] = None,
) -> None:
    """Dry run: count rows and events, list missing columns and every unmapped value; load nothing.

    Exits 1 when something needs fixing, so it can guard a scripted load.
    """
    from core.policy import PolicyError, get_policy
    from core.warehouse import WarehouseError, check_path
    from etl.mapping.check import map_check as check
    from etl.mapping.choices import mapping_name, read_current
    from etl.mapping.schema import MappingError
    from etl.sources import SourceError

    if db is not None and policy is None:
        raise _fail("--db needs --policy: the words' meanings are the organisation's own")
    try:
        preset = get_policy(policy) if policy else None
        if db is not None and preset is not None:
            check_path(db, write=False)
            choices = read_current(db, preset.id, mapping_name(mapping))
        else:
            choices = {}
        report = check(file, mapping, preset, choices)
    except WarehouseError as exc:
        raise _fail(str(exc)) from None
    except (SourceError, MappingError, PolicyError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(str(report))
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("template")(template)
    app.command("map-check")(map_check)

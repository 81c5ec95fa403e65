"""The Upload page's reads and writes: the template, the preview, a word's meaning, the load and its undo.

This is the one module of the dashboard that writes through the loader (`etl`), in the server's own process:
Great Expectations' import, seconds in a fresh process, is paid once there (started as soon as a file is
previewed), so a day's upload costs its own work only. Each function asks `auth.require(..., UPLOAD)` (SPEC
§8: the comms team and administrators) before it reads or writes anything, and each write is logged in the
access log (`auth.record`). Writes hold the gate's exclusive side (`gate.writing`): no reader of this process
is open while the loader, in the same process, opens its own connection to the file.

An upload is written to a private temporary folder under its own name (the warehouse records the file's
name, so a corrected workbook uploaded again is known for the same file) and deleted when done: it names
authors and holds their messages, which the warehouse keeps only pseudonymised and redacted.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

import queries
from core.policy import Policy
from core.warehouse import WarehouseError
from dashboard import auth
from dashboard.gate import reading, writing
from etl import preview as previews
from etl import validate
from etl.load import LoadResult, load_sources
from etl.mapping import choices as chosen
from etl.mapping.check import Unmapped, cells_text
from etl.mapping.schema import MappingError, load_mapping, shipped_mappings
from etl.mapping.template import write_template
from etl.preview import Preview
from etl.pseudonym import PseudonymKeyError
from etl.sources import SourceError
from etl.unload import UnloadError, UnloadResult, unload_run

# What the page needs of the loader's side, named here so that this module stays the dashboard's one way in.
__all__ = ["NOTHING", "REFUSED", "SHIPPED", "UNREADABLE", "Preview", "Unmapped", "cells_text"]
NOTHING = chosen.NOTHING
SHIPPED = shipped_mappings()
UNREADABLE = (SourceError, MappingError)  # a file the loader would refuse whole, in one line
# A write refused in one line: a meaning the policy has not, a run later runs stand on, a busy or unusable
# warehouse, a pseudonym key that is not the warehouse's.
REFUSED = (chosen.ChoiceError, UnloadError, WarehouseError, PseudonymKeyError)
PAGE = "Upload"
LOAD_STEPS = 7  # the steps `etl.load.load_sources` announces, for the progress bar
_warm = threading.Lock()
_warmed = False


def warm_up() -> None:
    """Start importing the loader's validation library on a thread, once per server: by the time the officer
    has read the preview and clicks Load, it is there."""
    global _warmed
    with _warm:
        if not _warmed:
            validate.start_import()
            _warmed = True


@contextmanager
def _saved(name: str, content: bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="modaudit-upload-") as folder:
        path = Path(folder) / (Path(name).name or "upload")
        path.write_bytes(content)
        yield path


def template(access: auth.Access, db: str, policy: Policy) -> bytes:
    """The organisation's moderation-log workbook (`modaudit template`), its download logged."""
    auth.require(access, auth.UPLOAD)
    with tempfile.TemporaryDirectory(prefix="modaudit-template-") as folder:
        out = Path(folder) / "moderation-log.xlsx"
        write_template(policy, out)
        content = out.read_bytes()
    auth.record(access, db, "download", PAGE, f"moderation-log template for {policy.id}")
    return content


def detect(access: auth.Access, name: str, content: bytes) -> str | None:
    """The shipped mapping the file's headers are for; None for a canonical log (SourceError: neither)."""
    auth.require(access, auth.UPLOAD)
    with _saved(name, content) as path:
        return previews.detect_mapping(path)


def current_choices(access: auth.Access, db: str, policy: Policy, mapping: str) -> chosen.Choices:
    auth.require(access, auth.UPLOAD)
    if not Path(db).is_file():
        return {}
    with reading(db) as con:
        return chosen.current(con, policy.id, chosen.mapping_name(mapping))


def preview(access: auth.Access, db: str, policy: Policy, name: str, content: bytes,
            mapping: str | None) -> previews.Preview:
    """What the file would load, with the organisation's choices for its words; nothing is written."""
    auth.require(access, auth.UPLOAD)
    warm_up()
    choices = current_choices(access, db, policy, mapping) if mapping else {}
    with _saved(name, content) as path:
        return previews.preview(path, mapping, policy, choices)


def meanings(policy: Policy, mapping: str, section: str) -> dict[str, str]:
    """Code → words, what a word of `section` may be chosen to mean (no warehouse is read)."""
    return chosen.meanings(load_mapping(mapping), section, policy)


def choose(access: auth.Access, db: str, policy: Policy, mapping: str, section: str, said: str,
           means: str) -> int:
    """Keep what the organisation's word means, as a new version with who and when; returns the version."""
    auth.require(access, auth.UPLOAD)
    name = chosen.mapping_name(mapping)
    with writing(db) as con:
        con.execute("BEGIN")
        version = chosen.record(con, policy, load_mapping(mapping), name, section, said, means, access.recorded_as,
                                datetime.now(UTC))
        con.execute("COMMIT")
    auth.record(access, db, "choice", PAGE, f"{policy.id} {name} [{section}] {said!r} means {means!r} "
                                            f"(version {version})")
    return version


@dataclass(frozen=True)
class Upload:
    """A finished load of one upload: its counts, any file-level refusal, and what became of each row."""

    result: LoadResult
    errors: list[str]
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)  # upload_rows, for every row of the file

    def lines(self) -> list[str]:
        return [row_line(int(r.row_number), int(r.loaded), int(r.refused), bool(r.waiting_for_item), list(r.reasons))
                for r in self.rows.itertuples(index=False)]


def row_line(number: int, loaded: int, refused: int, held: bool, reasons: list[str]) -> str:
    """One row's outcome in words: "row 4: loaded 3 events", "row 9: refused — platform …"."""
    said = [f"loaded {_events(loaded)}"] if loaded else []
    if refused:
        what = "held until its message arrives" if held else "refused"
        said.append(f"{_events(refused) + ' ' if loaded else ''}{what} — {'; '.join(reasons)}")
    return f"row {number}: {'; '.join(said) or 'already loaded, nothing new'}"


def _events(n: int) -> str:
    return f"{n} event{'s' * (n != 1)}"


def load(access: auth.Access, db: str, policy: Policy, name: str, content: bytes, mapping: str | None,
         rows: list[int], progress: Callable[[str], None] | None = None) -> Upload:
    """Load the upload in this process, holding the warehouse for this one write, and read back what became
    of each of its `rows` (the preview's). Logged with the run it made."""
    auth.require(access, auth.UPLOAD)
    with _saved(name, content) as path, writing(db) as con:
        choices = chosen.current(con, policy.id, chosen.mapping_name(mapping)) if mapping else {}
        result, errors = load_sources(Path(db), policy, [previews.source(path, mapping, policy, choices)],
                                      progress=progress)
        found = (queries.run(con, "upload_rows", {"policy": policy.id, "run": result.run_id, "file": path.name})
                 if result.run_id is not None else None)
    auth.record(access, db, "upload", PAGE, f"{Path(name).name} via {mapping or 'canonical columns'}: run "
                f"{result.run_id}, {result.loaded} loaded, {result.quarantined} quarantined, "
                f"{result.duplicates} duplicates", rows=result.rows_in)
    return Upload(result, errors, _by_row(rows, found))


def _by_row(rows: list[int], found: pd.DataFrame | None) -> pd.DataFrame:
    """Every row of the file, with what the load did with it (none of it: already in the warehouse)."""
    every = pd.DataFrame({"row_number": sorted(set(rows))})
    if found is None:
        return every.assign(loaded=0, refused=0, waiting_for_item=False, reasons=[[] for _ in every.index])
    out = every.merge(found, on="row_number", how="outer")
    return out.assign(loaded=out["loaded"].fillna(0).astype(int), refused=out["refused"].fillna(0).astype(int),
                      waiting_for_item=out["waiting_for_item"].astype("boolean").fillna(False).astype(bool),
                      reasons=[list(r) if isinstance(r, (list, tuple)) or hasattr(r, "tolist") else []
                               for r in out["reasons"]])


def undo(access: auth.Access, db: str, policy: Policy, run_id: int) -> UnloadResult:
    """Take an upload's run back (`modaudit unload`), logged."""
    auth.require(access, auth.UPLOAD)
    with writing(db):
        result = unload_run(Path(db), policy, run_id)
    auth.record(access, db, "undo", PAGE, result.line())
    return result


def uploads(access: auth.Access, db: str, policy: Policy) -> pd.DataFrame | None:
    """The organisation's loads, newest first, for undoing one; None before the first load has made the
    warehouse and its tables."""
    auth.require_query(access, "uploads")
    if not Path(db).is_file():
        return None
    try:
        with reading(db) as con:
            return queries.run(con, "uploads", {"policy": policy.id})
    except duckdb.CatalogException:  # a file no load has written to yet
        return None


def choices_made(access: auth.Access, db: str, policy: Policy) -> pd.DataFrame:
    """Every version of every word's meaning the organisation chose (`mapping_choices`)."""
    auth.require_query(access, "mapping_choices")
    with reading(db) as con:
        return queries.run(con, "mapping_choices", {"policy": policy.id})

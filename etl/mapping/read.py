"""`read_mapped`: the loader's way in for a mapped file, a source it takes like any other.

The source's content hash covers the mapping and the organisation's choices for its words as well as the
file: the same sheet read through another mapping, or other choices, gives other events.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from core.policy import Policy
from etl.mapping import choices as chosen
from etl.mapping.expand import expand
from etl.mapping.schema import ROW_STRIDE, load_mapping, resolve_mapping
from etl.mapping.sheets import read_sheet
from etl.sources import FrameSource, SourceError


def _content_hash(*paths: Path, choices: chosen.Choices) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    if choices:
        digest.update(chosen.fingerprint(choices))
    return digest.hexdigest()


def read_mapped(path: Path, mapping_path: Path | str, policy: Policy,
                choices: chosen.Choices | None = None) -> FrameSource:
    """A team sheet or tool export as canonical events, ready for `etl.load.load_sources`; `choices` are the
    organisation's meanings for its words (`etl.mapping.choices`), laid over the mapping's own.

    Raises MappingError for a bad mapping and SourceError for a file that cannot be read or lacks a
    column the mapping needs (nothing of it loads); row-level problems travel as `_reasons`.
    """
    resolved = resolve_mapping(mapping_path)
    mapping = chosen.apply(load_mapping(resolved), choices or {})
    sheet = read_sheet(path, mapping)
    missing = [c for c, optional in mapping.columns().items() if not optional and sheet.column(c) is None]
    if missing:
        found = ", ".join(repr(h) for h in sheet.headers if h)
        raise SourceError(f"{path}: missing column(s) {', '.join(map(repr, missing))} that {resolved.name} "
                          f"reads (found: {found})")
    result = expand(sheet, mapping, policy)
    return FrameSource(name=str(path), content_hash=_content_hash(path, resolved, choices=choices or {}),
                       format=f"{path.suffix.lower().lstrip('.')} via {resolved.name}", frame=result.events,
                       row_stride=ROW_STRIDE, keep=tuple(k.column for k in mapping.keep),
                       identifying=mapping.identifying())

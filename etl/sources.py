"""What the loader accepts: canonical log files, or frames that a column mapping already produced.

Every source becomes rows of strings with its own row numbers; from there on a file and a mapped
spreadsheet take exactly the same validated, quarantined, transactional path.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


class SourceError(ValueError):
    """A whole source that cannot be read; the message names the file and why, in one line."""


@dataclass(frozen=True)
class FrameSource:
    """Canonical rows produced in memory (e.g. by a column mapping).

    `frame` holds canonical column names (any subset of core.vocab.CANONICAL_COLUMNS, values as strings or
    None), plus `_row` (the row number in the original file, shown in the quarantine) and optionally
    `_reasons` (None, or row-level failures found before the loader, one per line, e.g. an unmapped value).
    When one row of the source gives several events (a mapped sheet), `_row` is `row * row_stride + event`,
    so every event has its own number and the quarantine can still name the row and the event apart.
    """

    name: str
    content_hash: str
    format: str
    frame: pd.DataFrame
    row_stride: int = 1
    # Extra columns of the frame (beyond the canonical ones) that its mapping names: kept in `extra`, and those
    # of them the mapping marks identifying are pseudonymised like accounts (SPEC §7).
    keep: tuple[str, ...] = ()
    identifying: tuple[str, ...] = ()

"""One wide sheet row as the canonical events it records.

One sheet row gives several events, but the loader keys rows by (source, `_row`); so `_row` is
`sheet row * ROW_STRIDE + event number`: row 12's third event is 1203, which the quarantine shows as row
12, event 3. Sheet rows are numbered as a spreadsheet shows them (the header is row 1 unless `header_row`
says otherwise).

No event id is read from the sheet: one row names several events, and the loader's content hash is
stable across re-exports, so loading an overlapping export again skips what is already there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from core.policy import Policy
from core.vocab import CANONICAL_COLUMNS, LINK_COLUMNS
from etl.mapping.cells import as_text, as_time
from etl.mapping.schema import FIELD_MAPS, ROW_STRIDE, EventSpec, Mapping, norm
from etl.mapping.sheets import Sheet
from etl.mapping.suggest import offered_words, suggest
from etl.mapping.values import join_per_row, lookup, value_map

# Events that say nothing without this field: a row whose words map to no category (a tag such as
# "Thanks" mapped to "") gives no categorisation, rather than one the loader must reject.
NEEDS_FIELD: dict[str, str] = {"categorised": "category", "signposted": "signposted_to"}


@dataclass
class Expansion:
    events: pd.DataFrame  # canonical columns, `_row`, `_reasons`
    rows: int
    unmapped: pd.DataFrame  # row, label, section, column, value


@dataclass
class _Context:
    sheet: Sheet
    mapping: Mapping
    policy: Policy | None
    zone: str
    problems: list[pd.DataFrame] = field(default_factory=list)
    _texts: dict[str, pd.Series] = field(default_factory=dict)
    _times: dict[str, pd.Series] = field(default_factory=dict)

    def raw(self, column: str) -> pd.Series:
        col = self.sheet.column(column)
        return col if col is not None else pd.Series(None, index=self.sheet.cells.index, dtype=object)

    def text(self, column: str) -> pd.Series:
        if column not in self._texts:
            self._texts[column] = as_text(self.raw(column))
        return self._texts[column]

    def time(self, columns: list[str]) -> pd.Series:
        """The first filled of the columns, as a time."""
        out = pd.Series(None, index=self.sheet.cells.index, dtype=object)
        for column in reversed(columns):
            if column not in self._times:
                self._times[column] = as_time(self.raw(column), self.mapping.time, self.zone, self.sheet.epoch)
            t = self._times[column]
            out = t.where(t.notna(), out)
        return out

    def mapped(self, column: str, section: str, label: str, split: str | None = None) -> pd.Series:
        """Codes for a column's words; an unmapped word is kept as written and recorded as a problem."""
        text = self.text(column)
        found = lookup(text, value_map(self.mapping, section, self.policy), split)
        if len(found.unmapped):
            self.problems.append(pd.DataFrame({
                "row": found.unmapped.index, "label": label, "section": section, "column": column,
                "value": found.unmapped.to_numpy()}))
            bad = found.unmapped.index.unique()
            return found.codes.where(~found.codes.index.isin(bad), text)
        return found.codes


def _field_values(ctx: _Context) -> dict[str, pd.Series]:
    index = ctx.sheet.cells.index
    out: dict[str, pd.Series] = {}
    for name, src in ctx.mapping.fields.items():
        if src.value is not None:
            out[name] = pd.Series(src.value, index=index, dtype=object)
        elif src.column is not None and name in FIELD_MAPS:
            out[name] = ctx.mapped(src.column, FIELD_MAPS[name], name, src.split)
        elif src.column is not None:
            out[name] = ctx.text(src.column)
    if "linked_account_id" in out and "platform" in out:
        out["linked_platform"], out["linked_account_id"] = _other_account(ctx, out["linked_account_id"],
                                                                          out["platform"])
    return out


def _other_account(ctx: _Context, cell: pd.Series, platform: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A "same person as" cell as the other account's platform and id. `x:@handle` names its platform before
    the first colon (any word the platform map knows: `Facebook:jo.b` too); a bare `@handle` is on the row's
    own platform, and so is a cell whose head is no platform word (`https://…` is all id)."""
    table = value_map(ctx.mapping, "platform", ctx.policy)

    def split(value: object, own: object) -> tuple[object, object]:
        if not isinstance(value, str) or not value.strip():
            return None, None
        head, sep, tail = value.partition(":")
        code = table.get(norm(head)) if sep and tail.strip() else None
        return (code, tail.strip()) if code else (own, value.strip())

    pairs = [split(v, p) for v, p in zip(cell, platform, strict=True)]
    return (pd.Series([p for p, _ in pairs], index=cell.index, dtype=object),
            pd.Series([a for _, a in pairs], index=cell.index, dtype=object))


def _event_mask(ctx: _Context, spec: EventSpec) -> pd.Series:
    mask = pd.Series(True, index=ctx.sheet.cells.index)
    for cond in spec.when:
        if cond.yes is not None:
            answer = ctx.mapped(cond.yes, "yes_no", cond.yes)
            # An unmapped answer may be a yes: keep the event, so its row's quarantine shows it.
            mask &= answer.notna() & answer.ne("false")
        else:
            filled = ctx.text(cond.column).notna()
            mask &= filled if cond.filled is not None else ~filled
    return mask


def expand(sheet: Sheet, mapping: Mapping, policy: Policy | None) -> Expansion:
    """One sheet row → its events, column-wise: each [[events]] entry is one masked frame, stacked."""
    # A dry run without a policy only counts, so the zone it writes times in does not matter.
    zone = mapping.time.zone or (policy.timezone if policy is not None else "UTC")
    ctx = _Context(sheet, mapping, policy, zone)
    values = _field_values(ctx)
    frames = []
    for number, spec in enumerate(mapping.events, start=1):
        if spec.type is not None:
            etype = pd.Series(spec.type, index=sheet.cells.index, dtype=object)
        else:
            etype = ctx.mapped(spec.type_column or "", "event_type", "event_type")
        mask = etype.notna() & _event_mask(ctx, spec)
        needed = NEEDS_FIELD.get(spec.type or "")
        if needed is not None and needed in values:
            mask &= values[needed].notna()
        frame = pd.DataFrame({
            "event_time": ctx.time(spec.time or [mapping.time.column]),
            "event_type": etype,
            **{f: values[f] for f in ("platform", "item_id", *spec.carried) if f in values},
            **{k.column: ctx.text(k.column) for k in mapping.keep},
        })[mask]
        frame["_row"] = frame.index.to_numpy(dtype="int64") * ROW_STRIDE + number
        frames.append(frame)
    events = pd.concat(frames)
    problems = (pd.concat(ctx.problems, ignore_index=True) if ctx.problems
                else pd.DataFrame(columns=["row", "label", "section", "column", "value"]))
    reasons = _row_reasons(sheet, problems, _unknown_word_reasons(problems, mapping, policy))
    events["_reasons"] = reasons.reindex(events.index).to_numpy()
    events = events.sort_values("_row").reset_index(drop=True)
    # The link columns only where the mapping reads a "same person as" column (the raw hash passes over them
    # when empty, etl.stage.raw_exprs, so a sheet's other rows hash alike with or without them).
    canonical = [*CANONICAL_COLUMNS, *(LINK_COLUMNS if "linked_account_id" in mapping.fields else ())]
    for column in canonical:
        events[column] = (events[column] if column in events else pd.Series(None, index=events.index)
                          ).astype("string")
    kept = [k.column for k in mapping.keep]  # the extra columns the loader keeps (etl.sources.FrameSource.keep)
    for column in kept:
        events[column] = events[column].astype("string")
    events = events[[*canonical, *kept, "_row", "_reasons"]].astype({"_row": "int64", "_reasons": "string"})
    return Expansion(events, len(sheet.cells), problems)


def _unknown_word_reasons(problems: pd.DataFrame, mapping: Mapping, policy: Policy | None) -> pd.Series:
    """Each unmapped word's reason, in words a comms officer can act on: the word they meant, in the policy's
    own wording where one is close enough, and where to say what it means (the Upload page) without editing a
    file of the installation. Worked out once per word: a sheet repeats its typos."""
    words = {section: offered_words(mapping, section, policy) for section in problems["section"].unique()}
    said: dict[tuple[str, str, str], str] = {}
    for label, section, value in problems[["label", "section", "value"]].drop_duplicates().itertuples(index=False):
        guess = suggest(str(value), words[section])
        fix = f"did you mean '{guess}'? Correct the cell, or" if guess else "correct the cell, or"
        said[(label, section, value)] = (f"{label} '{value}' is not a word the mapping knows: {fix} choose what it "
                                         "means on the Upload page")
    keys = zip(problems["label"], problems["section"], problems["value"], strict=True)
    return pd.Series([said[key] for key in keys], index=problems.index, dtype=object)


def _row_reasons(sheet: Sheet, problems: pd.DataFrame, lines: pd.Series) -> pd.Series:
    per_row = pd.concat([pd.Series(lines.to_numpy(), index=problems["row"].to_numpy(), dtype=object),
                         sheet.notes.dropna()])
    return join_per_row(per_row, "\n").reindex(sheet.cells.index)

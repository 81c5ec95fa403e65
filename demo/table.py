"""From the simulation's integer arrays to the canonical columns as Arrow text.

Each column is built whole, by indexing a small vocabulary or by laying out fixed-width bytes, never
formatted row by row: on a large log, per-row formatting would cost more than the simulation itself.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from core.policy import Policy
from core.vocab import ACCOUNT_EVENTS, CHANNELS, EVENT_TYPES, PLATFORMS, PROTECTED_CHARACTERISTICS, SIGNPOSTS
from demo.calendar import DAY, HOUR, MINUTE, Bools, Ints
from demo.corpora import text_pools
from demo.simulate import ETYPE, Items


def _iso_utc(seconds: Ints) -> pa.Array:
    """`YYYY-MM-DDTHH:MM:SS+00:00` built as fixed-width bytes: Arrow's strftime is slow on a large log."""
    n = len(seconds)
    days, second_of_day = np.divmod(seconds, DAY)
    first = int(days.min()) if n else 0
    calendar = np.arange(first, (int(days.max()) if n else 0) + 1).astype("datetime64[D]")
    day_text = np.frombuffer("".join(np.datetime_as_string(calendar)).encode(), np.uint8).reshape(-1, 10)
    out = np.empty((n, 25), dtype=np.uint8)
    out[:, :10] = day_text[days - first]
    out[:, 19:] = np.frombuffer(b"+00:00", np.uint8)
    out[:, 10] = ord("T")
    out[:, 13] = out[:, 16] = ord(":")
    for col, value in ((11, second_of_day // HOUR), (14, second_of_day // MINUTE % 60), (17, second_of_day % 60)):
        out[:, col] = ord("0") + value // 10
        out[:, col + 1] = ord("0") + value % 10
    offsets = np.arange(0, 25 * (n + 1), 25, dtype=np.int64)
    return pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(out)])


def _take(vocab: list[str] | tuple[str, ...] | pa.Array, idx: Ints, valid: Bools | None = None) -> pa.Array:
    """vocab[idx] as Arrow text, null where `valid` is false (default: where idx < 0)."""
    ok = idx >= 0 if valid is None else valid
    values = vocab if isinstance(vocab, pa.Array) else pa.array(list(vocab), type=pa.large_string())
    return values.take(pa.array(np.where(ok, idx, 0), mask=~ok))


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.large_string())


def _item_ids(items: Items, seed: int) -> pa.Array:
    """`<platform>-<seed>-<arrival day>-<n>`: unique within a log and across logs of other seeds or days."""
    prefix = {"facebook": "fb", "x": "x", "instagram": "ig", "linkedin": "li", "youtube": "yt", "tiktok": "tt",
              "threads": "th", "other": "ot"}
    day = items.time // DAY
    first = np.r_[True, day[1:] != day[:-1]]
    seq = np.arange(len(day)) - np.maximum.accumulate(np.where(first, np.arange(len(day)), 0))
    calendar = np.arange(int(day.min()), int(day.max()) + 1).astype("datetime64[D]")
    day_text = [d.replace("-", "") for d in np.datetime_as_string(calendar)]
    return pc.binary_join_element_wise(
        _take([prefix[p] for p in PLATFORMS], items.platform), _text(str(seed)),
        _take(day_text, day - int(day.min())),
        pc.utf8_lpad(pc.cast(pa.array(seq), pa.large_string()), 5, "0"), _text("-"))


def text_columns(policy: Policy, codes: list[str], items: Items, ev: dict[str, Ints], staff: list[str],
                 seed: int, rationales: list[str]) -> dict[str, pa.Array]:
    """The canonical columns as Arrow text, from the integer event arrays (already in time order)."""
    item, etype = ev["item"], ev["etype"]
    is_message = etype == ETYPE["message_received"]
    with_account = is_message | np.isin(etype, [ETYPE[e] for e in ACCOUNT_EVENTS])
    plain = len(codes)
    combos = [codes[p] if s < 0 else f"{codes[p]}|{codes[s]}" for p in range(plain) for s in range(-1, plain)]
    item_ids = _item_ids(items, seed) if len(items.time) else pa.array([], pa.large_string())
    accounts = pc.utf8_lpad(pc.cast(pa.array(np.arange(int(items.account.max(initial=0)) + 1)), pa.large_string()),
                            6, "0")
    texts = [t for pool in text_pools(policy, codes) for t in pool]
    return {
        "event_id": pc.binary_join_element_wise(
            item_ids.take(pa.array(item)), _take([f"{i:02d}" for i in range(len(EVENT_TYPES))], etype), _text(".")),
        "event_time": _iso_utc(ev["time"]),
        "event_type": _take(EVENT_TYPES, etype),
        "platform": _take(PLATFORMS, items.platform[item]),
        "item_id": _take(item_ids, item, ev["named"] == 1),
        "account_id": pc.binary_join_element_wise(_text("acct"), _take(accounts, items.account[item], with_account),
                                                  _text("")),
        "channel": _take(CHANNELS, items.channel[item], is_message),
        "needs_response": _take(("false", "true"), items.needs[item].astype(np.int64), is_message),
        "category": _take(combos, ev["combo"]),
        "protected_characteristic": _take(PROTECTED_CHARACTERISTICS, ev["protected"]),
        "actor": _take(staff, ev["actor"]),
        "signposted_to": _take(SIGNPOSTS, ev["signpost"]),
        "rationale": _take(rationales, ev["rationale"]),
        "text": _take(texts, items.text[item], is_message),
    }

"""The logs the benchmarks load: the demo trust's own, and shapes that load the rules looking across events.

A shape is data: a name, the generator's dials (demo.simulate.Shape) and the days the log spans. Every shape
is generated at about the size asked for: its events per item are measured on a short sample first, since
a shape with more violations has more events per message. Run as a script, it writes one shape's log (the
bench's setup step, in its own process so its memory is not the bench's):

    .venv/bin/python bench/shapes.py --policy ctmuhb --shape repeat_offenders --events 1000000 --out log.csv
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from core.policy import get_policy
from demo.generate import DEMO_END, generate_log
from demo.simulate import Shape
from demo.write import write_log

SEED = 1
SAMPLE_DAYS = 28
SAMPLE_DAILY_ITEMS = 1_000


@dataclass(frozen=True)
class LogShape:
    """One kind of log: what it stresses (for the report), the generator's dials, and its span in days."""

    name: str
    stresses: str
    dials: Shape = Shape()
    days: int = 365


SHAPES: tuple[LogShape, ...] = (
    LogShape("typical", "the demo trust's year"),
    LogShape("repeat_offenders", "a tenth of the accounts, each posting ten times as much, three times the "
             "violations: G2's windows and the account history", Shape(accounts=0.1, violations=3.0)),
    LogShape("warnings_blocks", "four times the violations, nearly every removal warned first: G2 and G4",
             Shape(violations=4.0, warnings=1.8)),
    LogShape("safeguarding_copies", "four times the safeguarding shares and offline copies over two years, "
             "so their retention ends inside the log: G7", Shape(copies=4.0), days=730),
)
SHAPE_NAMES: tuple[str, ...] = tuple(s.name for s in SHAPES)


def shape_named(name: str) -> LogShape:
    return next(s for s in SHAPES if s.name == name)


def daily_items(policy_id: str, shape: LogShape, events: int) -> int:
    """Items a day for about `events` events over the shape's span, from a short sample's events per item."""
    sample = generate_log(get_policy(policy_id), SAMPLE_DAYS, SEED, DEMO_END - timedelta(days=SAMPLE_DAYS),
                          daily_items=SAMPLE_DAILY_ITEMS, shape=shape.dials)
    per_item = len(sample) / int((sample["event_type"] == "message_received").sum())
    return max(1, round(events / (per_item * shape.days)))


def write_shape(policy_id: str, shape: LogShape, events: int, out: Path) -> int:
    """Write the shape's log of about `events` events, ending on DEMO_END; the events written."""
    frame = generate_log(get_policy(policy_id), shape.days, SEED, DEMO_END - timedelta(days=shape.days),
                         daily_items=daily_items(policy_id, shape, events), shape=shape.dials)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_log(frame, out)
    return len(frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", required=True)
    parser.add_argument("--shape", required=True, choices=SHAPE_NAMES)
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    print(f"wrote {write_shape(args.policy, shape_named(args.shape), args.events, args.out)} events to {args.out}")


if __name__ == "__main__":
    main()

"""How long an open ticket has left before it misses its target, on the working calendar."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from dzict.desk.calendar import DeskPolicy
from dzict.desk.tat import measure
from dzict.ticketlog import Event

#: "Breaching soon": less than this share of the target left (or already over it).
SOON = 0.25


@dataclass(frozen=True)
class Due:
    """The clock an open ticket runs on (TTO until owned, then TTR) and the hours left."""

    clock: str
    target: float
    left: float

    @property
    def soon(self) -> bool:
        """Breaching soon: under a quarter of the target left, or over it already."""
        return self.left < SOON * self.target

    @property
    def text(self) -> str:
        """What the queue shows."""
        if self.left < 0:
            return f"{self.clock} over by {-self.left:.1f} h"
        return f"{self.clock} {self.left:.1f} h left"


def dues(events: Iterable[Event], policy: DeskPolicy, now: datetime) -> dict[str, Due]:
    """Every open ticket's due, by ticket id."""
    found = {}
    for m in measure(events, policy, now):
        if m.running is None:
            continue
        owned = m.owned is not None
        target = m.target.ttr if owned else m.target.tto
        found[m.id] = Due("TTR" if owned else "TTO", target, target - m.running)
    return found

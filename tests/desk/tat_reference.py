"""The reference tickets of the turn-around tests: 32 tickets whose working minutes were
counted by hand on the lab inventory's calendar (``dzict.inventory.generate.SERVICE_DESK``).

Summer (16 Feb - 15 Nov): Mon-Fri 09:00-13:00 and 14:00-17:00 (7 h a day); winter (16 Nov -
15 Feb): 09:00-13:00 and 14:00-16:00 (6 h); holidays 2 Jan (Fri), 21-23 Feb (Sat-Mon), 2 May,
1 Nov, 11 Nov (Wed), 17 Dec (Thu) 2026; Bhutan time. Each ticket says how it was counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from dzict.ticketlog import TicketLog

BTT = timezone(timedelta(hours=6))


def bt(stamp: str) -> datetime:
    """A Bhutan time like '2026-03-02 09:00'."""
    return datetime.fromisoformat(stamp).replace(tzinfo=BTT)


@dataclass
class Ref:
    """A reference ticket: its events (Bhutan time) and the minutes counted by hand."""

    label: str
    received: str
    tto: float | None
    ttr: float | None
    taken: str | None = None
    closed: str | None = None
    opened: str | None = None
    pauses: list[tuple[str, str | None]] = field(default_factory=list)
    reassigned: str | None = None
    category: str = "other"
    channel: str = "online-form"
    office: str = "hq"


REFS = [
    Ref(
        "same morning",
        "2026-03-02 09:00",
        30,
        120,
        "2026-03-02 09:30",
        "2026-03-02 11:00",
        category="wan",
    ),
    # 12:30-13:00 = 30, lunch, 14:00-14:15 = 15 / 14:00-15:00 = 60
    Ref("across lunch", "2026-03-02 12:30", 45, 90, "2026-03-02 14:15", "2026-03-02 15:00"),
    # before opening: the clock starts at 09:00
    Ref("before hours", "2026-03-03 07:45", 10, 60, "2026-03-03 09:10", "2026-03-03 10:00"),
    # evening: nothing until 09:00 the next day
    Ref("evening", "2026-03-03 18:30", 20, 120, "2026-03-04 09:20", "2026-03-04 11:00"),
    # Fri 16:00-17:00 = 60, weekend 0, Mon 30 / Mon 60
    Ref(
        "over a weekend",
        "2026-03-06 16:00",
        90,
        120,
        "2026-03-09 09:30",
        "2026-03-09 10:00",
        category="wan",
    ),
    # received on Saturday: Mon 09:00-09:05 / 09:00-13:00 240 + 14:00-14:30 30
    Ref("on a Saturday", "2026-03-07 10:00", 5, 270, "2026-03-09 09:05", "2026-03-09 14:30"),
    # Tue 15:00-17:00 120 + Wed 420 + Thu 09:00-10:00 60
    Ref("three days", "2026-03-10 15:00", 10, 600, "2026-03-10 15:10", "2026-03-12 10:00"),
    # Mon 09:00 - Tue 12:00 = 420 + 180 = 600, paused Mon 10:00 - Tue 11:00 = 360 + 120 = 480
    Ref(
        "paused overnight",
        "2026-03-16 09:00",
        15,
        120,
        "2026-03-16 09:15",
        "2026-03-17 12:00",
        pauses=[("2026-03-16 10:00", "2026-03-17 11:00")],
        category="wifi",
    ),
    # closed while paused: 10:00 - Thu 10:00 = 360 + 60 = 420, paused 11:00 - close = 300 + 60
    Ref(
        "closed while paused",
        "2026-03-18 10:00",
        30,
        60,
        "2026-03-18 10:30",
        "2026-03-19 10:00",
        pauses=[("2026-03-18 11:00", None)],
        category="wifi",
    ),
    # 09:00-12:00 = 180, less pauses of 60 and 30
    Ref(
        "two pauses",
        "2026-03-23 09:00",
        5,
        90,
        "2026-03-23 09:05",
        "2026-03-23 12:00",
        pauses=[("2026-03-23 09:30", "2026-03-23 10:30"), ("2026-03-23 11:00", "2026-03-23 11:30")],
    ),
    # a phone call at 09:40 entered at 10:30: the clock runs from 09:40
    Ref(
        "phone, entered later",
        "2026-03-24 09:40",
        65,
        125,
        "2026-03-24 10:45",
        "2026-03-24 11:45",
        opened="2026-03-24 10:30",
        channel="phone",
    ),
    # closed without being taken: owned when closed
    Ref("never taken", "2026-03-25 14:00", 90, 90, None, "2026-03-25 15:30", channel="walk-in"),
    Ref("taken, still open", "2026-03-26 09:00", 120, None, "2026-03-26 11:00", office="kabisa"),
    Ref("still waiting", "2026-03-26 10:00", None, None, office="kabisa"),
    # Fri 16:30-17:00 = 30, Sat, Sun, Mon 23 Feb (holiday) 0, Tue 10 / Tue 60
    Ref(
        "holiday Monday",
        "2026-02-20 16:30",
        40,
        90,
        "2026-02-24 09:10",
        "2026-02-24 10:00",
        category="account",
    ),
    # winter: 09:00-13:00 240 + 14:00-15:30 90
    Ref("winter day", "2026-02-02 09:00", 30, 330, "2026-02-02 09:30", "2026-02-02 15:30"),
    # winter closes at 16:00: Tue 15:30-16:00 30 / + Wed all 360 (closed 16:30)
    Ref("winter evening", "2026-02-03 15:30", 30, 390, "2026-02-04 09:00", "2026-02-04 16:30"),
    # Fri 13 Feb winter 15:00-16:00 60, Mon 16 Feb summer 30 / 60 + 240 + 150
    Ref("winter into summer", "2026-02-13 15:00", 90, 450, "2026-02-16 09:30", "2026-02-16 16:30"),
    # Wed 31 Dec 15:00-16:00 60, Thu 1 Jan 30 / 60 + Thu 360 + Fri 2 Jan holiday + Mon 60
    Ref(
        "new year",
        "2025-12-31 15:00",
        90,
        480,
        "2026-01-01 09:30",
        "2026-01-05 10:00",
        category="lan",
    ),
    # outage of every office 10:00-12:00: 270 less 120
    Ref(
        "outage",
        "2026-03-31 09:00",
        20,
        150,
        "2026-03-31 09:20",
        "2026-03-31 14:30",
        category="wan",
    ),
    # an outage at Guma 10:00-11:00 does not stop Talo's clock
    Ref(
        "other office's outage",
        "2026-04-01 09:00",
        10,
        180,
        "2026-04-01 09:10",
        "2026-04-01 12:00",
        office="talo",
    ),
    Ref(
        "own office's outage",
        "2026-04-01 09:30",
        15,
        60,
        "2026-04-01 09:45",
        "2026-04-01 11:30",
        office="guma",
    ),
    # pause 10:00-11:00 and Guma outage 10:30-11:30 overlap: 90 minutes off, not 120
    Ref(
        "pause and outage",
        "2026-04-02 09:00",
        5,
        90,
        "2026-04-02 09:05",
        "2026-04-02 12:00",
        pauses=[("2026-04-02 10:00", "2026-04-02 11:00")],
        office="guma",
    ),
    # outage of every office 09:00-09:30 before the ticket is taken at 10:00
    Ref(
        "outage before taken",
        "2026-04-03 09:00",
        30,
        90,
        "2026-04-03 10:00",
        "2026-04-03 11:00",
        office="talo",
    ),
    # a scheduled patch run on Saturday night: the unit's own, no working time
    Ref(
        "scheduled run",
        "2026-04-04 22:00",
        0,
        0,
        None,
        "2026-04-04 23:30",
        category="os-patch",
        channel="scheduled",
        office="",
    ),
    # received at closing time: nothing until Tuesday 09:00
    Ref("at closing time", "2026-04-06 17:00", 0, 45, "2026-04-07 09:00", "2026-04-07 09:45"),
    # Tue 16:00-17:00 60, Wed 11 Nov holiday, Thu 60
    Ref("holiday Wednesday", "2026-11-10 16:00", 30, 120, "2026-11-10 16:30", "2026-11-12 10:00"),
    # Fri 13 Nov summer 16:00-17:00 60, Mon 16 Nov winter 30 / 60 + 240 + 90
    Ref("summer into winter", "2026-11-13 16:00", 90, 390, "2026-11-16 09:30", "2026-11-16 15:30"),
    # closed in the lunch hour: 12:00-13:00 only
    Ref("closed at lunch", "2026-11-17 12:00", 30, 60, "2026-11-17 12:30", "2026-11-17 13:45"),
    # Wed 15:00-16:00 60, Thu 17 Dec National Day, Fri 30
    Ref("National Day", "2026-12-16 15:00", 30, 90, "2026-12-16 15:30", "2026-12-18 09:30"),
    # Fri 14:00-16:00 120 + Mon 120 = 240, paused Fri 15:00 - Mon 10:00 = 60 + 60
    Ref(
        "paused over a weekend",
        "2026-12-18 14:00",
        10,
        120,
        "2026-12-18 14:10",
        "2026-12-21 11:00",
        pauses=[("2026-12-18 15:00", "2026-12-21 10:00")],
    ),
    # given to another officer later: owned at the first assignment
    Ref(
        "reassigned",
        "2026-12-21 09:00",
        40,
        120,
        "2026-12-21 09:40",
        "2026-12-21 11:00",
        reassigned="2026-12-21 10:30",
        category="wan",
    ),
]
OUTAGES = [
    # (start, end, recorded, offices)
    ("2026-03-31 10:00", "2026-03-31 12:00", "2026-03-31 12:05", ()),
    ("2026-04-01 10:00", "2026-04-01 11:00", "2026-04-01 11:05", ("guma",)),
    ("2026-04-02 10:30", "2026-04-02 11:30", "2026-04-02 11:35", ("guma",)),
    ("2026-04-03 09:00", "2026-04-03 09:30", "2026-04-03 09:31", ()),
]


def _actions(
    log: TicketLog, ids: dict[str, str]
) -> list[tuple[datetime, int, Callable[[], object]]]:
    """Every append of the reference tickets and outages, to be made in time order."""
    actions: list[tuple[datetime, int, Callable[[], object]]] = []

    def at(stamp: str, step: Callable[[], object]) -> None:
        actions.append((bt(stamp), len(actions), step))

    for ref in REFS:

        def opened(ref: Ref = ref) -> None:
            ids[ref.label] = log.open(
                "Lab Dzongkhag Administration",
                ref.category,
                ref.channel,
                "normal",
                ref.label,
                "pema",
                office=ref.office or None,
                received=bt(ref.received) if ref.opened else None,
            )

        at(ref.opened or ref.received, opened)
        if ref.taken:
            at(ref.taken, lambda ref=ref: log.assign(ids[ref.label], "pema", "pema"))
        if ref.reassigned:
            at(ref.reassigned, lambda ref=ref: log.assign(ids[ref.label], "karma", "pema"))
        for start, end in ref.pauses:
            at(start, lambda ref=ref: log.pause(ids[ref.label], "waiting for the agency", "pema"))
            if end:
                at(end, lambda ref=ref: log.resume(ids[ref.label], "pema"))
        if ref.closed:
            at(ref.closed, lambda ref=ref: log.close(ids[ref.label], "done", "pema"))
    for start, end, recorded, offices in OUTAGES:
        at(
            recorded,
            lambda s=start, e=end, o=offices: log.outage(bt(s), bt(e), "power cut", "pema", o),
        )
    return sorted(actions, key=lambda a: (a[0], a[1]))


def build_reference_log(path: Path) -> tuple[TicketLog, dict[str, str]]:
    """Write the reference tickets into the log at `path`, in time order; label -> ticket id."""
    now = [bt("2025-12-01 00:00")]
    log = TicketLog(path, code="LAB", clock=lambda: now[0])
    ids: dict[str, str] = {}
    for when, _, step in _actions(log, ids):
        now[0] = when
        step()
    return log, ids

"""Turn-around time a manager can trust: working time on the unit's calendar, clock paused.

For every ticket, from the events of the log:

* **TTO**, time to own: received (else opened) until first taken or assigned (else closed);
* **TTR**, time to resolve: received (else opened) until closed;

both counted in working hours of the calendar (seasons' office hours, no weekends or public
holidays), less the time the ticket was paused waiting for the agency and the outages logged for
its office. Agencies' requests (online form, phone, fax, e-mail, walk-in) and the unit's own
tickets (scheduled and monitoring runs) are reported apart, by agency, office, category, channel
and month, with median, p90 and the share within the category's target.
"""

from __future__ import annotations

import csv
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from rich.table import Table

from dzict.desk.calendar import DeskPolicy, Target, WorkingCalendar
from dzict.ticketlog import CHANNELS, Event
from dzict.ticketlog.report import p90

GROUPS = ("agency", "office", "category", "channel", "month")
KINDS = {"requests": "agencies' requests", "unit": "the unit's own tickets"}
HOUR = 3600.0
Span = tuple[datetime, datetime]


@dataclass
class _Ticket:
    id: str
    agency: str
    office: str
    category: str
    channel: str
    received: datetime
    taken: datetime | None = None
    closed: datetime | None = None
    paused_at: datetime | None = None
    pauses: list[Span] = field(default_factory=list)


@dataclass(frozen=True)
class Measured:
    """One ticket's turn-around, in working hours (None while not reached)."""

    id: str
    kind: str
    agency: str
    office: str
    category: str
    channel: str
    month: str
    received: datetime
    owned: datetime | None
    closed: datetime | None
    tto: float | None
    ttr: float | None
    target: Target
    running: float | None = None

    @property
    def tto_met(self) -> bool | None:
        """Owned within the category's target (None while not owned)."""
        return None if self.tto is None else self.tto <= self.target.tto

    @property
    def ttr_met(self) -> bool | None:
        """Resolved within the category's target (None while open)."""
        return None if self.ttr is None else self.ttr <= self.target.ttr


def _stamp(value: object) -> datetime:
    return datetime.fromisoformat(str(value))


def _fold(events: Iterable[Event]) -> tuple[dict[str, _Ticket], list[tuple[Span, set[str]]]]:
    """Tickets with their times and pauses, and the outages with the offices they hit."""
    tickets: dict[str, _Ticket] = {}
    outages: list[tuple[Span, set[str]]] = []
    for event in events:
        kind, tid, when = event["event"], event.get("ticket"), _stamp(event["ts"])
        if kind == "outage":
            span = (_stamp(event["start"]), _stamp(event["end"]))
            outages.append((span, set(event.get("offices") or [])))
        elif kind == "opened":
            received = _stamp(event["received"]) if event.get("received") else when
            tickets[str(tid)] = _Ticket(
                str(tid),
                str(event["agency"]),
                str(event.get("office", "")),
                str(event["category"]),
                str(event["channel"]),
                received,
            )
        elif tid in tickets:
            _apply(tickets[str(tid)], kind, when)
    return tickets, outages


def _apply(ticket: _Ticket, kind: str, when: datetime) -> None:
    if kind == "assigned" and ticket.taken is None:
        ticket.taken = when
    elif kind == "paused" and ticket.paused_at is None:
        ticket.paused_at = when
    elif kind in ("resumed", "closed") and ticket.paused_at is not None:
        ticket.pauses.append((ticket.paused_at, when))
        ticket.paused_at = None
    if kind == "closed":
        ticket.closed = when


def merged(spans: Iterable[Span], start: datetime, end: datetime) -> list[Span]:
    """Spans cut to [start, end], overlapping ones joined, in order."""
    cut = sorted((max(a, start), min(b, end)) for a, b in spans if b > start and a < end)
    joined: list[Span] = []
    for a, b in cut:
        if joined and a <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], b))
        else:
            joined.append((a, b))
    return joined


def clock(calendar: WorkingCalendar, start: datetime, end: datetime, paused: list[Span]) -> float:
    """Working hours from `start` to `end`, less the working hours of the paused spans."""
    total = calendar.working_seconds(start, end)
    total -= sum(calendar.working_seconds(a, b) for a, b in merged(paused, start, end))
    return total / HOUR


def measure(
    events: Iterable[Event], policy: DeskPolicy, now: datetime | None = None
) -> list[Measured]:
    """Every ticket's TTO and TTR on the policy's calendar, in the order opened; with `now`,
    also the working hours an open ticket's clock has run so far."""
    tickets, outages = _fold(events)
    zone = policy.calendar.zone
    measured = []
    for t in tickets.values():
        paused = t.pauses + [s for s, offices in outages if not offices or t.office in offices]
        owned = t.taken or t.closed
        running = None
        if now is not None and t.closed is None:
            so_far = paused + ([(t.paused_at, now)] if t.paused_at else [])
            running = clock(policy.calendar, t.received, now, so_far)
        measured.append(
            Measured(
                id=t.id,
                kind="requests" if t.channel in CHANNELS else "unit",
                agency=t.agency,
                office=t.office or "-",
                category=t.category,
                channel=t.channel,
                month=t.received.astimezone(zone).strftime("%Y-%m"),
                received=t.received,
                owned=owned,
                closed=t.closed,
                tto=None if owned is None else clock(policy.calendar, t.received, owned, paused),
                ttr=None
                if t.closed is None
                else clock(policy.calendar, t.received, t.closed, paused),
                target=policy.target(t.category),
                running=running,
            )
        )
    return measured


@dataclass(frozen=True)
class TatLine:
    """TTO and TTR of the tickets sharing one agency, office, category, channel or month."""

    key: str
    tickets: int
    tto_median: float | None
    tto_p90: float | None
    tto_within: float | None
    ttr_median: float | None
    ttr_p90: float | None
    ttr_within: float | None


def _stats(values: list[float], met: list[bool]) -> tuple[float | None, float | None, float | None]:
    if not values:
        return None, None, None
    return statistics.median(values), p90(sorted(values)), 100.0 * sum(met) / len(met)


def line(key: str, rows: list[Measured]) -> TatLine:
    """The statistics of one group of tickets."""
    owned = [r for r in rows if r.tto is not None]
    closed = [r for r in rows if r.ttr is not None]
    tto = _stats([r.tto for r in owned if r.tto is not None], [bool(r.tto_met) for r in owned])
    ttr = _stats([r.ttr for r in closed if r.ttr is not None], [bool(r.ttr_met) for r in closed])
    return TatLine(key, len(rows), *tto, *ttr)


def report(measured: Iterable[Measured]) -> dict[str, dict[str, list[TatLine]]]:
    """kind -> group -> one line per key (sorted), for every kind that has tickets."""
    by_kind: dict[str, list[Measured]] = defaultdict(list)
    for row in measured:
        by_kind[row.kind].append(row)
    result: dict[str, dict[str, list[TatLine]]] = {}
    for kind in KINDS:
        rows = by_kind.get(kind, [])
        if not rows:
            continue
        result[kind] = {}
        for group in GROUPS:
            keyed: dict[str, list[Measured]] = defaultdict(list)
            for row in rows:
                keyed[str(getattr(row, group))].append(row)
            result[kind][group] = [line(k, v) for k, v in sorted(keyed.items())]
    return result


def hours(value: float | None) -> str:
    """Working hours as shown: one decimal, '-' when there is nothing to show."""
    return "-" if value is None else f"{value:.1f} h"


def share(value: float | None) -> str:
    """A share as shown: whole per cent, '-' when there is nothing to show."""
    return "-" if value is None else f"{value:.0f} %"


def tables(result: dict[str, dict[str, list[TatLine]]]) -> list[Table]:
    """One table per kind and group: tickets, TTO and TTR median, p90 and share within target."""
    shown = []
    for kind, groups in result.items():
        for group, lines in groups.items():
            title = f"Working-time TTO and TTR by {group}: {KINDS[kind]}"
            table = Table(title=title, min_width=len(title) + 2)
            for column in (
                group,
                "tickets",
                "TTO median",
                "TTO p90",
                "TTO in target",
                "TTR median",
                "TTR p90",
                "TTR in target",
            ):
                table.add_column(column, justify="left" if column == group else "right")
            for row in lines:
                table.add_row(
                    row.key,
                    str(row.tickets),
                    hours(row.tto_median),
                    hours(row.tto_p90),
                    share(row.tto_within),
                    hours(row.ttr_median),
                    hours(row.ttr_p90),
                    share(row.ttr_within),
                )
            shown.append(table)
    return shown


CSV_COLUMNS = (
    "ticket",
    "kind",
    "agency",
    "office",
    "category",
    "channel",
    "month",
    "received",
    "owned",
    "closed",
    "tto_minutes",
    "ttr_minutes",
    "tto_target_hours",
    "ttr_target_hours",
    "tto_met",
    "ttr_met",
)


def _minutes(hours: float | None) -> str:
    return "" if hours is None else f"{hours * 60:.2f}"


def _flag(met: bool | None) -> str:
    return "" if met is None else ("yes" if met else "no")


def write_rows(measured: Iterable[Measured], fh: TextIO) -> None:
    """One CSV row per ticket: its groups, times (UTC), TTO and TTR in working minutes, targets."""
    out = csv.writer(fh)
    out.writerow(CSV_COLUMNS)
    for r in measured:
        out.writerow(
            [
                r.id,
                r.kind,
                r.agency,
                r.office,
                r.category,
                r.channel,
                r.month,
                r.received.isoformat(),
                r.owned.isoformat() if r.owned else "",
                r.closed.isoformat() if r.closed else "",
                _minutes(r.tto),
                _minutes(r.ttr),
                f"{r.target.tto:g}",
                f"{r.target.ttr:g}",
                _flag(r.tto_met),
                _flag(r.ttr_met),
            ]
        )


def write_csv(measured: Iterable[Measured], path: Path) -> Path:
    """The CSV of every ticket's turn-around (``write_rows``) into `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        write_rows(measured, fh)
    return path


def chart(result: dict[str, dict[str, list[TatLine]]]) -> Figure:
    """Median and p90 TTR by category, and the share within target, for each kind."""
    figure = Figure(figsize=(12, 4.5 * max(len(result), 1)), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(max(len(result), 1), 2, squeeze=False)
    for (kind, groups), (left, right) in zip(result.items(), axes, strict=False):
        lines = groups["category"]
        keys = [row.key for row in lines]
        places = range(len(lines))
        left.barh(
            [y - 0.2 for y in places], [row.ttr_median or 0 for row in lines], 0.4, label="median"
        )
        left.barh([y + 0.2 for y in places], [row.ttr_p90 or 0 for row in lines], 0.4, label="p90")
        left.set_yticks(list(places), keys)
        left.invert_yaxis()
        left.set_xlabel("working hours to resolve")
        left.set_title(f"TTR by category: {KINDS[kind]}")
        left.legend()
        right.barh(list(places), [row.ttr_within or 0 for row in lines], color="tab:green")
        right.set_yticks(list(places), keys)
        right.invert_yaxis()
        right.set_xlim(0, 100)
        right.set_xlabel("% resolved within target")
        right.set_title(f"Within target: {KINDS[kind]}")
    return figure


def write_chart(result: dict[str, dict[str, list[TatLine]]], path: Path) -> Path:
    """The chart (``chart``) as a PNG at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    chart(result).savefig(path, dpi=100)
    return path

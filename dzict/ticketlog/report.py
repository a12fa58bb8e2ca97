"""Turn-around time (TAT): median and p90 by category, agency and channel; open tickets by age.

The unit's charter asks that request data be kept "for analysis and assessment" so that TAT
falls; this is that analysis. Statistics come from the standard library (``statistics``).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from rich.table import Table

from dzict.ticketlog.models import TicketSummary

GROUPS = ("category", "agency", "channel")
AGE_BUCKETS: tuple[tuple[str, timedelta | None], ...] = (
    ("under 1 day", timedelta(days=1)),
    ("1 to 3 days", timedelta(days=3)),
    ("3 to 7 days", timedelta(days=7)),
    ("7 to 30 days", timedelta(days=30)),
    ("30 days or more", None),
)
DEFAULT_CHART = Path("var/reports/tat.png")
HOUR = 3600.0


@dataclass(frozen=True)
class TatRow:
    """TAT of the closed tickets sharing one category, agency or channel (hours)."""

    key: str
    tickets: int
    median: float
    p90: float


@dataclass(frozen=True)
class TatReport:
    """Everything the report shows, computed at `now`."""

    now: datetime
    closed: int
    open: int
    groups: dict[str, list[TatRow]]
    ages: list[tuple[str, int]]


def p90(hours: Sequence[float]) -> float:
    """90th percentile, interpolated between the closest ranks (a single value is its own p90)."""
    if len(hours) == 1:
        return hours[0]
    return statistics.quantiles(hours, n=10, method="inclusive")[8]


def age_bucket(age: timedelta) -> str:
    """The name of the age bucket an open ticket falls into."""
    for name, limit in AGE_BUCKETS:
        if limit is None or age < limit:
            return name
    raise AssertionError("the last bucket has no limit")


def tat_report(tickets: Iterable[TicketSummary], now: datetime | None = None) -> TatReport:
    """TAT by category, agency and channel, and open tickets by age at `now`."""
    now = now or datetime.now(UTC)
    closed: list[TicketSummary] = []
    ages = dict.fromkeys((name for name, _ in AGE_BUCKETS), 0)
    for ticket in tickets:
        if ticket.tat is None:
            ages[age_bucket(now - ticket.opened)] += 1
        else:
            closed.append(ticket)
    groups = {}
    for group in GROUPS:
        hours: dict[str, list[float]] = defaultdict(list)
        for ticket in closed:
            assert ticket.tat is not None
            hours[getattr(ticket, group)].append(ticket.tat.total_seconds() / HOUR)
        groups[group] = [
            TatRow(key, len(values), statistics.median(values), p90(values))
            for key, values in sorted(hours.items())
        ]
    return TatReport(now, len(closed), sum(ages.values()), groups, list(ages.items()))


def human(hours: float) -> str:
    """A duration in the unit an officer reads at a glance."""
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} d"


def _titled(title: str) -> Table:
    """A table at least as wide as its title, so the title stays on one line."""
    return Table(title=title, min_width=len(title) + 2)


def tables(report: TatReport) -> list[Table]:
    """One rich table per grouping, then the open tickets by age."""
    shown = []
    for group, rows in report.groups.items():
        table = _titled(f"Turn-around time by {group} ({report.closed} closed tickets)")
        for column in (group, "closed", "median", "p90"):
            table.add_column(column, justify="left" if column == group else "right")
        for row in rows:
            table.add_row(row.key, str(row.tickets), human(row.median), human(row.p90))
        shown.append(table)
    ages = _titled(f"Open tickets by age ({report.open} open)")
    ages.add_column("age")
    ages.add_column("open", justify="right")
    for name, count in report.ages:
        ages.add_row(name, str(count))
    shown.append(ages)
    return shown


def write_chart(report: TatReport, path: Path = DEFAULT_CHART) -> Path:
    """Draw median and p90 TAT per group and the open tickets by age into a PNG at `path`."""
    figure = Figure(figsize=(12, 9), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(2, 2).flatten()
    for ax, (group, rows) in zip(axes, report.groups.items(), strict=False):
        keys = [row.key for row in rows]
        places = range(len(rows))
        ax.barh([y - 0.2 for y in places], [r.median for r in rows], 0.4, label="median")
        ax.barh([y + 0.2 for y in places], [r.p90 for r in rows], 0.4, label="p90")
        ax.set_yticks(list(places), keys)
        ax.invert_yaxis()
        ax.set_xlabel("hours, open to close")
        ax.set_title(f"TAT by {group}")
        if rows:
            ax.legend()
        else:
            ax.text(0.5, 0.5, "no closed tickets", ha="center", transform=ax.transAxes)
    names = [name for name, _ in report.ages]
    axes[3].bar(names, [count for _, count in report.ages], color="tab:red")
    axes[3].set_title(f"Open tickets by age ({report.open})")
    axes[3].tick_params(axis="x", labelrotation=20)
    figure.suptitle(f"Ticket turn-around time, {report.now.astimezone(UTC):%Y-%m-%d %H:%M} UTC")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    return path

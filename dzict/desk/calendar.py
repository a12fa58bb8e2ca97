"""The unit's working calendar and turn-around targets, from the inventory's ``service_desk``.

``group_vars/all/service_desk.yml``::

    service_desk:
      timezone: Asia/Thimphu
      seasons:                       # office hours by season; a day not listed is not worked
        - name: summer
          from: "03-01"              # MM-DD, both ends included; a season may wrap the new year
          until: "10-31"
          hours: {mon: "09:00-13:00,14:00-17:00", tue: ..., fri: ...}
        - {name: winter, from: "11-01", until: "02-29", hours: {mon: "09:00-13:00,14:00-16:00"}}
      holidays:                      # the year's public holidays (no work all day)
        - {date: 2026-02-21, name: "Birth anniversary of His Majesty the King"}
      targets:                       # working hours: time to own (TTO), time to resolve (TTR)
        default: {tto: 4, ttr: 16}
        wan: {tto: 1, ttr: 8}

Working time counts only the hours of the season a day falls in, on days it lists, that are
not holidays, in the calendar's time zone.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dzict.exceptions import CalendarError
from dzict.inventory import Inventory

KEY = "service_desk"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WHERE = f"group_vars/all: {KEY}"

Window = tuple[time, time]


@dataclass(frozen=True)
class Season:
    """Office hours from one day of the year to another (both included)."""

    name: str
    start: tuple[int, int]
    end: tuple[int, int]
    hours: Mapping[int, tuple[Window, ...]]

    def contains(self, day: date) -> bool:
        """True when `day` falls in the season (a season may run over the new year)."""
        key = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= key <= self.end
        return key >= self.start or key <= self.end


@dataclass(frozen=True)
class Target:
    """Turn-around targets in working hours: to own (taken) and to resolve (closed)."""

    tto: float
    ttr: float


@dataclass(frozen=True)
class WorkingCalendar:
    """Seasons of office hours, public holidays and a time zone."""

    zone: ZoneInfo
    seasons: tuple[Season, ...]
    holidays: Mapping[date, str] = field(default_factory=dict)

    def windows(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working windows of one local day, as aware times (none on a holiday)."""
        if day in self.holidays:
            return []
        season = next((s for s in self.seasons if s.contains(day)), None)
        if season is None:
            return []
        return [
            (datetime.combine(day, a, self.zone), datetime.combine(day, b, self.zone))
            for a, b in season.hours.get(day.weekday(), ())
        ]

    def working_seconds(self, start: datetime, end: datetime) -> float:
        """Working time between two instants, in seconds (0 when `end` is not after `start`)."""
        if end <= start:
            return 0.0
        total = 0.0
        for day in _days(start.astimezone(self.zone).date(), end.astimezone(self.zone).date()):
            for a, b in self.windows(day):
                overlap = min(b, end) - max(a, start)
                total += max(overlap.total_seconds(), 0.0)
        return total


@dataclass(frozen=True)
class DeskPolicy:
    """The calendar turn-around is measured on, and the targets per category."""

    calendar: WorkingCalendar
    targets: Mapping[str, Target]
    default: Target

    def target(self, category: str) -> Target:
        """The category's targets, else the default ones."""
        return self.targets.get(category, self.default)


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _month_day(value: Any, where: str) -> tuple[int, int]:
    try:
        month, day = (int(part) for part in str(value).split("-"))
        date(2024, month, day)  # a leap year: 02-29 is a day of the year
    except ValueError:
        raise CalendarError(f"{where}: {value!r} is not a day of the year like 03-01") from None
    return month, day


def _clock(value: str, where: str) -> time:
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        raise CalendarError(f"{where}: {value!r} is not a time like 09:00") from None


def _windows(value: Any, where: str) -> tuple[Window, ...]:
    windows = []
    for part in str(value).split(","):
        start, sep, end = part.partition("-")
        if not sep:
            raise CalendarError(f"{where}: {part.strip()!r} is not hours like 09:00-13:00")
        window = (_clock(start, where), _clock(end, where))
        if window[0] >= window[1]:
            raise CalendarError(f"{where}: {part.strip()!r} ends before it starts")
        windows.append(window)
    return tuple(sorted(windows))


def _season(raw: Mapping[str, Any], where: str) -> Season:
    hours = raw.get("hours") or {}
    unknown = sorted(set(hours) - set(DAYS))
    if unknown:
        raise CalendarError(f"{where}.hours: {', '.join(unknown)} is not one of {', '.join(DAYS)}")
    return Season(
        name=str(raw.get("name", "")),
        start=_month_day(raw.get("from"), f"{where}.from"),
        end=_month_day(raw.get("until"), f"{where}.until"),
        hours={DAYS.index(d): _windows(v, f"{where}.hours.{d}") for d, v in hours.items()},
    )


def _target(raw: Any, where: str) -> Target:
    try:
        target = Target(float(raw["tto"]), float(raw["ttr"]))
    except (TypeError, KeyError, ValueError):
        raise CalendarError(f"{where}: give tto and ttr in working hours") from None
    if target.tto <= 0 or target.ttr <= 0:
        raise CalendarError(f"{where}: tto and ttr must be more than 0")
    return target


def _holidays(raw: Any) -> dict[date, str]:
    holidays = {}
    for n, entry in enumerate(raw or []):
        try:
            day = date.fromisoformat(str(entry["date"]))
        except (TypeError, KeyError, ValueError):
            raise CalendarError(
                f"{WHERE}.holidays[{n}]: a date like 2026-02-21 is needed"
            ) from None
        holidays[day] = str(entry.get("name", ""))
    return holidays


def policy_from(raw: Mapping[str, Any]) -> DeskPolicy:
    """The policy a ``service_desk`` mapping describes; CalendarError names the key at fault."""
    try:
        zone = ZoneInfo(str(raw.get("timezone", "Asia/Thimphu")))
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(
            f"{WHERE}.timezone: unknown time zone {raw.get('timezone')!r}"
        ) from None
    seasons = tuple(
        _season(s, f"{WHERE}.seasons[{n}]") for n, s in enumerate(raw.get("seasons") or [])
    )
    if not seasons:
        raise CalendarError(f"{WHERE}.seasons: at least one season of office hours is needed")
    targets = {
        str(k): _target(v, f"{WHERE}.targets.{k}") for k, v in (raw.get("targets") or {}).items()
    }
    default = targets.pop("default", None)
    if default is None:
        raise CalendarError(f"{WHERE}.targets.default: the targets of every other category")
    return DeskPolicy(
        WorkingCalendar(zone, seasons, _holidays(raw.get("holidays"))), targets, default
    )


def policy_of(inventory: Inventory) -> DeskPolicy | None:
    """The inventory's service-desk policy; None when it has no ``service_desk``."""
    values = [h.vars.get(KEY) for h in inventory.hosts.values() if h.vars.get(KEY)]
    if not values:
        return None
    if any(v != values[0] for v in values[1:]):
        raise CalendarError(f"{WHERE}: differs between hosts (set it in group_vars/all only)")
    if not isinstance(values[0], Mapping):
        raise CalendarError(f"{WHERE}: must be a mapping")
    return policy_from(values[0])

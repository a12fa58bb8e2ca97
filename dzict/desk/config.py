"""The desk's settings, read once from the run's settings (flag > DZICT_ env > config > default)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dzict.exceptions import DeskError
from dzict.jobs import Settings

MAX_PORT = 65535


@dataclass(frozen=True)
class DeskConfig:
    """Where the desk listens, its files, its limits and the time zone it shows times in."""

    host: str
    port: int
    officers: Path
    secret: Path
    templates: Path
    rate_limit: int
    rate_window: int
    lockout: int
    lockout_minutes: int
    max_body: int
    secure_cookies: bool
    proxies: int
    timezone: ZoneInfo


def _positive(settings: Settings, key: str) -> int:
    value = settings.number(key)
    if value < 1:
        raise DeskError(f"setting {key} must be at least 1, not {value}")
    return value


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DeskError(f"setting desk_timezone: unknown time zone {name!r}") from None


def desk_config(settings: Settings) -> DeskConfig:
    """The desk's settings, checked: one clear line naming the key on a bad value."""
    port = settings.number("desk_port")
    if not 0 < port <= MAX_PORT:
        raise DeskError(f"setting desk_port must be between 1 and {MAX_PORT}, not {port}")
    proxies = settings.number("desk_proxies")
    if proxies < 0:
        raise DeskError(f"setting desk_proxies must be 0 or more, not {proxies}")
    return DeskConfig(
        host=settings["desk_host"],
        port=port,
        officers=settings.path("desk_officers"),
        secret=settings.path("desk_secret"),
        templates=settings.path("templates") / "desk",
        rate_limit=_positive(settings, "desk_rate_limit"),
        rate_window=_positive(settings, "desk_rate_window"),
        lockout=_positive(settings, "desk_lockout"),
        lockout_minutes=_positive(settings, "desk_lockout_minutes"),
        max_body=_positive(settings, "desk_max_body"),
        secure_cookies=settings.boolean("desk_secure_cookies"),
        proxies=proxies,
        timezone=_zone(settings["desk_timezone"]),
    )

"""Render the files of an access point from ``templates/PLATFORM/`` (StrictUndefined).

Each platform has one entry template per file it writes; the entry templates only include
partials. ``files(intent)`` returns every file with its path and mode, which plan, apply and
verify compare with what the access point holds.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from dzict.ap.intent import ApIntent
from dzict.exceptions import TemplateError

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TEMPLATES = REPO_ROOT / "templates"
VLAN_SCRIPT = "/usr/local/sbin/dzict-wifi-vlans"
OPENWRT_STAGE = "/etc/dzict"


@dataclass(frozen=True)
class ApFile:
    """One file of an access point's intended configuration."""

    path: str
    text: str
    mode: int = 0o644
    secret: bool = False


def templates_dir(path: str | Path | None = None) -> Path:
    """The template folder: the argument, then ``DZICT_TEMPLATES``, then the repository's."""
    return Path(path or os.environ.get("DZICT_TEMPLATES") or DEFAULT_TEMPLATES)


def uci_quote(value: Any) -> str:
    """A UCI value in single quotes, as ``uci export`` writes it (``'`` becomes ``'\\''``)."""
    return "'" + str(value).replace("'", "'\\''") + "'"


@lru_cache(maxsize=8)
def _environment(folder: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["uci"] = uci_quote
    return env


def _render(folder: Path, intent: ApIntent, entry: str, **extra: Any) -> str:
    try:
        template = _environment(folder).get_template(entry)
        return template.render(intent.context() | extra)
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"{intent.host}: template {exc.name} not found in {folder}") from exc
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"{intent.host}: {entry}: {exc.message}") from exc
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{exc.filename or entry}:{exc.lineno}: {exc.message}") from exc


def _hostapd(folder: Path, intent: ApIntent) -> list[ApFile]:
    files = []
    for radio in intent.radios:
        files.append(
            ApFile(
                f"/etc/hostapd/{radio.interface}.conf",
                _render(folder, intent, "hostapd/hostapd.conf.j2", radio=radio),
                0o600,
                secret=True,
            )
        )
        files.append(
            ApFile(
                f"/etc/systemd/system/hostapd@{radio.interface}.service.d/dzict-txpower.conf",
                _render(folder, intent, "hostapd/txpower.conf.j2", radio=radio),
            )
        )
    files += [
        ApFile(VLAN_SCRIPT, _render(folder, intent, "hostapd/wifi-vlans.sh.j2"), 0o755),
        ApFile(
            "/etc/systemd/system/dzict-wifi-vlans.service",
            _render(folder, intent, "hostapd/wifi-vlans.service.j2"),
        ),
        ApFile("/etc/lldpd.d/dzict-ap.conf", _render(folder, intent, "hostapd/lldpd.conf.j2")),
    ]
    return files


def _openwrt(folder: Path, intent: ApIntent) -> list[ApFile]:
    return [
        ApFile(
            f"{OPENWRT_STAGE}/wireless.uci",
            _render(folder, intent, "openwrt/wireless.j2"),
            0o600,
            secret=True,
        ),
        ApFile(f"{OPENWRT_STAGE}/network.uci", _render(folder, intent, "openwrt/network.j2")),
    ]


PLATFORMS: dict[str, Callable[[Path, ApIntent], list[ApFile]]] = {
    "hostapd": _hostapd,
    "openwrt": _openwrt,
}


def files(intent: ApIntent, templates: str | Path | None = None) -> dict[str, ApFile]:
    """Every file of one access point on its platform, by path."""
    render = PLATFORMS.get(intent.platform)
    if render is None:
        known = ", ".join(sorted(PLATFORMS))
        raise TemplateError(
            f"{intent.host}: no templates for platform {intent.platform!r} ({known})"
        )
    return {f.path: f for f in render(templates_dir(templates).resolve(), intent)}

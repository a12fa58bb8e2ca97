"""Read hostapd and UCI configuration text back into structured data.

The unit tests compare rendered access point files with expected data through these readers.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field


def hostapd(text: str) -> list[dict[str, str | list[str]]]:
    """A hostapd file as one dictionary per SSID (the first one also holds the radio settings).

    A key written several times (``auth_server_addr``...) becomes a list, in file order.
    """
    sections: list[dict[str, str | list[str]]] = [{}]
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise ValueError(f"not a hostapd setting: {line!r}")
        if key == "bss":
            sections.append({})
        current = sections[-1]
        if key in current:
            previous = current[key]
            current[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            current[key] = value
    return sections


@dataclass
class UciSection:
    """One ``config TYPE 'NAME'`` section: its options and its lists."""

    type: str
    name: str | None
    options: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)


def uci(text: str) -> list[UciSection]:
    """UCI text (as ``uci export`` writes it, or a file of /etc/config) as sections."""
    sections: list[UciSection] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        words = shlex.split(raw, comments=True)
        if not words or words[0] == "package":
            continue
        kind = words[0]
        if kind == "config" and len(words) in (2, 3):
            sections.append(UciSection(words[1], words[2] if len(words) == 3 else None))
        elif kind in ("option", "list") and len(words) == 3 and sections:
            if kind == "option":
                sections[-1].options[words[1]] = words[2]
            else:
                sections[-1].lists.setdefault(words[1], []).append(words[2])
        else:
            raise ValueError(f"line {number}: not UCI: {raw!r}")
    return sections

"""Where a Wi-Fi radio may transmit in a country: channels, channel widths, power limits.

Source of the table: the Linux wireless regulatory database, wireless-regdb release
2026.05.30 (Debian package ``wireless-regdb`` 2026.05.30-1~deb12u1, file
``/lib/firmware/regulatory.db``), entry ``BT`` (Bhutan), which reads in ``db.txt`` syntax::

    country BT: DFS-ETSI
        (2402 - 2482 @ 40), (20)
        (5170 - 5250 @ 80), (20), AUTO-BW
        (5250 - 5330 @ 80), (20), DFS, AUTO-BW
        (5490 - 5710 @ 160), (27), DFS

This is the table the Linux kernel itself enforces on a radio set to country BT.
``tests/ap/test_ap_regdomain.py`` reads the same rules back out of that binary database (kept in
``tests/ap/regulatory.db``) so that an edit of the table below cannot go unnoticed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

Band = Literal["2.4", "5"]
WIDTHS: dict[str, tuple[int, ...]] = {"2.4": (20, 40), "5": (20, 40, 80)}
CHANNELS: dict[str, tuple[int, ...]] = {
    "2.4": tuple(range(1, 15)),
    "5": (*range(32, 145, 4), *range(149, 178, 4)),
}


@dataclass(frozen=True)
class Rule:
    """One frequency range of a regulatory domain (as in wireless-regdb's db.txt)."""

    start_mhz: int
    end_mhz: int
    max_bw_mhz: int
    max_eirp_dbm: int
    dfs: bool = False
    auto_bw: bool = False


RULES: dict[str, tuple[Rule, ...]] = {
    "BT": (
        Rule(2402, 2482, 40, 20),
        Rule(5170, 5250, 80, 20, auto_bw=True),
        Rule(5250, 5330, 80, 20, dfs=True, auto_bw=True),
        Rule(5490, 5710, 160, 27, dfs=True),
    ),
}
SOURCE = "wireless-regdb 2026.05.30 (Linux regulatory database), country BT"


def centre_mhz(band: str, channel: int) -> int:
    """Centre frequency of a 20 MHz channel."""
    if band == "2.4":
        return 2484 if channel == 14 else 2407 + 5 * channel
    return 5000 + 5 * channel


def span(band: str, channel: int, width: int) -> tuple[int, int]:
    """Lowest and highest frequency (MHz) the radio occupies on ``channel`` at ``width``."""
    centre = centre_mhz(band, channel)
    if width == 20:
        return centre - 10, centre + 10
    if band == "2.4":  # HT40: secondary channel above for 1-7, below for 8-13
        return (centre - 10, centre + 30) if channel <= 7 else (centre - 30, centre + 10)
    base = 36 if channel < 149 else 149  # aligned 40/80 MHz blocks start at 36 and at 149
    first = channel - (channel - base) % (width // 5)
    low = centre_mhz(band, first) - 10
    return low, low + width


def secondary_above(band: str, channel: int) -> bool:
    """For 40 MHz: is the secondary channel above the primary (HT40+)?"""
    if band == "2.4":
        return channel <= 7
    return (channel - (36 if channel < 149 else 149)) % 8 == 0


def centre_channel(band: str, channel: int, width: int) -> int:
    """The channel number of the centre of the occupied block (VHT segment 0 index)."""
    low, high = span(band, channel, width)
    return ((low + high) // 2 - 5000) // 5 if band == "5" else channel


def _covering(rules: tuple[Rule, ...], low: int, high: int, width: int) -> list[Rule] | None:
    """The rules covering [low, high] that allow ``width`` (joined only with AUTO-BW)."""
    for rule in rules:
        if rule.start_mhz <= low and high <= rule.end_mhz and width <= rule.max_bw_mhz:
            return [rule]
    chain = sorted(
        (r for r in rules if r.end_mhz > low and r.start_mhz < high), key=lambda r: r.start_mhz
    )
    if not chain or chain[0].start_mhz > low or chain[-1].end_mhz < high:
        return None
    for a, b in itertools.pairwise(chain):
        if a.end_mhz != b.start_mhz or not (a.auto_bw and b.auto_bw):
            return None
    return chain


def known(country: str) -> bool:
    """True when a channel table exists for ``country``."""
    return country in RULES


def channels(country: str, band: str, width: int = 20) -> list[int]:
    """Every primary channel allowed in ``country`` on ``band`` at ``width``."""
    return [c for c in CHANNELS[band] if _allowed(country, band, c, width)]


def _allowed(country: str, band: str, channel: int, width: int) -> bool:
    """True when the block of ``channel`` at ``width`` lies inside the country's rules."""
    low, high = span(band, channel, width)
    return _covering(RULES[country], low, high, width) is not None


def max_power_dbm(country: str, band: str, channel: int, width: int = 20) -> int:
    """The EIRP limit (dBm) on that channel: the strictest rule the block touches."""
    low, high = span(band, channel, width)
    rules = _covering(RULES[country], low, high, width) or []
    return min((r.max_eirp_dbm for r in rules), default=0)


def problem(country: str, band: str, channel: int, width: int = 20) -> str | None:
    """Why ``channel`` at ``width`` may not be used in ``country``, or None when it may."""
    if country not in RULES:
        return f"no channel table for country {country} (known: {', '.join(sorted(RULES))})"
    if width not in WIDTHS.get(band, ()):
        allowed = ", ".join(str(w) for w in WIDTHS.get(band, ()))
        return f"channel width {width} MHz is not used on the {band} GHz band (use {allowed})"
    if channel not in CHANNELS[band]:
        return f"channel {channel} is not a {band} GHz channel"
    if not _allowed(country, band, channel, width):
        low, high = span(band, channel, width)
        return (
            f"channel {channel} ({width} MHz, {low}-{high} MHz) is not allowed on the"
            f" {band} GHz band in {country}; allowed: {_ranges(channels(country, band, width))}"
            f" (source: {SOURCE})"
        )
    return None


def _ranges(values: list[int]) -> str:
    """Compact list of channels: 1-13 or 36-64, 100-140 (4 apart at 5 GHz)."""
    if not values:
        return "none"
    step = 4 if values[0] >= 32 else 1  # 5 GHz channels are numbered 4 apart
    groups: list[list[int]] = [[values[0]]]
    for value in values[1:]:
        if value - groups[-1][-1] == step:
            groups[-1].append(value)
        else:
            groups.append([value])
    return ", ".join(f"{g[0]}-{g[-1]}" if len(g) > 1 else str(g[0]) for g in groups)

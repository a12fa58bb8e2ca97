"""The BT channel table of ``dzict.inventory.regdomain`` against its source, and its checks.

``regulatory.db`` beside this file is the Linux regulatory database as Debian ships it
(package wireless-regdb 2026.05.30-1~deb12u1, /lib/firmware/regulatory.db-upstream; ISC
licence, see /usr/share/doc/wireless-regdb/copyright). Its binary layout is the one the kernel
reads (net/wireless/reg.c: fwdb_header, fwdb_country, fwdb_collection, fwdb_rule).
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from dzict.inventory import regdomain
from dzict.inventory.regdomain import Rule

DB = Path(__file__).with_name("regulatory.db")
MAGIC = 0x52474442  # "RGDB"
FLAG_DFS = 1 << 2
FLAG_AUTO_BW = 1 << 4


def rules_of(country: str) -> tuple[Rule, ...]:
    """The rules of one country, read from the kernel's binary regulatory database."""
    db = DB.read_bytes()
    magic, version = struct.unpack_from(">II", db, 0)
    assert (magic, version) == (MAGIC, 20)
    offset = 8
    while db[offset : offset + 2] != b"\0\0":
        (pointer,) = struct.unpack_from(">H", db, offset + 2)
        if db[offset : offset + 2] == country.encode():
            coll = pointer << 2
            length, count = db[coll], db[coll + 1]
            first = coll + (length + 1) // 2 * 2
            found = []
            for n in range(count):
                (rule,) = struct.unpack_from(">H", db, first + 2 * n)
                _len, flags, eirp, start, end, bw = struct.unpack_from(">BBHIII", db, rule << 2)
                found.append(
                    Rule(start // 1000, end // 1000, bw // 1000, eirp // 100,
                         dfs=bool(flags & FLAG_DFS), auto_bw=bool(flags & FLAG_AUTO_BW))
                )  # fmt: skip
            return tuple(found)
        offset += 4
    raise LookupError(country)


def test_the_bt_table_is_the_kernel_regulatory_database() -> None:
    assert regdomain.RULES["BT"] == rules_of("BT")


@pytest.mark.parametrize(
    ("band", "width", "channels"),
    [
        ("2.4", 20, list(range(1, 14))),
        ("5", 20, [36, 40, 44, 48, 52, 56, 60, 64, *range(100, 141, 4)]),
        ("5", 80, [36, 40, 44, 48, 52, 56, 60, 64, *range(100, 129, 4)]),
    ],
)
def test_bt_channels(band: str, width: int, channels: list[int]) -> None:
    assert regdomain.channels("BT", band, width) == channels


def test_upper_5ghz_band_is_not_allowed_in_bt() -> None:
    message = regdomain.problem("BT", "5", 149)
    assert message is not None
    assert "not allowed on the 5 GHz band in BT" in message


def test_power_limits() -> None:
    assert regdomain.max_power_dbm("BT", "2.4", 6) == 20
    assert regdomain.max_power_dbm("BT", "5", 36, 80) == 20
    assert regdomain.max_power_dbm("BT", "5", 100, 80) == 27


def test_centre_channels_of_wide_blocks() -> None:
    assert regdomain.centre_channel("5", 36, 80) == 42
    assert regdomain.centre_channel("5", 64, 80) == 58
    assert regdomain.centre_channel("5", 104, 40) == 102
    assert regdomain.secondary_above("2.4", 11) is False

"""The FRR driver on output recorded from real FRR routers (NAPALM's mocked_data style).

One test runs every method for every case folder under mocked_data/test_<method>/: the
transport replays what the router printed (files named after the commands), the calls in
calls.json run, and the last call's result must equal expected_result.json and have NAPALM's
shape (the TypedDicts of napalm.base.models, checked like NAPALM's own tests do).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from doubles import FakeTransport
from napalm.base import NetworkDriver, get_network_driver, models
from napalm.base.exceptions import NapalmException
from napalm.base.test import helpers

from dzict.napalm_frr import FRRDriver

MOCKED_DATA = Path(__file__).parent / "mocked_data"


def _all(model: Any, items: Any) -> bool:
    return all(helpers.test_model(model, item) for item in items)


def _lldp_detail(result: dict[str, Any]) -> bool:
    return _all(models.LLDPNeighborDetailDict, [n for nbrs in result.values() for n in nbrs])


def _interfaces_ip(result: dict[str, Any]) -> bool:
    return all(
        set(families) <= {"ipv4", "ipv6"} and _all(models.InterfacesIPDictEntry, addresses.values())
        for families in result.values()
        for addresses in families.values()
    )


def _ping(result: dict[str, Any]) -> bool:
    if "error" in result:
        return set(result) == {"error"} and isinstance(result["error"], str)
    return helpers.test_model(models.PingDict, result["success"]) and _all(
        models.PingResultDictEntry, result["success"]["results"]
    )


# What each method's result must look like (NAPALM's models).
SHAPES: dict[str, Callable[[Any], bool]] = {
    "is_alive": lambda r: helpers.test_model(models.AliveDict, r),
    "get_facts": lambda r: helpers.test_model(models.FactsDict, r),
    "get_interfaces": lambda r: _all(models.InterfaceDict, r.values()),
    "get_interfaces_ip": _interfaces_ip,
    "get_lldp_neighbors": lambda r: _all(
        models.LLDPNeighborDict, [n for nbrs in r.values() for n in nbrs]
    ),
    "get_lldp_neighbors_detail": _lldp_detail,
    "get_config": lambda r: helpers.test_model(models.ConfigDict, r),
    "ping": _ping,
    "cli": lambda r: isinstance(r, dict),
    "compare_config": lambda r: isinstance(r, str),
    "load_replace_candidate": lambda r: r is None,
    "load_merge_candidate": lambda r: r is None,
}


def _cases() -> list[Any]:
    return [
        pytest.param(folder, id=f"{folder.parent.name}/{folder.name}")
        for folder in sorted(MOCKED_DATA.glob("test_*/*"))
        if folder.is_dir()
    ]


class PatchedFRRDriver(FRRDriver):
    """The driver with recorded output instead of SSH (NAPALM's PatchedDriver pattern)."""

    folder: Path

    def open(self) -> None:
        self._transport = FakeTransport(self.folder)


class TestGetters:
    """Every method, every recorded case."""

    @pytest.mark.parametrize("folder", _cases())
    def test_method(self, folder: Path) -> None:
        device = PatchedFRRDriver("198.19.192.11", "root", "")
        device.folder = folder
        device.open()
        calls = json.loads((folder / "calls.json").read_text())
        method = folder.parent.name.removeprefix("test_")
        assert calls[-1][0] == method
        result: Any = None
        for name, kwargs in calls:
            try:
                result = getattr(device, name)(**kwargs)
            except NapalmException as exc:
                result = {"raises": type(exc).__name__, "message": str(exc)}
        result = json.loads(json.dumps(result))
        expected = json.loads((folder / "expected_result.json").read_text())
        assert result == expected
        if not (isinstance(result, dict) and "raises" in result):
            assert SHAPES[method](result), f"{method} result is not NAPALM's shape"

    def test_every_method_has_a_case(self) -> None:
        recorded = {p.name.removeprefix("test_") for p in MOCKED_DATA.glob("test_*")}
        assert recorded == set(SHAPES)

    def test_method_signatures(self) -> None:
        """Same arguments as napalm.base's NetworkDriver (as NAPALM's own test checks)."""
        differ = {}
        for name, function in inspect.getmembers(FRRDriver, inspect.isfunction):
            if name.startswith("_") and name != "__init__":
                continue
            base = getattr(NetworkDriver, name, None)
            spec = inspect.getfullargspec(function)[:4]
            if base is None or inspect.getfullargspec(base)[:4] != spec:
                differ[name] = spec
        assert differ == {}

    def test_napalm_finds_the_driver_as_frr(self) -> None:
        assert get_network_driver("frr") is FRRDriver

    def test_a_command_without_recording_fails(self, tmp_path: Path) -> None:
        device = PatchedFRRDriver("198.19.192.11", "root", "")
        device.folder = tmp_path
        device.open()
        with pytest.raises(FileNotFoundError):
            device.get_facts()

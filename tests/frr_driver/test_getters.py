"""The FRR driver on output recorded from real FRR routers (NAPALM's mocked_data style).

One test runs every method for every case folder under mocked_data/test_<method>/: the
transport replays what the router printed (files named after the commands), the calls in
calls.json run, and the last call's result must equal expected_result.json and have NAPALM's
shape (the TypedDicts of napalm.base.models, checked like NAPALM's own tests do).
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest
from doubles import FakeTransport
from napalm.base import NetworkDriver, get_network_driver
from napalm.base.exceptions import NapalmException
from shapes import SHAPES

from napalm_frr import FRRDriver

MOCKED_DATA = Path(__file__).parent / "mocked_data"
HOST = "198.19.224.11"  # r1 of frr_lab.py, where the cases were recorded


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
        device = PatchedFRRDriver(HOST, "root", "")
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
        device = PatchedFRRDriver(HOST, "root", "")
        device.folder = tmp_path
        device.open()
        with pytest.raises(FileNotFoundError):
            device.get_facts()

"""The FRR driver on output recorded from real FRR routers (NAPALM's mocked_data style).

One test runs every method for every case folder under mocked_data/test_<method>/: the
transport replays what the router printed (files named after the commands), the calls in
calls.json run, and the last call's result must equal expected_result.json and have NAPALM's
shape (the TypedDicts of napalm.base.models, checked like NAPALM's own tests do).
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
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
REPO = Path(__file__).resolve().parents[2]

# NAPALM methods FRR on Linux does not answer: they raise NotImplementedError, as NAPALM's
# base driver does (docs/napalm_frr.md says why for each; napalm_validate skips them).
NOT_IMPLEMENTED = {
    "get_environment": {},
    "get_mac_address_table": {},
    "get_ntp_stats": {},
    "get_optics": {},
    "get_firewall_policies": {},
    "get_probes_config": {},
    "get_probes_results": {},
    "get_vlans": {},
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

    def test_introspecting_an_unconnected_driver(self) -> None:
        """NAPALM's own test_method_signatures looks at every member of a fresh driver."""
        device = FRRDriver("test", "admin", "pwd")
        members = dict(inspect.getmembers(device))
        assert members["is_alive"]() == {"is_alive": False}
        with pytest.raises(NapalmException, match="not connected"):
            device.get_facts()

    def test_instance_methods_have_napalm_signatures(self) -> None:
        """NAPALM's BaseTestGetters.test_method_signatures, on an instance."""
        device = FRRDriver(hostname="test", username="admin", password="pwd")
        differ = {}
        for name, method in inspect.getmembers(device, inspect.ismethod):
            if name.startswith("_"):
                continue
            base = getattr(NetworkDriver, name, None)
            spec = inspect.getfullargspec(method)[:4]
            if base is None or inspect.getfullargspec(base)[:4] != spec:
                differ[name] = spec
        assert differ == {}

    @pytest.mark.parametrize("method", sorted(NOT_IMPLEMENTED))
    def test_what_frr_cannot_answer_raises_not_implemented(self, method: str) -> None:
        device = PatchedFRRDriver(HOST, "root", "")
        device.folder = MOCKED_DATA
        device.open()
        assert method not in SHAPES
        with pytest.raises(NotImplementedError):
            getattr(device, method)(**NOT_IMPLEMENTED[method])

    def test_every_napalm_method_is_implemented_or_not_implemented(self) -> None:
        public = {
            name
            for name, _ in inspect.getmembers(NetworkDriver, inspect.isfunction)
            if not name.startswith("_")
        }
        inherited = {"load_template", "compliance_report"}  # NAPALM's own, on our getters
        hooks = {"connection_tests", "pre_connection_tests", "post_connection_tests"}
        life_cycle = {"open", "close", "commit_config", "confirm_commit", "discard_config"}
        life_cycle |= {"rollback", "has_pending_commit"}
        assert public - inherited - hooks - life_cycle == set(SHAPES) | set(NOT_IMPLEMENTED)

    def test_the_driver_imports_nothing_of_the_application(self) -> None:
        """napalm_frr stands alone: importing it with dzict unimportable still works."""
        code = (
            "import sys; sys.modules['dzict'] = None\n"
            "import napalm_frr, napalm_frr.ssh, napalm_frr.exceptions\n"
            "from napalm import get_network_driver\n"
            "assert get_network_driver('frr') is napalm_frr.FRRDriver\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'dzict'))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "['dzict']"  # only the blocked entry itself

    def test_napalm_finds_the_driver_as_frr(self) -> None:
        assert get_network_driver("frr") is FRRDriver

    def test_a_command_without_recording_fails(self, tmp_path: Path) -> None:
        device = PatchedFRRDriver(HOST, "root", "")
        device.folder = tmp_path
        device.open()
        with pytest.raises(FileNotFoundError):
            device.get_facts()

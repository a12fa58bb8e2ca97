"""The patching roles' molecule scenarios on the lab's PC image (converge, idempotence, verify),
run the way an officer runs them: ``invoke lab.molecule ROLE``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.lab
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("role", ["patch_linux", "software_baseline"])
def test_role_scenario_passes(role: str) -> None:
    bindir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PATH": os.pathsep.join([bindir, os.environ.get("PATH", "")]),
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "invoke", "lab.molecule", role],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=1200,
    )
    text = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)
    tail = "\n".join(text.splitlines()[-40:])
    assert proc.returncode == 0, tail
    assert "idempotence: Executed: Successful" in text, tail
    assert "verify: Executed: Successful" in text, tail

"""Shared fixtures: generated lab inventories in temporary folders."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dzict.inventory import load_inventory
from dzict.inventory.generate import LabSpec, generate
from dzict.lab import down as lab_down
from dzict.lab import lab_lock, lab_settings
from dzict.lab import up as lab_up
from support.lab import RunningLab

ROOT = Path(__file__).resolve().parent.parent

# Change records name a person: the tests act as one (a test that needs none unsets it).
os.environ.setdefault("DZICT_OFFICER", "Test Officer")


@pytest.fixture(scope="session")
def lab_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly generated default lab inventory (read only: copy it before changing it)."""
    return generate(tmp_path_factory.mktemp("template") / "inv", LabSpec())


@pytest.fixture
def lab_copy(lab_template: Path, tmp_path: Path) -> Path:
    """A private copy of the default lab inventory, named ``inv``."""
    target = tmp_path / "inv"
    shutil.copytree(lab_template, target)
    return target


# --- The test lab: podman containers built from a generated inventory (tests marked `lab`) ---

TEST_LAB_PREFIX = "dzt"
TEST_LAB_BASE = "198.19.0.0/17"


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLab]:
    """Build the images if needed and bring up a lab of HQ and three offices (prefix ``dzt``,
    198.19.0.0/17); everything it created is removed at the end of the session."""
    path = generate(
        tmp_path_factory.mktemp("lab") / "inv",
        LabSpec(prefix=TEST_LAB_PREFIX, base=TEST_LAB_BASE),
    )
    inventory = load_inventory(path)
    _, state_dir = lab_settings(inventory)
    # One test lab at a time on this machine: another session waits for this one to end.
    with lab_lock(TEST_LAB_PREFIX, "session", wait=3600):
        try:
            report = lab_up(inventory)
            yield RunningLab(path, inventory, TEST_LAB_PREFIX, state_dir, report)
        finally:
            lab_down(TEST_LAB_PREFIX, state_dir)

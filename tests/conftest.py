"""Shared fixtures: generated lab inventories in temporary folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dzict.inventory.generate import LabSpec, generate

ROOT = Path(__file__).resolve().parent.parent


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

"""Fixtures of the service desk tests: the lab inventory once, a desk of its own per test."""

from __future__ import annotations

from pathlib import Path

import pytest
from desk_support import DeskSite, make_site

from dzict.inventory import Inventory, load_inventory


@pytest.fixture(scope="session")
def lab_inventory(lab_template: Path) -> Inventory:
    """The generated lab inventory, loaded once (read only)."""
    return load_inventory(lab_template)


@pytest.fixture
def site(tmp_path: Path, lab_inventory: Inventory) -> DeskSite:
    """A desk of its own for one test."""
    return make_site(tmp_path, lab_inventory)

"""Fixtures of the documentation tests: the default lab inventory and its discovery."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from dzict.docs.discovery import Discovery
from dzict.inventory import Inventory, load_inventory
from support.synthetic import healthy_discovery

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def lab_inventory(lab_template: Path) -> Inventory:
    """The default lab inventory (HQ and three offices), loaded once."""
    return load_inventory(lab_template)


@pytest.fixture(scope="session")
def _healthy(lab_inventory: Inventory) -> Discovery:
    return healthy_discovery(lab_inventory, mgmt_lldp=True)


@pytest.fixture
def healthy(_healthy: Discovery) -> Discovery:
    """What discovery of a healthy, fully cabled lab returns (a private copy to change)."""
    return copy.deepcopy(_healthy)

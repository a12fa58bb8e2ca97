"""Shared fixtures of the WAN unit tests: the built-in lab inventory, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from dzict.inventory import Inventory, load_inventory

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def lab_inventory() -> Inventory:
    """inventory/lab, validated."""
    return load_inventory(REPO / "inventory" / "lab")


@pytest.fixture(scope="session")
def punakha_inventory() -> Inventory:
    """inventory/punakha (HQ and ten offices, IOS and FRR routers), validated."""
    return load_inventory(REPO / "inventory" / "punakha")

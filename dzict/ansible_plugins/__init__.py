"""Ansible plugins of this project (filters used by the inventory's address plan)."""

from pathlib import Path

FILTER_DIR = Path(__file__).parent / "filter"

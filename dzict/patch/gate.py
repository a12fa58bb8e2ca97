"""The backup gate as the patch playbook asks it (from its action plugin, on the controller)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from dzict.backup.gate import require_recent_backup
from dzict.exceptions import DzictError
from dzict.inventory import load_inventory


def refusal(inventory: Path, hosts: list[str], max_age_hours: float | None = None) -> str | None:
    """None when every host may be changed, else one line saying which host and why not."""
    age = timedelta(hours=max_age_hours) if max_age_hours is not None else None
    try:
        require_recent_backup(load_inventory(inventory), hosts, max_age=age)
    except DzictError as exc:
        return "; ".join(line.strip() for line in str(exc).splitlines())
    return None

"""Nornir tasks of this project: one task per module, each returning ``diff`` and ``changed``."""

from nornir_tasks.apply_config import apply_config
from nornir_tasks.backup_config import backup_config
from nornir_tasks.discard_config import discard_config
from nornir_tasks.load_config import load_config
from nornir_tasks.plan_config import plan_config
from nornir_tasks.render_config import render_config
from nornir_tasks.rollback_config import rollback_config
from nornir_tasks.verify_addresses import verify_addresses
from nornir_tasks.verify_ospf import verify_ospf
from nornir_tasks.verify_reachability import verify_reachability

__all__ = [
    "apply_config",
    "backup_config",
    "discard_config",
    "load_config",
    "plan_config",
    "render_config",
    "rollback_config",
    "verify_addresses",
    "verify_ospf",
    "verify_reachability",
]

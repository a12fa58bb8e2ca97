"""Put back a configuration saved before a change, with commit-confirm."""

from __future__ import annotations

from nornir.core.task import Result, Task
from nornir_napalm.plugins.connections import CONNECTION_NAME

from dzict.wan.outcome import ChangeOutcome, config_hash
from dzict.wan.platforms import commit_args

__all__ = ["rollback_config"]


def rollback_config(
    task: Task, config: str, message: str = "", revert_in: int = 180, dry_run: bool | None = None
) -> Result:
    """Load ``config`` as a replace candidate and commit it; confirm once the device answers."""
    device = task.host.get_connection(CONNECTION_NAME, task.nornir.config)
    before = str(device.get_config(retrieve="running")["running"])
    device.load_replace_candidate(config=config)
    diff = str(device.compare_config())
    if task.is_dry_run(dry_run) or not diff:
        device.discard_config()
        status = "planned" if diff else "unchanged"
        outcome = ChangeOutcome(status, config_hash(before), config_hash(before))
        return Result(host=task.host, result=outcome, diff=diff, changed=False)
    device.commit_config(**commit_args(task.host.platform, message, revert_in))
    after = str(device.get_config(retrieve="running")["running"])
    device.confirm_commit()
    outcome = ChangeOutcome("applied", config_hash(before), config_hash(after))
    return Result(host=task.host, result=outcome, diff=diff, changed=True)

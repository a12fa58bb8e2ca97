"""Put back a configuration saved before a change, with commit-confirm."""

from __future__ import annotations

from nornir.core.task import Result, Task
from nornir_napalm.plugins.connections import CONNECTION_NAME

from dzict.wan.outcome import ChangeOutcome, config_hash
from dzict.wan.platforms import commit_args
from nornir_tasks.backup_config import running_config

__all__ = ["rollback_config"]


def rollback_config(
    task: Task, config: str, message: str = "", revert_in: int = 180, dry_run: bool | None = None
) -> Result:
    """Load ``config`` as a replace candidate and commit it; confirm once the device answers.

    ``result`` is a ChangeOutcome carrying the running config after (fetched once)."""
    device = task.host.get_connection(CONNECTION_NAME, task.nornir.config)
    before = running_config(device)
    device.load_replace_candidate(config=config)
    diff = str(device.compare_config())
    if task.is_dry_run(dry_run) or not diff:
        device.discard_config()
        status = "planned" if diff else "unchanged"
        outcome = ChangeOutcome(status, config_hash(before), config_hash(before))
        outcome.running_after = before
        return Result(host=task.host, result=outcome, diff=diff, changed=False)
    device.commit_config(**commit_args(task.host.platform, message, revert_in))
    after = running_config(device)
    device.confirm_commit()
    outcome = ChangeOutcome("applied", config_hash(before), config_hash(after))
    outcome.running_after = after
    return Result(host=task.host, result=outcome, diff=diff, changed=True)

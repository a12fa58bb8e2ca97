"""Apply the intended files to one access point; verify; roll back to the saved files on failure."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from nornir.core.task import Result, Task

from dzict.ap import device
from dzict.ap.intent import ApIntent
from dzict.ap.render import ApFile
from dzict.ap.verify import verify
from dzict.exceptions import ApVerifyError
from dzict.ssh import CONNECTION_NAME, Shell

__all__ = ["ap_apply"]


def ap_apply(
    task: Task,
    intents: Mapping[str, ApIntent],
    files: Mapping[str, Mapping[str, ApFile]],
    backup_dir: str = "var/ap-backups",
    dry_run: bool | None = None,
) -> Result:
    """Write the files, make them take effect, run every post-check.

    The files the AP held before are saved under ``backup_dir`` first; when writing, activating
    or any post-check fails they are put back (ApVerifyError: the Result fails).
    """
    dry_run = task.is_dry_run(dry_run)
    shell: Shell = task.host.get_connection(CONNECTION_NAME, task.nornir.config)
    intent = intents[task.host.name]
    mine = dict(files[task.host.name])
    wanted = device.intended(mine)
    paths = list(wanted) + device.BACKUP_EXTRA.get(intent.platform, [])
    before = device.read_files(shell, paths)
    diff = device.diff(before, wanted)
    if intent.platform == "hostapd":
        live = device.bridge_problems(intent, device.links(shell))
        diff += "".join(f"live: {problem}\n" for problem in live)
    if dry_run or not diff:
        return Result(host=task.host, diff=diff, changed=bool(diff) and not dry_run)
    saved = device.save_backup(Path(backup_dir), task.host.name, before)
    try:
        device.write_files(shell, wanted)
        notes = device.activate(shell, intent)
        checks = verify(shell, intent, mine)
        failed = [f"{c.name}: {c.detail}" for c in checks if not c.ok]
        if failed:
            raise ApVerifyError(f"{task.host.name}: {'; '.join(failed)}")
    except Exception as exc:  # the task boundary: put the saved files back, then fail
        device.restore(shell, intent, before)
        raise ApVerifyError(f"{exc}; rolled back to the files saved in {saved}") from exc
    return Result(
        host=task.host, diff=diff, changed=True, result={"notes": notes, "checks": checks,
                                                         "backup": str(saved)}
    )  # fmt: skip

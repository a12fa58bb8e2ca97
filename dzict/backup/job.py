"""The backup job behind ``invoke backup.*``: each run that changes something or proves
something (deploy, run, check, restore, drill) is recorded here, once, under its ticket."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from dzict.backup import policy
from dzict.backup.check import CheckOutcome, backup_check
from dzict.backup.deploy import DeployResult
from dzict.backup.deploy import deploy as deploy_backups
from dzict.backup.drill import DrillFinding, backup_drill
from dzict.backup.restore import DatabaseRestore, PathRestore, restore_database, restore_path
from dzict.backup.run import RunOutcome, backup_run
from dzict.exceptions import DzictError
from dzict.jobs import ChangeRecord, Recorder, RunContext, Status

Restored = TypeVar("Restored", PathRestore, DatabaseRestore)


def _ended(failed: bool, good: Status = Status.OK) -> Status:
    return Status.FAILED if failed else good


@dataclass
class BackupJob:
    """One backup task on the members ``--limit`` selects (servers and ``control``)."""

    ctx: RunContext
    members: list[str]

    @classmethod
    def select(cls, ctx: RunContext, limit: str | None) -> BackupJob:
        """The job on the members named by ``limit`` (every member without it)."""
        return cls(ctx, policy.select(ctx.inventory, limit))

    def deploy(self, recorder: Recorder) -> DeployResult:
        """Set up the backup host and the clients."""
        result = deploy_backups(self.ctx.inventory, self.members)
        recorder.record(
            ChangeRecord(
                "backup.deploy",
                self.members,
                _ended(not result.ok, Status.APPLIED),
                details={"rc": result.rc, "status": result.status},
            )
        )
        return result

    def run(self, recorder: Recorder) -> list[RunOutcome]:
        """Back up now; one record for the run with each member's snapshots and sizes."""
        outcomes = backup_run(self.ctx.inventory, self.members, run_id=recorder.ticket)
        hosts: dict[str, Any] = {}
        for o in outcomes:
            snaps = o.report.snapshots if o.report else []
            hosts[o.host] = {
                "result": "ok" if o.ok else "failed",
                "reason": o.reason,
                "snapshots": [s.snapshot_id for s in snaps],
                "bytes_read": o.report.bytes_processed if o.report else 0,
                "bytes_added": o.report.bytes_added if o.report else 0,
            }
        failed = any(not o.ok for o in outcomes)
        recorder.record(
            ChangeRecord("backup.run", self.members, _ended(failed), details={"hosts": hosts})
        )
        return outcomes

    def check(self, subset: str, recorder: Recorder | None) -> list[CheckOutcome]:
        """restic check of each repository; recorded when run under a ticket."""
        outcomes = backup_check(self.ctx.inventory, self.members, subset)
        if recorder is not None:
            details = {
                "subset": outcomes[0].subset if outcomes else subset,
                "hosts": {o.host: {"ok": o.ok, "message": o.message} for o in outcomes},
            }
            failed = any(not o.ok for o in outcomes)
            recorder.record(
                ChangeRecord("backup.check", self.members, _ended(failed), details=details)
            )
        return outcomes

    def restore_path(
        self, recorder: Recorder, path: str, target: str, snapshot: str | None
    ) -> PathRestore:
        """Restore a file or folder of the one selected member under ``target``."""
        asked = {"path": path, "target": target, "snapshot": snapshot}
        return self._recorded(
            recorder,
            asked,
            lambda member: restore_path(
                self.ctx.inventory, member, path, target, snapshot=snapshot
            ),
        )

    def restore_database(
        self, recorder: Recorder, database: str, snapshot: str | None
    ) -> DatabaseRestore:
        """Load a database of the one selected member back from its dump."""
        asked = {"database": database, "snapshot": snapshot}
        return self._recorded(
            recorder,
            asked,
            lambda member: restore_database(self.ctx.inventory, member, database, snapshot),
        )

    def _recorded(
        self, recorder: Recorder, asked: dict[str, Any], call: Callable[[str], Restored]
    ) -> Restored:
        """Run a restore; record it either way (a failure with its reason, then re-raised)."""
        (member,) = self.members
        try:
            done = call(member)
        except DzictError as exc:
            details = {"reason": str(exc), **asked}
            recorder.record(
                ChangeRecord("backup.restore", [member], Status.FAILED, details=details)
            )
            raise
        details = {"restored": done.model_dump()}
        recorder.record(ChangeRecord("backup.restore", [member], Status.APPLIED, details=details))
        return done

    def drill(
        self, recorder: Recorder, files: int, seed: int | None
    ) -> tuple[int, list[DrillFinding]]:
        """Restore drill into scratch databases and a sample of files, compared with sources."""
        used, findings = backup_drill(self.ctx.inventory, self.members, files=files, seed=seed)
        failed = any(not f.passed for f in findings)
        details = {"seed": used, "hosts": {f.host: f.summary() for f in findings}}
        recorder.record(ChangeRecord("backup.drill", self.members, _ended(failed), details=details))
        return used, findings

"""The patch job behind ``invoke patch.*``: search (report) or patch the selected PCs and
servers through Ansible, read each host's outcome from Ansible's own events, and record it."""

from __future__ import annotations

from dataclasses import dataclass

from dzict.exceptions import PatchRunError
from dzict.jobs import ChangeRecord, Recorder, RunContext, Status, select
from dzict.patch.outcome import HostOutcome, RunOutcome, mark_stopped, outcomes_from_events
from dzict.patch.plan import serial_vars
from dzict.patch.report import host_outcome_summary
from dzict.patch.runner import run_playbook

ROLES = ("pc", "server")
TASK_NAME = "patch.apply"

#: A host's patch outcome in the shared status vocabulary.
STATUS = {
    "patched": Status.APPLIED,
    "up to date": Status.UNCHANGED,
    "failed": Status.FAILED,
    "pending": Status.FAILED,  # selected updates still pending after the run
    "unreachable": Status.UNREACHABLE,
    "not run": Status.SKIPPED,
}


@dataclass
class PatchJob:
    """One patch run on the hosts ``--limit`` selects (PCs and servers only)."""

    ctx: RunContext
    hosts: list[str]

    @classmethod
    def select(cls, ctx: RunContext, limit: str | None) -> PatchJob:
        """The job on the PCs and servers named by ``limit`` (all of them without it)."""
        hosts = select(ctx.inventory, limit, ROLES)
        if not hosts:
            raise PatchRunError(f"no PC or server matches --limit {limit!r}")
        return cls(ctx, hosts)

    def _play(self, playbook: str, extra: dict[str, object]) -> RunOutcome:
        played = run_playbook(
            playbook, self.ctx.inventory.root, limit=",".join(self.hosts), extravars=extra
        )
        servers = {h.name for h in self.ctx.inventory.by_role("server")}
        report_only = playbook == "patch_report.yml"
        run = outcomes_from_events(played.events, self.hosts, report_only=report_only)
        return mark_stopped(run, played.rc, critical=set() if report_only else servers)

    def report(self, security_only: bool = False) -> RunOutcome:
        """Search only: each host's pending updates; nothing is changed or recorded."""
        return self._play("patch_report.yml", {"patch_security_only": security_only})

    def apply(self, recorder: Recorder, security_only: bool = False) -> RunOutcome:
        """Servers then PCs in rolling batches; one record per host, a note if it stopped."""
        extra: dict[str, object] = {
            "patch_security_only": security_only,
            **serial_vars(self.ctx.inventory),
        }
        run = self._play("patch.yml", extra)
        for name in self.hosts:
            recorder.record(record_of(run.hosts[name], run.stopped))
        if run.stopped:
            recorder.note(f"patch rollout stopped: {run.stopped}")
        return run


def record_of(outcome: HostOutcome, stopped: str) -> ChangeRecord:
    """A host's change record: its ending, versions before and after, and why."""
    before = {u.name: u.installed for u in outcome.upgraded}
    after = {u.name: u.candidate for u in outcome.upgraded}
    details = host_outcome_summary(outcome)
    if stopped and outcome.status == "not run":
        details["stopped"] = stopped
    return ChangeRecord(
        TASK_NAME,
        [outcome.host],
        STATUS[outcome.status],
        before=before or None,
        after=after or None,
        details=details,
    )

"""``backup.run``: back up the chosen members of the backup set now, and record the outcome.

A member's run is good only when the agent ran, every database dump and the files made it into
the repository, and retention succeeded; anything else (database down, backup host unreachable,
wrong password) is recorded as failed with the agent's reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dzict.backup.models import RunReport, parse
from dzict.backup.remote import AgentAnswer, run_agent
from dzict.backup.status import Snapshot, record_run
from dzict.exceptions import BackupError
from dzict.inventory.model import Inventory

__all__ = ["RunOutcome", "backup_run", "outcome_of"]


@dataclass(frozen=True)
class RunOutcome:
    """One member's run: good or not, why not, and the agent's report when there was one."""

    host: str
    ok: bool
    reason: str
    report: RunReport | None

    def snapshot(self) -> Snapshot | None:
        """The good snapshot this run made, for the status record."""
        if not self.ok or self.report is None or self.report.started is None:
            return None
        ids = " ".join(s.snapshot_id for s in self.report.snapshots)
        return Snapshot(time=self.report.started, snapshot=ids, size=self.report.bytes_processed)


def outcome_of(answer: AgentAnswer) -> RunOutcome:
    """Judge one agent answer; a garbled or missing report is a failure, never a success."""
    report = None
    if answer.stdout.strip():
        try:
            report = parse(RunReport, answer.stdout, f"{answer.host}: dzict-backup run")
        except BackupError as exc:
            return RunOutcome(answer.host, False, str(exc), None)
    if not answer.ok or report is None or report.result != "ok":
        return RunOutcome(answer.host, False, answer.reason, report)
    return RunOutcome(answer.host, True, "", report)


def backup_run(
    inventory: Inventory,
    members: Sequence[str],
    run_id: str,
    status_file: Path | None = None,
    control_dir: Path | None = None,
) -> list[RunOutcome]:
    """Run the backups of ``members`` in parallel; record each outcome in the status record."""
    answers = run_agent(inventory, {m: ["run", "--run-id", run_id] for m in members}, control_dir)
    outcomes = [outcome_of(answers[m]) for m in members]
    for outcome in outcomes:
        if outcome.ok:
            record_run(outcome.host, "ok", snapshot=outcome.snapshot(), path=status_file)
        else:
            record_run(outcome.host, "failed", outcome.reason, path=status_file)
    return outcomes

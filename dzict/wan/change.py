"""A WAN change under a ticket: the staged rollout (canary office, offices, HQ) with
commit-confirm per router, and the rollback to the configs saved before a ticket's change.
Every device's ending is recorded here, through the ticket's Recorder, and nowhere else."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from nornir.core.task import MultiResult

from dzict.exceptions import WanPlanError
from dzict.jobs import ChangeRecord, Recorder
from dzict.wan import checks
from dzict.wan.configstore import ConfigStore, mask_diff
from dzict.wan.outcome import ChangeOutcome, config_hash
from dzict.wan.plan import WanPlan, inventory_digest
from dzict.wan.rollout import stages
from dzict.wan.rows import ApplyReport, DeviceRow, StageDone, failure, per_host, record_status
from dzict.wan.saved import SavedConfigs
from nornir_tasks import apply_config, backup_config, discard_config, rollback_config

if TYPE_CHECKING:
    from dzict.wan.runner import WanJob

#: Seconds after ``revert_in`` within which a device that lost us must have reverted itself.
REVERT_GRACE = 30
REVERT_POLL = 5


class Rollout:
    """One change run of a WanJob under one ticket: where configs are saved, who records."""

    def __init__(
        self, job: WanJob, recorder: Recorder, store: ConfigStore, saved: SavedConfigs
    ) -> None:
        self.job = job
        self.recorder = recorder
        self.ticket = recorder.ticket
        self.store = store
        self.saved = saved

    # -- apply -------------------------------------------------------------------------------

    def apply(
        self,
        names: Iterable[str],
        *,
        revert_in: int = 180,
        converge_timeout: float = 60,
        plan: WanPlan | None = None,
    ) -> ApplyReport:
        """Plan once (or check a reviewed ``plan`` again), back up, then canary, offices, HQ;
        stop at the first stage that fails. WanPlanError (rejected, recorded, nothing contacted)
        for a plan made from another inventory state."""
        targets = sorted(set(names))
        if plan is None:
            plan = self.job.plan(targets, keep=True, context=True)
        else:
            self._require_inventory(plan, targets)
            plan = self.job.recheck(plan, targets)
        report = ApplyReport()
        before = {n: str(plan.routers[n].running) for n in targets if plan.routers[n].running}
        report.backup_before = self._backup(before, "before")
        after = dict(before)
        stale = self._reject_stale(report, plan, targets)
        rollout = [n for n in targets if n not in stale]
        ready = plan.ready
        outcomes: dict[str, ChangeOutcome] = {}
        for stage in stages(self.job.inventory, rollout):
            report.stages.append((stage.name, stage.hosts))
            done = self._apply_stage(
                stage.name,
                stage.hosts,
                plan=plan,
                ready=ready,
                revert_in=revert_in,
                converge_timeout=converge_timeout,
            )
            for name, text in done.after.items():
                if text is None:
                    after.pop(name, None)  # not known after a failed commit: not backed up
                else:
                    after[name] = text
            outcomes.update(done.outcomes)
            for row in done.rows:
                report.rows[row.host] = row
                self._record("wan.apply", row, report.backup_before)
            ready |= {r.host for r in done.rows if r.status in ("applied", "unchanged")}
            if not all(r.ok for r in done.rows):
                report.stopped_at = stage.name
                break
        self._skip_rest(report, plan, rollout)
        self._await_reverts(report, outcomes, after)
        report.backup_after = self._backup(after, "after")
        return report

    def _backup(self, configs: Mapping[str, str], when: str) -> str | None:
        """Back up the configs of before or after the change and record it; the commit id."""
        message = f"wan.apply {self.ticket}: {when} the change"
        saved, rows = self.job.store_configs(configs, self.store, message)
        if saved is None:
            return None
        details = {
            "backup_commit": saved.commit,
            "when": f"{when} wan.apply",
            "changed": list(saved.changed),
        }
        self.recorder.record(
            ChangeRecord("wan.backup", sorted(rows), record_status("saved"), details=details)
        )
        return saved.commit

    def _require_inventory(self, plan: WanPlan, targets: list[str]) -> None:
        """Reject (and record) a plan made from another inventory state; contact nothing."""
        try:
            plan.require_inventory(inventory_digest(self.job.inventory))
        except WanPlanError as exc:
            details = {"problems": [str(exc)]}
            self.recorder.record(
                ChangeRecord("wan.apply", targets, record_status("rejected"), details=details)
            )
            raise

    def _reject_stale(self, report: ApplyReport, plan: WanPlan, targets: list[str]) -> set[str]:
        """Targets whose running config changed since a reviewed plan: rejected (nothing
        changed on them), recorded, left out of the rollout."""
        stale = [n for n in targets if plan.routers[n].status == "stale"]
        if stale:
            report.stages.append(("plan", tuple(stale)))
        for name in stale:
            row = DeviceRow.of(plan.routers[name], stage="plan")
            row.status, row.diff = "rejected", ""
            row.after = row.before = config_hash(plan.routers[name].running)
            report.rows[name] = row
            self._record("wan.apply", row, report.backup_before)
        return set(stale)

    def _apply_stage(
        self,
        stage: str,
        hosts: Iterable[str],
        *,
        plan: WanPlan,
        ready: set[str],
        revert_in: int,
        converge_timeout: float,
    ) -> StageDone:
        done = StageDone()
        todo: list[str] = []
        for name in hosts:
            planned = plan.routers[name]
            if planned.status == "changed" and planned.running is not None:
                todo.append(name)
                continue
            done.rows.append(DeviceRow.of(planned, stage=stage))
        for name in todo:
            self.saved.save_before(self.ticket, name, str(plan.routers[name].running))
        if not todo:
            return done
        inventory, intents = self.job.inventory, self.job.intents
        per_router = {
            n: {
                "expect": checks.expectations(inventory, intents, n, ready),
                "before": plan.routers[n].running_hash,
            }
            for n in todo
        }
        result = self.job.run_on(
            todo,
            f"wan.apply {stage}",
            per_host,
            subtask=apply_config,
            per_host=per_router,
            message=f"{self.ticket} wan.apply {stage}",
            revert_in=revert_in,
            converge_timeout=converge_timeout,
        )
        for name, multi in sorted(result.items()):
            outcome = multi[0].result
            if not isinstance(outcome, ChangeOutcome):
                outcome = ChangeOutcome("failed", plan.routers[name].running_hash)
                outcome.problems = [failure(multi)]
            self._keep_after(done, name, outcome)
            row = DeviceRow(
                name,
                outcome.status,
                diff=plan.routers[name].diff,
                problems=outcome.problems,
                before=outcome.before,
                after=outcome.after,
                stage=stage,
            )
            done.rows.append(row)
            done.outcomes[name] = outcome
        return done

    def _keep_after(self, done: StageDone, name: str, outcome: ChangeOutcome) -> None:
        """The running config the device task fetched after the change (None: not fetched):
        for the backup, and saved for the ticket when the change is in."""
        done.after[name] = outcome.running_after
        if outcome.running_after is not None and outcome.status == "applied":
            self.saved.save_after(self.ticket, name, outcome.running_after)

    def _skip_rest(self, report: ApplyReport, plan: WanPlan, targets: Iterable[str]) -> None:
        """Devices of the stages never started: rows, records, their candidates discarded."""
        if report.stopped_at is None:
            return
        loaded: list[str] = []
        for stage in stages(self.job.inventory, targets):
            if any(stage.name == done for done, _ in report.stages):
                continue
            report.stages.append((stage.name, stage.hosts))
            for name in stage.hosts:
                problem = f"not started: stage {report.stopped_at} failed"
                row = DeviceRow(name, "skipped", problems=[problem], stage=stage.name)
                row.before = row.after = plan.routers[name].running_hash
                report.rows[name] = row
                self._record("wan.apply", row, report.backup_before)
                if plan.routers[name].status == "changed":
                    loaded.append(name)
        if loaded:
            self.job.run_on(loaded, "wan.apply discard", discard_config)

    def _record(self, task: str, row: DeviceRow, backup: str | None = None) -> None:
        """One router's change record: its ending, the masked diff, config hashes, problems."""
        details: dict[str, Any] = {"stage": row.stage}
        if row.problems:
            details["problems"] = row.problems
        if backup is not None:
            details["backup_commit"] = backup
        self.recorder.record(
            ChangeRecord(
                task,
                [row.host],
                record_status(row.status),
                diff=row.diff or None,
                before=row.before,
                after=row.after,
                details=details,
            )
        )

    def _await_reverts(
        self, report: ApplyReport, outcomes: Mapping[str, ChangeOutcome], after: dict[str, str]
    ) -> None:
        """Devices lost after their commit: wait for their own timer, then look again."""
        for name, outcome in sorted(outcomes.items()):
            if outcome.status != "reverting":
                continue
            row = report.rows[name]
            committed = outcome.committed_at or time.time()
            revert_at = committed + (outcome.revert_in or 0)
            text = self._reverted(name, row.before, revert_at)
            row.after = config_hash(text)
            row.status = "reverted" if row.after == row.before else "not-reverted"
            if text is None:
                after.pop(name, None)
            else:
                after[name] = text
            waited = round(time.time() - committed)
            row.problems = [*row.problems, f"checked {waited} s after the commit"]
            self._record("wan.apply", row, report.backup_before)

    def _reverted(self, name: str, before: str | None, revert_at: float) -> str | None:
        """Wait until ``revert_at``, then fetch the running config until it hashes to
        ``before`` or the grace time is over; the last config fetched (None: unreachable)."""
        deadline = revert_at + REVERT_GRACE
        time.sleep(max(0.0, revert_at - time.time()))
        while True:
            self.job.drop(name)
            multi = self.job.run_on([name], "wan.apply revert check", backup_config)[name]
            text = None if multi.failed else str(multi[0].result)
            if config_hash(text) == before or time.time() >= deadline:
                return text
            time.sleep(REVERT_POLL)

    # -- rollback ----------------------------------------------------------------------------

    def rollback(self, names: Iterable[str], *, revert_in: int = 180) -> ApplyReport:
        """Put back the configs saved before the ticket's change: HQ first, canary last."""
        wanted = set(names)
        hosts = [h for h in self.saved.hosts(self.ticket) if h in wanted and h in self.job.intents]
        report = ApplyReport()
        configs = {h: self.saved.before(self.ticket, h) for h in hosts}
        after: dict[str, str] = {}
        for stage in reversed(stages(self.job.inventory, hosts)):
            report.stages.append((stage.name, stage.hosts))
            result = self.job.run_on(
                stage.hosts,
                f"wan.rollback {stage.name}",
                per_host,
                subtask=rollback_config,
                per_host={h: {"config": configs[h]} for h in stage.hosts},
                message=f"{self.ticket} wan.rollback",
                revert_in=revert_in,
            )
            for name, multi in sorted(result.items()):
                row = _rollback_row(name, stage.name, multi, after)
                report.rows[name] = row
                self._record("wan.rollback", row)
            if any(not report.rows[n].ok for n in stage.hosts):
                report.stopped_at = stage.name
                break
        saved_after, _ = self.job.store_configs(after, self.store, f"wan.rollback {self.ticket}")
        report.backup_after = saved_after.commit if saved_after else None
        return report


def _rollback_row(name: str, stage: str, multi: MultiResult, after: dict[str, str]) -> DeviceRow:
    outcome = multi[0].result
    if multi.failed or not isinstance(outcome, ChangeOutcome):
        return DeviceRow(name, "failed", problems=[failure(multi)], stage=stage)
    if outcome.running_after is not None:
        after[name] = outcome.running_after
    return DeviceRow(
        name,
        outcome.status,
        diff=mask_diff(str(multi[0].diff or "")),
        before=outcome.before,
        after=outcome.after,
        stage=stage,
    )

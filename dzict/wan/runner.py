"""The WAN jobs behind ``invoke wan.*``: plan, apply (staged, commit-confirm), verify, roll back,
back up. The ticket log is written here, and only here.

One apply is one pass: each router is planned once (rendered, its running config fetched,
the candidate loaded and diffed) into a WanPlan; the commit uses the loaded candidate; the
running config is fetched once more after the change. The configs saved before and after
come from the plan and from what the device task returns. Summary rows (DeviceRow) are a view
of the plan and of the outcomes; they carry no configuration.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nornir.core import Nornir
from nornir.core.exceptions import NornirSubTaskError
from nornir.core.task import AggregatedResult, MultiResult, Result, Task
from rich.progress import Progress

from dzict.exceptions import WanPlanError
from dzict.inventory.model import Inventory
from dzict.nornir_inventory import init_nornir
from dzict.ticketlog import TicketLog
from dzict.wan import checks
from dzict.wan.checks import LostAdjacency, OspfSeen, Probe
from dzict.wan.configstore import ConfigStore, Saved, mask_diff
from dzict.wan.intent import RouterIntent, all_intents
from dzict.wan.outcome import ChangeOutcome, config_hash
from dzict.wan.plan import RouterPlan, WanPlan, inventory_digest, now
from dzict.wan.progress import run
from dzict.wan.rollout import stages
from dzict.wan.saved import SavedConfigs
from nornir_tasks import (
    apply_config,
    backup_config,
    discard_config,
    load_config,
    plan_config,
    rollback_config,
    verify_ospf,
    verify_reachability,
)

#: Seconds after ``revert_in`` within which a device that lost us must have reverted itself.
REVERT_GRACE = 30
REVERT_POLL = 5


@dataclass
class DeviceRow:
    """One device in a summary table and in the ticket log (a view: no configuration)."""

    host: str
    status: str
    diff: str = ""
    problems: list[str] = field(default_factory=list)
    before: str | None = None
    after: str | None = None
    stage: str = ""

    @property
    def ok(self) -> bool:
        """True unless the device failed or was left changed against the plan."""
        return self.status in ("changed", "unchanged", "applied", "planned", "saved")

    @classmethod
    def of(cls, plan: RouterPlan, stage: str = "") -> DeviceRow:
        """The row of a router's plan."""
        after = plan.running_hash if plan.status == "unchanged" else None
        return cls(
            plan.host,
            plan.status,
            diff=plan.diff,
            problems=list(plan.problems),
            before=plan.running_hash,
            after=after,
            stage=stage,
        )


def plan_rows(plan: WanPlan) -> dict[str, DeviceRow]:
    """The rows of a plan's targets."""
    return {name: DeviceRow.of(plan.routers[name]) for name in plan.targets}


@dataclass
class ApplyReport:
    """What a staged rollout did."""

    rows: dict[str, DeviceRow] = field(default_factory=dict)
    stages: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    stopped_at: str | None = None
    backup_before: str | None = None
    backup_after: str | None = None

    @property
    def ok(self) -> bool:
        """True when every stage ran and every device ended as intended."""
        return self.stopped_at is None and all(r.ok for r in self.rows.values())


@dataclass
class VerifyReport:
    """The reachability matrix, the OSPF neighbours, and the WAN links whose adjacency is lost."""

    pings: list[tuple[Probe, bool]]
    ospf: dict[str, OspfSeen]
    errors: dict[str, str]
    lost: list[LostAdjacency] = field(default_factory=list)
    unread: dict[str, str] = field(default_factory=dict)

    @property
    def reachable(self) -> bool:
        """True when every pair of the matrix answered."""
        return bool(self.pings) and all(ok for _, ok in self.pings) and not self.errors

    @property
    def status(self) -> str:
        """``failed`` (a pair does not answer), ``degraded`` (every pair answers, but an
        intended adjacency is lost or a router's neighbours could not be read) or ``ok``."""
        if not self.reachable:
            return "failed"
        return "degraded" if self.lost or self.unread else "ok"

    @property
    def ok(self) -> bool:
        """True when every pair answered and every intended adjacency is Full."""
        return self.status == "ok"


@dataclass
class _StageDone:
    """What one stage came to: rows, the outcomes of its commits, the configs fetched after."""

    rows: list[DeviceRow] = field(default_factory=list)
    outcomes: dict[str, ChangeOutcome] = field(default_factory=dict)
    after: dict[str, str | None] = field(default_factory=dict)


def failure(multi: MultiResult) -> str:
    """The innermost error of a failed host, in one line."""
    for result in reversed(list(multi)):
        exc = result.exception
        if exc is not None and not isinstance(exc, NornirSubTaskError):
            text = " ".join(str(exc).split()) or type(exc).__name__
            return text if len(text) < 400 else text[:397] + "..."
    for result in multi:
        if isinstance(result.result, ChangeOutcome) and result.result.problems:
            return "; ".join(result.result.problems)
    return "failed"


# -- grouped tasks: one per device, with that device's own values --------------------------


def _per_host(
    task: Task, subtask: Callable[..., Any], per_host: Mapping[str, Any], **kwargs: Any
) -> Result:
    """Run ``subtask`` with this host's own keyword arguments; pass its result up, failed or not."""
    try:
        inner = task.run(task=subtask, **per_host[task.host.name], **kwargs)[0]
    except NornirSubTaskError as exc:
        inner = exc.result[0]
        if inner.result is None:
            return Result(host=task.host, result=None, failed=True, exception=exc)
    return Result(
        host=task.host,
        result=inner.result,
        diff=inner.diff,
        changed=inner.changed,
        failed=inner.failed,
    )


class WanJob:
    """One run of a WAN job on an inventory: Nornir, the routers' intents, the progress bar."""

    def __init__(
        self,
        inventory: Inventory,
        *,
        workers: int = 20,
        templates: Path | None = None,
        display: Progress | None = None,
        nornir: Nornir | None = None,
    ) -> None:
        self.inventory = inventory
        self.intents: dict[str, RouterIntent] = all_intents(inventory)
        self.templates = templates
        self.display = display
        base = nornir or init_nornir(inventory.root, num_workers=workers)
        self.nr = base.filter(filter_func=lambda h: h.name in self.intents)

    def close(self) -> None:
        """Close every device connection (a dead one is simply dropped)."""
        for host in self.nr.inventory.hosts.values():
            self._drop(host.name)

    def _drop(self, name: str) -> None:
        host = self.nr.inventory.hosts[name]
        try:
            host.close_connections()
        except Exception:  # a connection the device already cut: nothing left to close
            host.connections.clear()

    def _on(self, names: Iterable[str]) -> Nornir:
        wanted = set(names)
        return self.nr.filter(filter_func=lambda h: h.name in wanted)

    def _run(
        self, names: Iterable[str], label: str, task: Callable[..., Any], **kwargs: Any
    ) -> AggregatedResult:
        return run(self._on(names), self.display, label, task, **kwargs)

    # -- plan --------------------------------------------------------------------------------

    def plan(self, names: Iterable[str], *, keep: bool = False, context: bool = False) -> WanPlan:
        """Render, fetch and diff each router once; change nothing.

        ``context`` also plans the routers the targets' post-checks read (an apply, a plan
        file); ``keep`` leaves the candidates of the targets that differ loaded for the commit.
        """
        targets = sorted(set(names))
        wanted = set(targets)
        if context:
            wanted |= checks.context(self.inventory, self.intents, targets)
        per_host = {n: {"intent": self.intents[n], "keep": keep and n in targets} for n in wanted}
        result = self._run(
            sorted(wanted),
            "wan.plan",
            _per_host,
            subtask=plan_config,
            per_host=per_host,
            templates=self.templates,
        )
        routers = {}
        for name, multi in sorted(result.items()):
            planned = multi[0].result
            if multi.failed or not isinstance(planned, RouterPlan):
                planned = RouterPlan(name, "error", problems=(failure(multi),))
            routers[name] = dataclasses.replace(planned, target=name in targets)
        return WanPlan(
            inventory_digest(self.inventory), now(), routers, inventory=str(self.inventory.root)
        )

    def _recheck(self, plan: WanPlan, targets: Iterable[str]) -> WanPlan:
        """A reviewed plan, checked again before its apply: the targets and the routers their
        post-checks read each get their running config fetched once and compared with the
        planned one (``stale`` when it changed); the candidates of changed targets are loaded.
        """
        wanted = set(targets)
        missing = sorted(wanted - set(plan.routers))
        if missing:
            raise WanPlanError(f"not in the plan: {', '.join(missing)}")
        needed = wanted | checks.context(self.inventory, self.intents, wanted)
        plans = {
            n: dataclasses.replace(p, target=n in wanted, intent=self.intents[n])
            for n, p in plan.routers.items()
            if n in needed and n in self.intents
        }
        checkable = sorted(n for n, p in plans.items() if p.status != "error")
        result = self._run(
            checkable,
            "wan.apply plan check",
            _per_host,
            subtask=load_config,
            per_host={n: {"planned": plans[n]} for n in checkable},
        )
        for name, multi in sorted(result.items()):
            checked = multi[0].result
            if multi.failed or not isinstance(checked, RouterPlan):
                checked = dataclasses.replace(
                    plans[name], status="error", problems=(failure(multi),)
                )
            plans[name] = checked
        return dataclasses.replace(plan, routers=plans)

    # -- backup ------------------------------------------------------------------------------

    def backup(
        self,
        names: Iterable[str],
        store: ConfigStore,
        message: str,
        *,
        log: TicketLog | None = None,
        ticket: str | None = None,
    ) -> tuple[dict[str, DeviceRow], Saved | None, dict[str, str]]:
        """Fetch the running configs and commit them (filtered) to the backup repository;
        recorded under ``ticket`` when one is given."""
        result = self._run(names, "wan.backup", backup_config)
        rows: dict[str, DeviceRow] = {}
        configs: dict[str, str] = {}
        for name, multi in sorted(result.items()):
            if multi.failed:
                rows[name] = DeviceRow(name, "error", problems=[failure(multi)])
            else:
                configs[name] = str(multi[0].result)
        saved, stored = self._store(configs, store, message)
        rows.update(stored)
        if log is not None and ticket and saved is not None:
            log.change(
                ticket,
                "wan.backup",
                sorted(configs),
                "ok",
                backup_commit=saved.commit,
                changed=list(saved.changed),
            )
        return rows, saved, configs

    @staticmethod
    def _store(
        configs: Mapping[str, str], store: ConfigStore, message: str
    ) -> tuple[Saved | None, dict[str, DeviceRow]]:
        """Commit configs already fetched to the backup repository; a row per device."""
        saved = store.save(configs, message) if configs else None
        rows = {}
        for name, text in sorted(configs.items()):
            status = "saved" if saved and name in saved.changed else "unchanged"
            rows[name] = DeviceRow(name, status, before=config_hash(text))
        return saved, rows

    def _backup_change(
        self,
        configs: Mapping[str, str],
        store: ConfigStore,
        log: TicketLog,
        ticket: str,
        when: str,
    ) -> str | None:
        """Back up the configs of before or after the change and record it; the commit id."""
        saved, rows = self._store(configs, store, f"wan.apply {ticket}: {when} the change")
        if saved is None:
            return None
        log.change(
            ticket,
            "wan.backup",
            sorted(rows),
            "ok",
            backup_commit=saved.commit,
            when=f"{when} wan.apply",
            changed=list(saved.changed),
        )
        return saved.commit

    # -- apply -------------------------------------------------------------------------------

    def apply(
        self,
        names: Iterable[str],
        ticket: str,
        log: TicketLog,
        store: ConfigStore,
        saved: SavedConfigs,
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
            plan = self.plan(targets, keep=True, context=True)
        else:
            self._require_inventory(plan, targets, ticket, log)
            plan = self._recheck(plan, targets)
        report = ApplyReport()
        before = {n: str(plan.routers[n].running) for n in targets if plan.routers[n].running}
        report.backup_before = self._backup_change(before, store, log, ticket, "before")
        after = dict(before)
        stale = self._reject_stale(report, plan, targets, log, ticket)
        rollout = [n for n in targets if n not in stale]
        ready = plan.ready
        outcomes: dict[str, ChangeOutcome] = {}
        for stage in stages(self.inventory, rollout):
            report.stages.append((stage.name, stage.hosts))
            done = self._apply_stage(
                stage.name,
                stage.hosts,
                plan=plan,
                ready=ready,
                ticket=ticket,
                saved=saved,
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
                self._record(log, ticket, row, report.backup_before)
            ready |= {r.host for r in done.rows if r.status in ("applied", "unchanged")}
            if not all(r.ok for r in done.rows):
                report.stopped_at = stage.name
                break
        self._skip_rest(report, plan, rollout, log, ticket)
        self._await_reverts(report, outcomes, after, log, ticket)
        report.backup_after = self._backup_change(after, store, log, ticket, "after")
        return report

    def _require_inventory(
        self, plan: WanPlan, targets: list[str], ticket: str, log: TicketLog
    ) -> None:
        """Reject (and record) a plan made from another inventory state; contact nothing."""
        try:
            plan.require_inventory(inventory_digest(self.inventory))
        except WanPlanError as exc:
            log.change(ticket, "wan.apply", targets, "rejected", problems=[str(exc)])
            raise

    def _reject_stale(
        self, report: ApplyReport, plan: WanPlan, targets: list[str], log: TicketLog, ticket: str
    ) -> set[str]:
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
            self._record(log, ticket, row, report.backup_before)
        return set(stale)

    def _apply_stage(
        self,
        stage: str,
        hosts: Iterable[str],
        *,
        plan: WanPlan,
        ready: set[str],
        ticket: str,
        saved: SavedConfigs,
        revert_in: int,
        converge_timeout: float,
    ) -> _StageDone:
        done = _StageDone()
        todo: list[str] = []
        for name in hosts:
            planned = plan.routers[name]
            if planned.status == "changed" and planned.running is not None:
                todo.append(name)
                continue
            done.rows.append(DeviceRow.of(planned, stage=stage))
        for name in todo:
            saved.save_before(ticket, name, str(plan.routers[name].running))
        if not todo:
            return done
        per_host = {
            n: {
                "expect": checks.expectations(self.inventory, self.intents, n, ready),
                "before": plan.routers[n].running_hash,
            }
            for n in todo
        }
        result = self._run(
            todo,
            f"wan.apply {stage}",
            _per_host,
            subtask=apply_config,
            per_host=per_host,
            message=f"{ticket} wan.apply {stage}",
            revert_in=revert_in,
            converge_timeout=converge_timeout,
        )
        for name, multi in sorted(result.items()):
            outcome = multi[0].result
            if not isinstance(outcome, ChangeOutcome):
                outcome = ChangeOutcome("error", plan.routers[name].running_hash)
                outcome.problems = [failure(multi)]
            self._keep_after(done, name, outcome, ticket, saved)
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

    @staticmethod
    def _keep_after(
        done: _StageDone, name: str, outcome: ChangeOutcome, ticket: str, saved: SavedConfigs
    ) -> None:
        """The running config the device task fetched after the change (None: not fetched):
        for the backup, and saved for the ticket when the change is in."""
        done.after[name] = outcome.running_after
        if outcome.running_after is not None and outcome.status == "applied":
            saved.save_after(ticket, name, outcome.running_after)

    def _skip_rest(
        self,
        report: ApplyReport,
        plan: WanPlan,
        targets: Iterable[str],
        log: TicketLog,
        ticket: str,
    ) -> None:
        """Devices of the stages never started: rows, ticket log, their candidates discarded."""
        if report.stopped_at is None:
            return
        loaded: list[str] = []
        for stage in stages(self.inventory, targets):
            if any(stage.name == done for done, _ in report.stages):
                continue
            report.stages.append((stage.name, stage.hosts))
            for name in stage.hosts:
                problem = f"not started: stage {report.stopped_at} failed"
                row = DeviceRow(name, "skipped", problems=[problem], stage=stage.name)
                row.before = row.after = plan.routers[name].running_hash
                report.rows[name] = row
                self._record(log, ticket, row, report.backup_before)
                if plan.routers[name].status == "changed":
                    loaded.append(name)
        if loaded:
            self._run(loaded, "wan.apply discard", discard_config)

    @staticmethod
    def _record(log: TicketLog, ticket: str, row: DeviceRow, backup: str | None) -> None:
        details: dict[str, Any] = {"stage": row.stage}
        if row.problems:
            details["problems"] = row.problems
        if backup is not None:
            details["backup_commit"] = backup
        log.change(
            ticket,
            "wan.apply",
            [row.host],
            row.status,
            diff=row.diff or None,
            before=row.before,
            after=row.after,
            **details,
        )

    def _await_reverts(
        self,
        report: ApplyReport,
        outcomes: Mapping[str, ChangeOutcome],
        after: dict[str, str],
        log: TicketLog,
        ticket: str,
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
            row.status = "reverted by the device" if row.after == row.before else "not reverted"
            if text is None:
                after.pop(name, None)
            else:
                after[name] = text
            waited = round(time.time() - committed)
            row.problems = [*row.problems, f"checked {waited} s after the commit"]
            self._record(log, ticket, row, report.backup_before)

    def _reverted(self, name: str, before: str | None, revert_at: float) -> str | None:
        """Wait until ``revert_at``, then fetch the running config until it hashes to
        ``before`` or the grace time is over; the last config fetched (None: unreachable)."""
        deadline = revert_at + REVERT_GRACE
        time.sleep(max(0.0, revert_at - time.time()))
        while True:
            self._drop(name)
            multi = self._run([name], "wan.apply revert check", backup_config)[name]
            text = None if multi.failed else str(multi[0].result)
            if config_hash(text) == before or time.time() >= deadline:
                return text
            time.sleep(REVERT_POLL)

    # -- rollback ----------------------------------------------------------------------------

    def rollback(
        self,
        names: Iterable[str],
        ticket: str,
        log: TicketLog,
        saved: SavedConfigs,
        store: ConfigStore,
        *,
        revert_in: int = 180,
    ) -> ApplyReport:
        """Put back the configs saved before the ticket's change: HQ first, canary last."""
        wanted = set(names)
        hosts = [h for h in saved.hosts(ticket) if h in wanted and h in self.intents]
        report = ApplyReport()
        configs = {h: saved.before(ticket, h) for h in hosts}
        after: dict[str, str] = {}
        for stage in reversed(stages(self.inventory, hosts)):
            report.stages.append((stage.name, stage.hosts))
            result = self._run(
                stage.hosts,
                f"wan.rollback {stage.name}",
                _per_host,
                subtask=rollback_config,
                per_host={h: {"config": configs[h]} for h in stage.hosts},
                message=f"{ticket} wan.rollback",
                revert_in=revert_in,
            )
            for name, multi in sorted(result.items()):
                row = self._rollback_row(name, stage.name, multi, after)
                report.rows[name] = row
                details: dict[str, Any] = {"stage": stage.name}
                if row.problems:
                    details["problems"] = row.problems
                log.change(
                    ticket,
                    "wan.rollback",
                    [name],
                    row.status,
                    diff=row.diff or None,
                    before=row.before,
                    after=row.after,
                    **details,
                )
            if any(not report.rows[n].ok for n in stage.hosts):
                report.stopped_at = stage.name
                break
        saved_after, _ = self._store(after, store, f"wan.rollback {ticket}")
        report.backup_after = saved_after.commit if saved_after else None
        return report

    @staticmethod
    def _rollback_row(
        name: str, stage: str, multi: MultiResult, after: dict[str, str]
    ) -> DeviceRow:
        outcome = multi[0].result
        if multi.failed or not isinstance(outcome, ChangeOutcome):
            return DeviceRow(name, "error", problems=[failure(multi)], stage=stage)
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

    # -- verify ------------------------------------------------------------------------------

    def verify(self, wait: float = 0, count: int = 3) -> VerifyReport:
        """Ping the matrix from the office routers; read every router's OSPF neighbours and
        name the WAN links whose adjacency is not Full."""
        matrix = checks.probes(self.inventory, self.intents)
        sources = sorted({p.router for p in matrix})
        pinged = self._run(
            sources,
            "wan.verify pings",
            verify_reachability,
            probes=matrix,
            timeout=wait,
            count=count,
        )
        pings: list[tuple[Probe, bool]] = []
        errors: dict[str, str] = {}
        for name, multi in sorted(pinged.items()):
            rows = multi[0].result
            if isinstance(rows, list):
                pings += rows
            else:
                errors[name] = failure(multi)
                pings += [(p, False) for p in matrix if p.router == name]
        ospf, unread = self._ospf(wait)
        seen = {n: (None if n in unread else s.neighbours) for n, s in ospf.items()}
        lost = checks.lost_adjacencies(self.inventory, self.intents, seen)
        return VerifyReport(pings, ospf, errors, lost, unread)

    def _ospf(self, wait: float) -> tuple[dict[str, OspfSeen], dict[str, str]]:
        """Every router's OSPF neighbours against its intended ones (polled up to ``wait``);
        and the routers whose neighbours could not be read."""
        expected = {
            n: {
                "expected": checks.expectations(
                    self.inventory, self.intents, n, self.intents
                ).neighbours
            }
            for n in self.intents
        }
        result = self._run(
            self.intents,
            "wan.verify ospf",
            _per_host,
            subtask=verify_ospf,
            per_host=expected,
            timeout=wait,
        )
        ospf: dict[str, OspfSeen] = {}
        unread: dict[str, str] = {}
        for name, multi in sorted(result.items()):
            seen = multi[0].result
            if not isinstance(seen, OspfSeen):
                unread[name] = failure(multi)
                seen = OspfSeen({}, [unread[name]])
            ospf[name] = seen
        return ospf, unread

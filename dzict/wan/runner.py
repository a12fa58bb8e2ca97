"""The WAN jobs behind ``invoke wan.*``: plan, apply (staged, commit-confirm), verify, roll back,
back up. Each returns plain rows for the summary table; the ticket log is written here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nornir.core import Nornir
from nornir.core.exceptions import NornirSubTaskError
from nornir.core.task import AggregatedResult, MultiResult, Result, Task
from rich.progress import Progress

from dzict.inventory.model import Inventory
from dzict.nornir_inventory import init_nornir
from dzict.ticketlog import TicketLog
from dzict.wan import checks
from dzict.wan.checks import OspfSeen, Probe
from dzict.wan.configstore import ConfigStore, Saved, mask_diff
from dzict.wan.intent import RouterIntent, all_intents
from dzict.wan.outcome import ChangeOutcome, config_hash
from dzict.wan.progress import run
from dzict.wan.rollout import stages
from dzict.wan.saved import SavedConfigs
from nornir_tasks import (
    apply_config,
    backup_config,
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
    """One device in a summary table and in the ticket log."""

    host: str
    status: str
    diff: str = ""
    problems: list[str] = field(default_factory=list)
    before: str | None = None
    after: str | None = None
    stage: str = ""
    config: str = ""
    committed_at: float | None = None
    revert_in: int | None = None

    @property
    def ok(self) -> bool:
        """True unless the device failed or was left changed against the plan."""
        return self.status in ("changed", "unchanged", "applied", "planned", "saved")


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
    """The reachability matrix and the OSPF neighbours."""

    pings: list[tuple[Probe, bool]]
    ospf: dict[str, OspfSeen]
    errors: dict[str, str]

    @property
    def ok(self) -> bool:
        """True when every pair of the matrix answered."""
        return bool(self.pings) and all(ok for _, ok in self.pings) and not self.errors


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

    def plan(self, names: Iterable[str]) -> dict[str, DeviceRow]:
        """Render and diff every device; change nothing."""
        result = self._run(
            names, "wan.plan", plan_config, inventory=self.inventory, templates=self.templates
        )
        rows = {}
        for name, multi in sorted(result.items()):
            if multi.failed:
                rows[name] = DeviceRow(name, "error", problems=[failure(multi)])
                continue
            diff = mask_diff(str(multi[0].diff or ""))
            status = "changed" if diff else "unchanged"
            rows[name] = DeviceRow(name, status, diff=diff, config=str(multi[0].result))
        return rows

    # -- backup ------------------------------------------------------------------------------

    def backup(
        self, names: Iterable[str], store: ConfigStore, message: str
    ) -> tuple[dict[str, DeviceRow], Saved | None, dict[str, str]]:
        """Fetch the running configs and commit them (filtered) to the backup repository."""
        result = self._run(names, "wan.backup", backup_config)
        rows: dict[str, DeviceRow] = {}
        configs: dict[str, str] = {}
        for name, multi in sorted(result.items()):
            if multi.failed:
                rows[name] = DeviceRow(name, "error", problems=[failure(multi)])
            else:
                configs[name] = str(multi[0].result)
        saved = store.save(configs, message) if configs else None
        for name, text in configs.items():
            status = "saved" if saved and name in saved.changed else "unchanged"
            rows[name] = DeviceRow(name, status, before=config_hash(text))
        return rows, saved, configs

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
    ) -> ApplyReport:
        """Back up, plan, then canary, offices, HQ; stop at the first stage that fails."""
        targets = sorted(set(names))
        report = ApplyReport()
        pre, backup, _ = self.backup(targets, store, f"wan.apply {ticket}: before the change")
        reachable = [n for n, r in pre.items() if r.status != "error"]
        if backup is not None:
            report.backup_before = backup.commit
            log.change(
                ticket,
                "wan.backup",
                reachable,
                "ok",
                backup_commit=backup.commit,
                when="before wan.apply",
                changed=list(backup.changed),
            )
        planned = self.plan(self.intents)
        ready = {n for n, row in planned.items() if row.status == "unchanged"}
        for stage in stages(self.inventory, targets):
            report.stages.append((stage.name, stage.hosts))
            rows = self._apply_stage(
                stage.name,
                stage.hosts,
                pre=pre,
                planned=planned,
                ready=ready,
                ticket=ticket,
                saved=saved,
                revert_in=revert_in,
                converge_timeout=converge_timeout,
            )
            for row in rows:
                report.rows[row.host] = row
                self._record(log, ticket, row, report.backup_before)
            ready |= {r.host for r in rows if r.status in ("applied", "unchanged")}
            if not all(r.ok for r in rows):
                report.stopped_at = stage.name
                break
        self._skip_rest(report, targets, log, ticket)
        self._await_reverts(report, log, ticket)
        after_rows, after, _ = self.backup(
            reachable, store, f"wan.apply {ticket}: after the change"
        )
        if after is not None:
            report.backup_after = after.commit
            log.change(
                ticket,
                "wan.backup",
                [n for n, r in after_rows.items() if r.status != "error"],
                "ok",
                backup_commit=after.commit,
                when="after wan.apply",
                changed=list(after.changed),
            )
        return report

    def _apply_stage(
        self,
        stage: str,
        hosts: Iterable[str],
        *,
        pre: Mapping[str, DeviceRow],
        planned: Mapping[str, DeviceRow],
        ready: set[str],
        ticket: str,
        saved: SavedConfigs,
        revert_in: int,
        converge_timeout: float,
    ) -> list[DeviceRow]:
        rows: list[DeviceRow] = []
        todo: list[str] = []
        for name in hosts:
            row = planned.get(name)
            if pre[name].status == "error" or row is None or row.status == "error":
                problems = pre[name].problems or (row.problems if row else ["not planned"])
                rows.append(DeviceRow(name, "error", problems=problems, stage=stage))
            elif row.status == "unchanged":
                rows.append(DeviceRow(name, "unchanged", before=pre[name].before, stage=stage))
            else:
                todo.append(name)
        if not todo:
            return rows
        per_host = {
            n: {
                "config": planned[n].config,
                "expect": checks.expectations(self.inventory, self.intents, n, ready),
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
            save_before=lambda host, text: saved.save_before(ticket, host, text),
            save_after=lambda host, text: saved.save_after(ticket, host, text),
        )
        for name, multi in sorted(result.items()):
            outcome = multi[0].result
            if not isinstance(outcome, ChangeOutcome):
                outcome = ChangeOutcome("error", problems=[failure(multi)])
            rows.append(
                DeviceRow(
                    name,
                    outcome.status,
                    diff=mask_diff(str(multi[0].diff or "")),
                    problems=outcome.problems,
                    before=outcome.before,
                    after=outcome.after,
                    stage=stage,
                )
            )
            rows[-1].committed_at = outcome.committed_at
            rows[-1].revert_in = outcome.revert_in
        return rows

    def _skip_rest(
        self, report: ApplyReport, targets: Iterable[str], log: TicketLog, ticket: str
    ) -> None:
        """Devices of the stages never started, as rows and in the ticket log."""
        if report.stopped_at is None:
            return
        for stage in stages(self.inventory, targets):
            if any(stage.name == done for done, _ in report.stages):
                continue
            report.stages.append((stage.name, stage.hosts))
            for name in stage.hosts:
                problem = f"not started: stage {report.stopped_at} failed"
                row = DeviceRow(name, "skipped", problems=[problem], stage=stage.name)
                report.rows[name] = row
                self._record(log, ticket, row, report.backup_before)

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

    def _await_reverts(self, report: ApplyReport, log: TicketLog, ticket: str) -> None:
        """Devices lost after their commit: wait for their own timer, then look again."""
        waiting = [r for r in report.rows.values() if r.status == "reverting"]
        for row in waiting:
            committed = row.committed_at or time.time()
            revert_at = committed + (row.revert_in or 0)
            deadline = revert_at + REVERT_GRACE
            time.sleep(max(0.0, revert_at - time.time()))
            while True:
                self._drop(row.host)
                result = self._run([row.host], "wan.apply revert check", backup_config)
                multi = result[row.host]
                current = None if multi.failed else config_hash(str(multi[0].result))
                if current == row.before or time.time() >= deadline:
                    break
                time.sleep(REVERT_POLL)
            row.after = current
            row.status = "reverted by the device" if current == row.before else "not reverted"
            waited = round(time.time() - committed)
            row.problems = [*row.problems, f"checked {waited} s after the commit"]
            self._record(log, ticket, row, report.backup_before)

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
                outcome = multi[0].result
                if multi.failed or not isinstance(outcome, ChangeOutcome):
                    row = DeviceRow(name, "error", problems=[failure(multi)], stage=stage.name)
                else:
                    row = DeviceRow(
                        name,
                        outcome.status,
                        diff=mask_diff(str(multi[0].diff or "")),
                        before=outcome.before,
                        after=outcome.after,
                        stage=stage.name,
                    )
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
        _, after, _ = self.backup(hosts, store, f"wan.rollback {ticket}")
        if after is not None:
            report.backup_after = after.commit
        return report

    # -- verify ------------------------------------------------------------------------------

    def verify(self, wait: float = 0, count: int = 3) -> VerifyReport:
        """Ping the matrix from the office routers; read every router's OSPF neighbours."""
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
        expected = {
            n: {
                "expected": checks.expectations(
                    self.inventory, self.intents, n, self.intents
                ).neighbours
            }
            for n in self.intents
        }
        seen = self._run(
            self.intents, "wan.verify ospf", _per_host, subtask=verify_ospf, per_host=expected
        )
        ospf: dict[str, OspfSeen] = {}
        for name, multi in sorted(seen.items()):
            result = multi[0].result
            ospf[name] = result if isinstance(result, OspfSeen) else OspfSeen({}, [failure(multi)])
        return VerifyReport(pings, ospf, errors)

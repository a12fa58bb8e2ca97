"""The WAN jobs behind ``invoke wan.*``: plan, apply (staged, commit-confirm), verify, roll back,
back up. Changes are recorded by the rollout (dzict.wan.change) through the ticket's
Recorder; the rows and reports are in dzict.wan.rows.

One apply is one pass: each router is planned once (rendered, its running config fetched,
the candidate loaded and diffed) into a WanPlan; the commit uses the loaded candidate; the
running config is fetched once more after the change. The configs saved before and after
come from the plan and from what the device task returns. Summary rows (DeviceRow) are a view
of the plan and of the outcomes; they carry no configuration.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from nornir.core import Nornir
from nornir.core.task import AggregatedResult
from rich.progress import Progress

from dzict.exceptions import WanPlanError
from dzict.inventory.model import Inventory
from dzict.jobs import ChangeRecord, Recorder, Status
from dzict.nornir_inventory import nornir_of
from dzict.wan import checks
from dzict.wan.change import Rollout
from dzict.wan.checks import OspfSeen, Probe
from dzict.wan.configstore import ConfigStore, Saved
from dzict.wan.intent import RouterIntent, all_intents
from dzict.wan.outcome import config_hash
from dzict.wan.plan import RouterPlan, WanPlan, inventory_digest, now
from dzict.wan.progress import run
from dzict.wan.rows import (
    ApplyReport,
    DeviceRow,
    VerifyReport,
    failure,
    per_host,
)
from dzict.wan.saved import SavedConfigs
from nornir_tasks import (
    backup_config,
    load_config,
    plan_config,
    verify_ospf,
    verify_reachability,
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
        base = nornir or nornir_of(inventory, num_workers=workers)
        self.nr = base.filter(filter_func=lambda h: h.name in self.intents)

    def close(self) -> None:
        """Close every device connection (a dead one is simply dropped)."""
        for host in self.nr.inventory.hosts.values():
            self.drop(host.name)

    def drop(self, name: str) -> None:
        host = self.nr.inventory.hosts[name]
        try:
            host.close_connections()
        except Exception:  # a connection the device already cut: nothing left to close
            host.connections.clear()

    def _on(self, names: Iterable[str]) -> Nornir:
        wanted = set(names)
        return self.nr.filter(filter_func=lambda h: h.name in wanted)

    def run_on(
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
        values = {n: {"intent": self.intents[n], "keep": keep and n in targets} for n in wanted}
        result = self.run_on(
            sorted(wanted),
            "wan.plan",
            per_host,
            subtask=plan_config,
            per_host=values,
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

    def recheck(self, plan: WanPlan, targets: Iterable[str]) -> WanPlan:
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
        result = self.run_on(
            checkable,
            "wan.apply plan check",
            per_host,
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
        recorder: Recorder | None = None,
    ) -> tuple[dict[str, DeviceRow], Saved | None, dict[str, str]]:
        """Fetch the running configs and commit them (filtered) to the backup repository;
        recorded when a ticket's ``recorder`` is given."""
        result = self.run_on(names, "wan.backup", backup_config)
        rows: dict[str, DeviceRow] = {}
        configs: dict[str, str] = {}
        for name, multi in sorted(result.items()):
            if multi.failed:
                rows[name] = DeviceRow(name, "error", problems=[failure(multi)])
            else:
                configs[name] = str(multi[0].result)
        saved, stored = self.store_configs(configs, store, message)
        rows.update(stored)
        if recorder is not None and saved is not None:
            details = {"backup_commit": saved.commit, "changed": list(saved.changed)}
            recorder.record(ChangeRecord("wan.backup", sorted(configs), Status.OK, details=details))
        return rows, saved, configs

    @staticmethod
    def store_configs(
        configs: Mapping[str, str], store: ConfigStore, message: str
    ) -> tuple[Saved | None, dict[str, DeviceRow]]:
        """Commit configs already fetched to the backup repository; a row per device."""
        saved = store.save(configs, message) if configs else None
        rows = {}
        for name, text in sorted(configs.items()):
            status = "saved" if saved and name in saved.changed else "unchanged"
            rows[name] = DeviceRow(name, status, before=config_hash(text))
        return saved, rows

    # -- change ------------------------------------------------------------------------------

    def apply(
        self,
        names: Iterable[str],
        recorder: Recorder,
        store: ConfigStore,
        saved: SavedConfigs,
        *,
        revert_in: int = 180,
        converge_timeout: float = 60,
        plan: WanPlan | None = None,
    ) -> ApplyReport:
        """The staged rollout under the recorder's ticket (see dzict.wan.change.Rollout)."""
        return Rollout(self, recorder, store, saved).apply(
            names, revert_in=revert_in, converge_timeout=converge_timeout, plan=plan
        )

    def rollback(
        self,
        names: Iterable[str],
        recorder: Recorder,
        saved: SavedConfigs,
        store: ConfigStore,
        *,
        revert_in: int = 180,
    ) -> ApplyReport:
        """Put back the configs saved before the recorder's ticket: HQ first, canary last."""
        return Rollout(self, recorder, store, saved).rollback(names, revert_in=revert_in)

    # -- verify ------------------------------------------------------------------------------

    def verify(self, wait: float = 0, count: int = 3) -> VerifyReport:
        """Ping the matrix from the office routers; read every router's OSPF neighbours and
        name the WAN links whose adjacency is not Full."""
        matrix = checks.probes(self.inventory, self.intents)
        sources = sorted({p.router for p in matrix})
        pinged = self.run_on(
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
        result = self.run_on(
            self.intents,
            "wan.verify ospf",
            per_host,
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

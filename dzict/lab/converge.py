"""``lab up``: bring podman to what the inventory says and wait for SSH on every host.

``up`` computes the plan, compares it with what podman has under the lab's label, removes what
is stale, creates what is missing, and waits until every host answers SSH with the host key it
made at its first start. Running it twice changes nothing the second time. When it fails half
way, it removes what this run created and nothing else.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from dzict.inventory import Inventory
from dzict.lab import images
from dzict.lab.access import key_pair, write_known_hosts
from dzict.lab.lock import lab_lock
from dzict.lab.logs import Log, quiet
from dzict.lab.machine import raise_inotify_limit, setup_bridges
from dzict.lab.objects import (
    check_clashes,
    container_name_of,
    labels_of,
    network_name_of,
    remove_containers,
)
from dzict.lab.podman import Podman, require
from dzict.lab.specs import LABEL, LabPlan, lab_settings, plan


@dataclass
class UpReport:
    """What ``up`` did."""

    created: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    started: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """False when the lab was already as the inventory says."""
        return bool(self.created or self.removed or self.started)


def up(inv: Inventory, podman: Podman | None = None, log: Log = quiet) -> UpReport:
    """Bring the lab to what the inventory says and wait for SSH on every host."""
    require("podman", "ssh-keygen")
    podman = podman or Podman()
    podman.require_backend()
    started = time.monotonic()
    prefix, state_dir = lab_settings(inv)
    with lab_lock(prefix):
        roles = tuple(sorted({h.role for h in inv.hosts.values()}))
        refs = images.ensure_images(roles, podman, log=log)
        key, public = key_pair(state_dir)
        lab = plan(inv, refs, public)
        check_clashes(lab, podman)
        raise_inotify_limit(log)
        report = UpReport()
        try:
            _converge(lab, podman, report, log)
            setup_bridges(lab.all_networks, podman)
            write_known_hosts(lab, podman, key)
        except BaseException:
            _undo(report, podman, log)
            raise
    report.seconds = time.monotonic() - started
    return report


def _converge(lab: LabPlan, podman: Podman, report: UpReport, log: Log) -> None:
    wanted_c = {c.name: c for c in lab.containers}
    wanted_n = {n.name: n for n in lab.all_networks}
    have_c = {container_name_of(c): c for c in podman.containers(f"{LABEL}={lab.prefix}")}
    have_n = {network_name_of(n): n for n in podman.networks(f"{LABEL}={lab.prefix}")}
    stale_c = [
        n
        for n, c in have_c.items()
        if n not in wanted_c or labels_of(c).get("dzict.spec") != wanted_c[n].digest()
    ]
    stale_n = [
        n
        for n, net in have_n.items()
        if n not in wanted_n or labels_of(net).get("dzict.spec") != wanted_n[n].digest()
    ]
    if stale_c:
        log(f"removing {len(stale_c)} stale container(s)")
        remove_containers(podman, stale_c)
        report.removed += stale_c
    for name in stale_n:
        podman.run("network", "rm", name)
        report.removed.append(name)
    for net in lab.all_networks:
        if net.name not in have_n or net.name in stale_n:
            podman.run(*net.create_args(lab.prefix))
            report.created.append(net.name)
    for spec in lab.containers:
        if spec.name not in have_c or spec.name in stale_c:
            podman.run(*spec.create_args(lab.prefix))
            report.created.append(spec.name)
    running = {
        container_name_of(c)
        for c in podman.containers(f"{LABEL}={lab.prefix}")
        if c.get("State") == "running"
    }
    to_start = [c.name for c in lab.containers if c.name not in running]
    if to_start:
        log(f"starting {len(to_start)} container(s)")
        podman.run("start", *to_start)
        report.started += to_start


def _undo(report: UpReport, podman: Podman, log: Log) -> None:
    """After a failure half-way: remove what this run created, nothing else."""
    made = set(report.created)
    containers = [c for c in made if podman.ok("container", "exists", c)]
    if containers:
        remove_containers(podman, containers, timeout=0)
    for name in made - set(containers):
        if podman.ok("network", "exists", name):
            podman.run("network", "rm", name, check=False)
    if made:
        log(f"removed what this run had created: {', '.join(sorted(made))}")

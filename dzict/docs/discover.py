"""Discovery: ask every device for its facts, interfaces, addresses and LLDP neighbours.

One Nornir task per host (``discover_device``): platforms with a NAPALM driver (``frr``,
``ios``...) answer through NAPALM's getters; Linux hosts (PCs, servers, hostapd access points)
through the project's SSH layer (``dzict.ssh``) and ``dzict.docs.linux``, which returns the same
NAPALM shapes. Windows PCs cannot be asked over SSH here and are recorded as not discovered. A host
that fails is recorded as unreachable with the error's first line; the run goes on.
"""

from __future__ import annotations

import logging
from typing import Any

from nornir.core import Nornir
from nornir.core.inventory import Host
from nornir.core.task import AggregatedResult, MultiResult, Result, Task
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from dzict.docs import linux
from dzict.docs.discovery import DeviceRecord, Discovery, utc_now
from dzict.ssh import CONNECTION_NAME

NAPALM_PLATFORMS = frozenset({"frr", "ios", "openwrt"})
LINUX_PLATFORMS = frozenset({"debian", "hostapd"})
NAPALM_GETTERS = ("get_facts", "get_interfaces", "get_interfaces_ip", "get_lldp_neighbors_detail")


def napalm_driver_installed(platform: str) -> bool:
    """True when NAPALM can load a driver for ``platform`` (``openwrt`` needs napalm-openwrt)."""
    from napalm import get_network_driver
    from napalm.base.exceptions import ModuleImportError

    try:
        get_network_driver(platform)
    except ModuleImportError:
        return False
    return True


def _napalm(task: Task) -> dict[str, Any]:
    device = task.host.get_connection("napalm", task.nornir.config)
    data: dict[str, Any] = {
        "facts": device.get_facts(),
        "interfaces": device.get_interfaces(),
        "interfaces_ip": device.get_interfaces_ip(),
    }
    try:
        data["lldp_neighbors_detail"] = device.get_lldp_neighbors_detail()
    except NotImplementedError:
        data["lldp_neighbors_detail"] = None
    return data


def discover_device(task: Task) -> Result:
    """Collect one device's getters into a DeviceRecord (the Result's ``result``)."""
    platform = task.host.platform or ""
    started = utc_now()
    if platform in NAPALM_PLATFORMS and not napalm_driver_installed(platform):
        record = DeviceRecord(
            name=task.host.name,
            status="skipped",
            method="none",
            error=f"no NAPALM driver for platform {platform!r} is installed",
        )
        return Result(host=task.host, result=record)
    if platform in NAPALM_PLATFORMS:
        method, data = f"napalm:{platform}", _napalm(task)
    elif platform in LINUX_PLATFORMS:
        shell = task.host.get_connection(CONNECTION_NAME, task.nornir.config)
        method, data = "ssh:linux", linux.collect(shell)
    else:
        record = DeviceRecord(
            name=task.host.name,
            status="skipped",
            method="none",
            error=f"platform {platform!r} cannot be asked over SSH",
        )
        return Result(host=task.host, result=record)
    record = DeviceRecord(
        name=task.host.name,
        status="ok",
        method=method,
        collected_at=started,
        last_seen=started,
        **data,
    )
    return Result(host=task.host, result=record)


class ProgressBar:
    """A Nornir processor drawing a rich progress bar, one step per finished host."""

    def __init__(self, progress: Progress, total: int) -> None:
        self.progress = progress
        self.bar = progress.add_task("discovering", total=total)

    def task_started(self, task: Task) -> None:
        """Nothing to do when the run starts."""

    def task_completed(self, task: Task, result: AggregatedResult) -> None:
        """Nothing to do when the run ends."""

    def task_instance_started(self, task: Task, host: Host) -> None:
        """Nothing to do when a host starts."""

    def task_instance_completed(self, task: Task, host: Host, result: MultiResult) -> None:
        """Advance the bar and name the host just finished."""
        state = "failed" if result.failed else "ok"
        self.progress.update(self.bar, advance=1, description=f"{host.name}: {state}")

    def subtask_instance_started(self, task: Task, host: Host) -> None:
        """Not used: discovery has no subtasks."""

    def subtask_instance_completed(self, task: Task, host: Host, result: MultiResult) -> None:
        """Not used: discovery has no subtasks."""


def first_line(exc: BaseException | None, fallback: str) -> str:
    """The first line of an exception's message, with its type."""
    if exc is None:
        return fallback
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip().rstrip(":")


def discover(nr: Nornir, dzongkhag: str, progress: Progress | None = None) -> Discovery:
    """Run discovery on every host of ``nr``; unreachable hosts are recorded, not fatal."""
    started = utc_now()
    if progress is None:
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=False,
        )
    # a failed host is recorded below; Nornir's own error log would print its traceback
    logging.getLogger("nornir").setLevel(logging.CRITICAL)
    with progress:
        results = nr.with_processors([ProgressBar(progress, len(nr.inventory.hosts))]).run(
            task=discover_device, name="discover", raise_on_error=False
        )
    nr.close_connections(on_good=True, on_failed=True)
    devices: dict[str, DeviceRecord] = {}
    for name in sorted(results):
        multi = results[name]
        record = multi[0].result if not multi.failed else None
        if isinstance(record, DeviceRecord):
            devices[name] = record
        else:
            devices[name] = DeviceRecord(
                name=name,
                status="unreachable",
                method="",
                collected_at=started,
                error=first_line(multi[0].exception, "discovery failed"),
            )
    return Discovery(dzongkhag=dzongkhag, started=started, finished=utc_now(), devices=devices)

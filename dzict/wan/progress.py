"""A rich progress bar fed by Nornir's processor hooks: one tick per host done."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from nornir.core import Nornir
from nornir.core.inventory import Host
from nornir.core.task import AggregatedResult, MultiResult, Task
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


class ProgressBar:
    """Nornir processor: advance the bar as each host finishes, name the host on it."""

    def __init__(self, progress: Progress, label: str) -> None:
        self.progress = progress
        self.label = label
        self.bar: TaskID | None = None

    def task_started(self, task: Task) -> None:
        total = len(task.nornir.inventory.hosts)
        self.bar = self.progress.add_task(self.label, total=total, host="")

    def task_completed(self, task: Task, result: AggregatedResult) -> None:
        if self.bar is not None:
            self.progress.update(self.bar, host="done")

    def task_instance_started(self, task: Task, host: Host) -> None:
        pass

    def task_instance_completed(self, task: Task, host: Host, result: MultiResult) -> None:
        if self.bar is not None:
            mark = "failed" if result.failed else "ok"
            self.progress.update(self.bar, advance=1, host=f"{host.name} {mark}")

    def subtask_instance_started(self, task: Task, host: Host) -> None:
        pass

    def subtask_instance_completed(self, task: Task, host: Host, result: MultiResult) -> None:
        pass


@contextmanager
def progress(console: Console) -> Iterator[Progress]:
    """The shared progress display (transient: the summary table replaces it)."""
    display = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[host]}"),
        console=console,
        transient=True,
    )
    with display:
        yield display


def run(
    nr: Nornir,
    display: Progress | None,
    label: str,
    task: Callable[..., Any],
    **kwargs: Any,
) -> AggregatedResult:
    """``nr.run(task, **kwargs)`` with a progress bar when a display is given.

    Hosts that failed an earlier run are included: each job decides by itself whom to skip.
    """
    runner = nr if display is None else nr.with_processors([ProgressBar(display, label)])
    return runner.run(task=task, name=label, on_good=True, on_failed=True, **kwargs)

"""The two jobs of the README's Quick start: the main job on the built-in lab, and the tests."""

from __future__ import annotations

import importlib
import pkgutil
import shlex
import sys
import time
from pathlib import Path

from invoke.collection import Collection
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task
from rich.table import Table

import dzict.tasks
from dzict.demo import StepRun, demo_steps, first_failure, next_steps, run_steps
from dzict.jobs.context import officer_name
from dzict.tasks._common import console, task_settings

SKIP = {"main", "inventory"}


def collections() -> list[Collection]:
    """Every namespace module of ``dzict.tasks`` (each exposes ``ns``), in name order."""
    found = []
    for info in sorted(pkgutil.iter_modules(dzict.tasks.__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name in SKIP:
            continue
        module = importlib.import_module(f"dzict.tasks.{info.name}")
        found.append(module.ns)
    return found


def _invoke(c: Context, line: str, officer: str) -> tuple[int, str, str]:
    """Run one invoke task line as an officer would, echoing it; its exit code and output."""
    console.rule(f"invoke {line}")
    command = f"{shlex.quote(sys.executable)} -m invoke {line}"
    result = c.run(command, warn=True, pty=False, env={"DZICT_OFFICER": officer})
    if result is None:
        return 1, "", "the step did not run"
    return int(result.exited), result.stdout, result.stderr


def _steps_table(runs: list[StepRun]) -> Table:
    table = Table(title="demo")
    table.add_column("step")
    table.add_column("result")
    table.add_column("seconds", justify="right")
    style = {"ok": "green", "failed": "bold red", "not run": "dim"}
    for run in runs:
        seconds = f"{run.seconds:.1f}" if run.result != "not run" else ""
        table.add_row(run.line, f"[{style[run.result]}]{run.result}[/]", seconds)
    table.add_row("total", "", f"{sum(run.seconds for run in runs):.1f}", style="bold")
    return table


@task
def demo(c: Context) -> None:
    """The main job on the built-in lab: validate, build the lab, provision, verify, document.

    Stops at the first failing step, names it and its reason in one line, notes that on the
    demo's ticket, and prints a table of step, result and seconds.
    """
    names = {col.name for col in collections() if col.name}
    settings = task_settings(c)
    # the officer who runs the demo, when one can be named; else the lab's demo itself
    officer = officer_name(settings) or "lab demo"
    log, ticket = None, ""
    if "ticket" in names:
        from dzict.jobs.context import open_ticket_log

        log = open_ticket_log(settings, "LAB")
        ticket = log.open(
            agency="Lab Dzongkhag Administration",
            category="network",
            channel="online-form",
            priority="normal",
            summary="Provision and document the lab Dzongkhag",
            officer=officer,
        )
        console.print(f"opened ticket {ticket}")
    lines = [step.format(ticket=ticket) for step in demo_steps(names)]
    if ticket:
        lines += [f"ticket.close {ticket} --resolution 'demo finished'", "ticket.verify"]
    runs = run_steps(lines, lambda line: _invoke(c, line, officer), time.monotonic)
    console.print(_steps_table(runs))
    failed = first_failure(runs)
    if failed is not None:
        message = f"demo stopped at step {failed.line}: {failed.reason}"
        if log is not None and not failed.line.startswith("ticket."):
            log.note(ticket, message, officer=officer)
        raise Exit(f"{message}\nnext: {next_steps(failed)}", code=1)
    if ticket:
        _invoke(c, "ticket.report", officer)


@task(
    help={
        "quick": "skip the lab tests (those marked `lab`)",
        "pytest_args": "extra arguments for pytest, e.g. '-k ticket'",
    },
    name="test",
)
def run_tests(c: Context, quick: bool = False, pytest_args: str = "") -> None:
    """Lint (ruff, yamllint, ansible-lint), types (mypy), import contracts (import-linter) and
    tests (pytest, lab tests included)."""
    py = shlex.quote(sys.executable)
    checks = [
        f"{py} -m ruff check .",
        f"{py} -m ruff format --check .",
        f"{py} -m mypy",
        f"{py} -m yamllint -s .",
        f"{py} -m ansiblelint --profile production",
        f"{shlex.quote(str(Path(sys.executable).with_name('lint-imports')))}",
    ]
    failed = [line for line in checks if _run(c, line)]
    marker = "-m 'not lab'" if quick else ""
    if _run(c, f"{py} -m pytest {marker} {pytest_args}"):
        failed.append("pytest")
    if failed:
        raise Exit(f"failed: {', '.join(failed)}", code=1)


def _run(c: Context, line: str) -> bool:
    """Run one check; True when it failed."""
    console.rule(line)
    result = c.run(line, warn=True, pty=False)
    return result is None or result.failed

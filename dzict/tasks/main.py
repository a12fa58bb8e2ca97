"""The two jobs of the README's Quick start: the main job on the built-in lab, and the tests."""

from __future__ import annotations

import importlib
import pkgutil
import shlex
import sys

from invoke.collection import Collection
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

import dzict.tasks
from dzict.tasks._common import console

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


def _invoke(c: Context, line: str, warn: bool = False) -> int:
    """Run one invoke task line as an officer would, echoing it; return its exit code."""
    console.rule(f"invoke {line}")
    result = c.run(f"{shlex.quote(sys.executable)} -m invoke {line}", warn=warn, pty=False)
    return 0 if result is None else int(result.exited)


def demo_steps(names: set[str]) -> list[str]:
    """The main job, step by step, limited to the namespaces that exist.

    Backups come first: every change is gated on a recent good backup of what it touches.
    """
    steps = ["inventory.check", "inventory.plan"]
    if "lab" in names:
        steps += ["lab.up", "lab.status"]
    if "backup" in names:
        steps += [
            "backup.deploy --ticket {ticket}",
            "backup.run --ticket {ticket}",
            "backup.status",
        ]
    if "wan" in names:
        steps += ["wan.plan", "wan.apply --ticket {ticket}", "wan.verify", "wan.plan --check"]
    if "ap" in names:
        steps += ["ap.plan", "ap.apply --ticket {ticket}", "ap.verify", "ap.plan --check"]
    if "patch" in names:
        steps += ["patch.report", "patch.apply --ticket {ticket}", "patch.report --check"]
    if "backup" in names:
        # back up what the changes produced (config backups, ticket log), then prove a restore
        steps += ["backup.run --ticket {ticket}", "backup.drill --ticket {ticket}"]
    if "docs" in names:
        steps += ["docs.build"]
    return steps


@task
def demo(c: Context) -> None:
    """The main job on the built-in lab: validate, build the lab, provision, verify, document."""
    names = {col.name for col in collections() if col.name}
    ticket = ""
    if "ticket" in names:
        from dzict.ticketlog import TicketLog

        ticket = TicketLog(code="LAB").open(
            agency="Lab Dzongkhag Administration",
            category="network",
            channel="online-form",
            priority="normal",
            summary="Provision and document the lab Dzongkhag",
            officer="demo",
        )
        console.print(f"opened ticket {ticket}")
    for step in demo_steps(names):
        _invoke(c, step.format(ticket=ticket))
    if ticket:
        _invoke(c, f"ticket.close {ticket} --resolution 'demo finished'")
        _invoke(c, "ticket.verify")
        _invoke(c, "ticket.report")


@task(
    help={
        "quick": "skip the lab tests (those marked `lab`)",
        "pytest_args": "extra arguments for pytest, e.g. '-k ticket'",
    },
    name="test",
)
def run_tests(c: Context, quick: bool = False, pytest_args: str = "") -> None:
    """Lint (ruff, yamllint, ansible-lint), types (mypy) and tests (pytest, lab tests included)."""
    py = shlex.quote(sys.executable)
    checks = [
        f"{py} -m ruff check .",
        f"{py} -m ruff format --check .",
        f"{py} -m mypy",
        f"{py} -m yamllint -s .",
        f"{py} -m ansiblelint --profile production",
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

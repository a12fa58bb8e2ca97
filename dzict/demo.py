"""The main job on the built-in lab, step by step: each step an ``invoke`` line run as an officer
would run it, timed; the first failing step stops the run with its reason in one line."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

#: A step runner: runs one invoke line, returns its exit code and its output (stdout, stderr).
StepRunner = Callable[[str], tuple[int, str, str]]
Clock = Callable[[], float]


@dataclass(frozen=True)
class StepRun:
    """One step of the demo as it went."""

    line: str
    result: str  # ok, failed, not run
    seconds: float = 0.0
    reason: str = ""


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


def reason_of(stdout: str, stderr: str) -> str:
    """The last thing a failed step said: its last non-empty line of stderr, else of stdout."""
    for text in (stderr, stdout):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines:
            return lines[-1]
    return "no message"


def run_steps(lines: Iterable[str], runner: StepRunner, clock: Clock) -> list[StepRun]:
    """Run each line until one fails; the rest are listed as not run."""
    runs: list[StepRun] = []
    failed = False
    for line in lines:
        if failed:
            runs.append(StepRun(line, "not run"))
            continue
        start = clock()
        code, out, err = runner(line)
        seconds = clock() - start
        if code == 0:
            runs.append(StepRun(line, "ok", seconds))
        else:
            failed = True
            runs.append(StepRun(line, "failed", seconds, f"exit {code}: {reason_of(out, err)}"))
    return runs


def first_failure(runs: Iterable[StepRun]) -> StepRun | None:
    """The step that stopped the run, if any."""
    return next((run for run in runs if run.result == "failed"), None)


def next_steps(failed: StepRun) -> str:
    """What the officer runs next after a failed step."""
    return (
        f"fix the cause, then run the step alone (./dz {failed.line}) or the whole demo again"
        " (./dz demo: what already finished changes nothing)"
    )

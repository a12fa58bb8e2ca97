"""Commit a router's loaded candidate with commit-confirm: post-check, confirm or roll back.

The candidate was loaded (and diffed) by the plan (``plan_config``, or ``load_config`` for a
reviewed plan file); this task goes on with NAPALM's sequence: ``commit_config(revert_in=...)``,
post-checks (addresses, OSPF neighbours, pings), then ``confirm_commit``, or ``rollback``.
The running config is fetched once, after the change; the one from before is the plan's.
Should the router become unreachable after the commit, its own timer undoes the change after
``revert_in`` seconds.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from napalm.base.exceptions import (
    CommitConfirmException,
    CommitError,
    MergeConfigException,
    ReplaceConfigException,
)
from nornir.core.exceptions import NornirSubTaskError
from nornir.core.task import Result, Task
from nornir_napalm.plugins.connections import CONNECTION_NAME

from dzict.wan.checks import FULL, Expectations
from dzict.wan.outcome import ChangeOutcome, config_hash
from dzict.wan.platforms import commit_args
from nornir_tasks.backup_config import running_config
from nornir_tasks.verify_addresses import verify_addresses
from nornir_tasks.verify_ospf import ospf_state, verify_ospf
from nornir_tasks.verify_reachability import verify_reachability

__all__ = ["apply_config"]


def _post_checks(task: Task, expect: Expectations, timeout: float) -> list[str]:
    """Run the post-checks as subtasks; one line per problem (empty: all good)."""
    problems: list[str] = []
    try:
        task.run(task=verify_addresses, addresses=expect.addresses)
        task.run(task=verify_ospf, expected=expect.neighbours, timeout=timeout)
        task.run(task=verify_reachability, probes=expect.probes, timeout=timeout)
    except NornirSubTaskError as exc:
        result = exc.result[0]
        if result.exception is not None:
            problems.append(f"{exc.task.name}: {result.exception}")
        elif exc.task.name == "verify_ospf":
            problems += result.result.problems
        elif exc.task.name == "verify_reachability":
            problems += [
                f"{p.pair} ({p.source} -> {p.target}) unreachable"
                for p, ok in result.result
                if not ok
            ]
        else:
            problems += list(result.result)
    return problems


def _rolled_back(device: Any) -> bool:
    """Try the rollback over a connection that may be gone; True when it went through."""
    try:
        device.rollback()
    except Exception:  # the connection is gone: the commit-confirm timer reverts the device
        return False
    return True


def _checked_commit(
    task: Task,
    device: Any,
    *,
    expect: Expectations,
    before: str | None,
    converge_timeout: float,
    revert_in: int,
    committed_at: float,
) -> ChangeOutcome:
    """After the commit: post-checks, then confirm (applied) or roll back."""
    try:
        problems = _post_checks(task, expect, converge_timeout)
        if problems:
            device.rollback()
            return _fetched(ChangeOutcome("rolled-back", before, problems=problems), device)
        device.confirm_commit()
        return _fetched(ChangeOutcome("applied", before), device)
    except CommitConfirmException as exc:
        waited = round(time.time() - committed_at)
        problem = (
            f"not confirmed in time, the device reverted the commit itself ({exc});"
            f" post-checks took {waited} s, revert_in {revert_in} s"
        )
        return _fetched(ChangeOutcome("reverted", before, problems=[problem]), device)
    except Exception as exc:  # the task boundary: undo, or leave it to the device's timer
        problem = f"post-checks broke off: {type(exc).__name__}: {exc}"
        if _rolled_back(device):
            return ChangeOutcome("rolled-back", before, None, [problem])
        return ChangeOutcome("reverting", before, None, [problem], revert_in, committed_at)


def _fetched(outcome: ChangeOutcome, device: Any) -> ChangeOutcome:
    """The outcome with the running config after the change: fetched once, here."""
    running = running_config(device)
    outcome.after = config_hash(running)
    outcome.running_after = running
    return outcome


def apply_config(
    task: Task,
    expect: Expectations,
    *,
    before: str | None = None,
    message: str = "",
    revert_in: int = 180,
    converge_timeout: float = 60,
    dry_run: bool | None = None,
) -> Result:
    """Commit the candidate loaded on ``task.host``; ``result`` is a ChangeOutcome.

    ``before`` is the SHA-256 of the running config the plan diffed the candidate against.
    """
    device = task.host.get_connection(CONNECTION_NAME, task.nornir.config)
    if task.is_dry_run(dry_run):
        device.discard_config()
        outcome = ChangeOutcome("planned", before, before)
        return Result(host=task.host, result=outcome, changed=False)
    full = {rid for rid, (state, _) in ospf_state(task).items() if state == FULL}
    kept = {rid: i for rid, i in expect.intended_neighbours.items() if rid in full}
    expect = dataclasses.replace(expect, neighbours={**kept, **expect.neighbours})
    try:
        committed_at = time.time()
        commit = commit_args(task.host.platform, message, revert_in)
        revert_in = int(commit["revert_in"])
        device.commit_config(**commit)
    except (CommitError, ReplaceConfigException, MergeConfigException) as exc:
        device.discard_config()
        outcome = ChangeOutcome("rejected", before, before, [str(exc)])
        return Result(host=task.host, result=outcome, changed=False, failed=True)
    outcome = _checked_commit(
        task,
        device,
        expect=expect,
        before=before,
        converge_timeout=converge_timeout,
        revert_in=revert_in,
        committed_at=committed_at,
    )
    return Result(
        host=task.host,
        result=outcome,
        changed=outcome.status == "applied",
        failed=outcome.status != "applied",
    )

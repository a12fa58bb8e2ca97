"""Replace a router's configuration with commit-confirm: commit, post-check, confirm or roll back.

The sequence is NAPALM's: save the running config, ``load_replace_candidate``,
``compare_config``, ``commit_config(revert_in=...)``, post-checks (addresses, OSPF neighbours,
pings), then ``confirm_commit``, or ``rollback``. Should the router become unreachable after
the commit, its own timer undoes the change after ``revert_in`` seconds.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
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
from nornir_tasks.verify_addresses import verify_addresses
from nornir_tasks.verify_ospf import ospf_state, verify_ospf
from nornir_tasks.verify_reachability import verify_reachability

__all__ = ["apply_config"]

Saver = Callable[[str, str], object]


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


def _running(device: Any) -> str:
    return str(device.get_config(retrieve="running")["running"])


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
    before: str,
    converge_timeout: float,
    revert_in: int,
    committed_at: float,
) -> ChangeOutcome:
    """After the commit: post-checks, then confirm (applied) or roll back."""
    try:
        problems = _post_checks(task, expect, converge_timeout)
        if problems:
            device.rollback()
            after = config_hash(_running(device))
            return ChangeOutcome("rolled back", config_hash(before), after, problems)
        device.confirm_commit()
        return ChangeOutcome("applied", config_hash(before))
    except CommitConfirmException as exc:
        waited = round(time.time() - committed_at)
        return ChangeOutcome(
            "reverted by the device",
            config_hash(before),
            config_hash(_running(device)),
            [
                f"not confirmed in time, the device reverted the commit itself ({exc});"
                f" post-checks took {waited} s, revert_in {revert_in} s"
            ],
        )
    except Exception as exc:  # the task boundary: undo, or leave it to the device's timer
        problem = f"post-checks broke off: {type(exc).__name__}: {exc}"
        if _rolled_back(device):
            return ChangeOutcome("rolled back", config_hash(before), None, [problem])
        return ChangeOutcome(
            "reverting", config_hash(before), None, [problem], revert_in, committed_at
        )


def apply_config(
    task: Task,
    config: str,
    expect: Expectations,
    *,
    message: str = "",
    revert_in: int = 180,
    converge_timeout: float = 60,
    save_before: Saver | None = None,
    save_after: Saver | None = None,
    dry_run: bool | None = None,
) -> Result:
    """Apply ``config`` to ``task.host``; ``result`` is a ChangeOutcome, with ``diff``."""
    host = task.host.name
    device = task.host.get_connection(CONNECTION_NAME, task.nornir.config)
    before = _running(device)
    if save_before is not None:
        save_before(host, before)
    full = {rid for rid, (state, _) in ospf_state(task).items() if state == FULL}
    kept = {rid: i for rid, i in expect.intended_neighbours.items() if rid in full}
    expect = dataclasses.replace(expect, neighbours={**kept, **expect.neighbours})
    unchanged = config_hash(before)
    diff = ""
    try:
        device.load_replace_candidate(config=config)
        diff = str(device.compare_config())
        if task.is_dry_run(dry_run) or not diff:
            device.discard_config()
            outcome = ChangeOutcome("planned" if diff else "unchanged", unchanged, unchanged)
            return Result(host=task.host, result=outcome, diff=diff, changed=False)
        committed_at = time.time()
        commit = commit_args(task.host.platform, message, revert_in)
        revert_in = int(commit["revert_in"])
        device.commit_config(**commit)
    except (CommitError, ReplaceConfigException, MergeConfigException) as exc:
        device.discard_config()
        outcome = ChangeOutcome("rejected", unchanged, unchanged, [str(exc)])
        return Result(host=task.host, result=outcome, diff=diff, changed=False, failed=True)
    outcome = _checked_commit(
        task,
        device,
        expect=expect,
        before=before,
        converge_timeout=converge_timeout,
        revert_in=revert_in,
        committed_at=committed_at,
    )
    if outcome.status == "applied":
        after = _running(device)
        outcome.after = config_hash(after)
        if save_after is not None:
            save_after(host, after)
    return Result(
        host=task.host,
        result=outcome,
        diff=diff,
        changed=outcome.status == "applied",
        failed=outcome.status != "applied",
    )

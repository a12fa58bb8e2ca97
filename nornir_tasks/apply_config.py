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

from napalm.base.exceptions import CommitError, MergeConfigException, ReplaceConfigException
from nornir.core.exceptions import NornirSubTaskError
from nornir.core.task import Result, Task
from nornir_napalm.plugins.connections import CONNECTION_NAME

from dzict.wan.checks import FULL, Expectations
from dzict.wan.outcome import ChangeOutcome, config_hash
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


def _rolled_back(device: Any) -> bool:
    """Try the rollback over a connection that may be gone; True when it went through."""
    try:
        device.rollback()
    except Exception:  # the connection is gone: the commit-confirm timer reverts the device
        return False
    return True


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
    before = str(device.get_config(retrieve="running")["running"])
    if save_before is not None:
        save_before(host, before)
    was_full = {rid: iface for rid, (state, iface) in ospf_state(task).items() if state == FULL}
    try:
        device.load_replace_candidate(config=config)
        diff = str(device.compare_config())
    except (ReplaceConfigException, MergeConfigException) as exc:
        device.discard_config()
        outcome = ChangeOutcome("rejected", config_hash(before), config_hash(before), [str(exc)])
        return Result(host=task.host, result=outcome, diff="", changed=False, failed=True)
    if task.is_dry_run(dry_run) or not diff:
        device.discard_config()
        status = "planned" if diff else "unchanged"
        outcome = ChangeOutcome(status, config_hash(before), config_hash(before))
        return Result(host=task.host, result=outcome, diff=diff, changed=False)
    committed_at = time.time()
    try:
        device.commit_config(message=message, revert_in=revert_in)
    except CommitError as exc:
        outcome = ChangeOutcome("rejected", config_hash(before), None, [str(exc)])
        return Result(host=task.host, result=outcome, diff=diff, changed=False, failed=True)
    kept = {rid: i for rid, i in expect.intended_neighbours.items() if rid in was_full}
    expect = dataclasses.replace(expect, neighbours={**kept, **expect.neighbours})
    try:
        problems = _post_checks(task, expect, converge_timeout)
        if not problems:
            device.confirm_commit()
            after = str(device.get_config(retrieve="running")["running"])
            if save_after is not None:
                save_after(host, after)
            outcome = ChangeOutcome("applied", config_hash(before), config_hash(after))
            return Result(host=task.host, result=outcome, diff=diff, changed=True)
        device.rollback()
        after = str(device.get_config(retrieve="running")["running"])
        outcome = ChangeOutcome("rolled back", config_hash(before), config_hash(after), problems)
    except Exception as exc:  # the task boundary: undo, or leave it to the device's timer
        problem = f"post-checks broke off: {type(exc).__name__}: {exc}"
        if _rolled_back(device):
            outcome = ChangeOutcome("rolled back", config_hash(before), None, [problem])
        else:
            outcome = ChangeOutcome(
                "reverting", config_hash(before), None, [problem], revert_in, committed_at
            )
    return Result(host=task.host, result=outcome, diff=diff, changed=False, failed=True)

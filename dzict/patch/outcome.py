"""Each host's patch outcome, read from Ansible's own events (ansible-runner's event stream).

The roles publish ``patch_linux_result`` / ``patch_windows_result`` with ``set_fact``; a failed
or unreachable task is an event of its own. Nothing here reads Ansible's text output.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["up to date", "pending", "patched", "unreachable", "failed", "not run"]
RESULT_FACTS = ("patch_linux_result", "patch_windows_result")
#: Statuses meaning the host still has to be patched.
NOT_PATCHED: frozenset[str] = frozenset({"pending", "unreachable", "failed", "not run"})


@dataclass(frozen=True)
class Update:
    """One pending or applied update of a host."""

    name: str
    installed: str
    candidate: str
    security: bool = False
    selected: bool = True
    reason: str = ""

    @classmethod
    def from_fact(cls, data: Mapping[str, Any]) -> Update:
        """Build from one entry of ``patch_linux_result.before`` (or ``after``)."""
        return cls(
            name=str(data["name"]),
            installed=str(data.get("installed", "")),
            candidate=str(data.get("candidate", "")),
            security=bool(data.get("security", False)),
            selected=bool(data.get("selected", True)),
            reason=str(data.get("reason", "")),
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON, CSV and the ticket log."""
        return {
            "name": self.name,
            "installed": self.installed,
            "candidate": self.candidate,
            "security": self.security,
            "selected": self.selected,
            "reason": self.reason,
        }


@dataclass
class HostOutcome:
    """What happened to one host in one run."""

    host: str
    status: Status = "not run"
    pending: list[Update] = field(default_factory=list)
    remaining: list[Update] = field(default_factory=list)
    upgraded: list[Update] = field(default_factory=list)
    reboot_required: bool = False
    rebooted: bool = False
    task: str = ""
    message: str = ""

    @property
    def patched(self) -> bool:
        """True when nothing selected is left to install on the host."""
        return self.status not in NOT_PATCHED


@dataclass
class RunOutcome:
    """Every host of a run, and why the rollout stopped (empty when it did not)."""

    hosts: dict[str, HostOutcome]
    stopped: str = ""


def _message(res: Mapping[str, Any]) -> str:
    msg = str(res.get("msg") or res.get("reason") or "")
    if "rc" in res and res.get("rc") not in (0, None):
        msg = f"{msg} (exit {res['rc']})" if msg else f"exit {res['rc']}"
    stderr = str(res.get("stderr") or "").strip()
    if stderr:
        msg = f"{msg}: {stderr.splitlines()[-1]}" if msg else stderr.splitlines()[-1]
    return " ".join(msg.split())[:400]


def _result_fact(res: Mapping[str, Any]) -> Mapping[str, Any] | None:
    facts = res.get("ansible_facts") or {}
    return next((facts[k] for k in RESULT_FACTS if k in facts), None)


def _apply_result(outcome: HostOutcome, fact: Mapping[str, Any], report_only: bool) -> None:
    before = [Update.from_fact(u) for u in fact.get("before") or []]
    after = [Update.from_fact(u) for u in fact.get("after") or []]
    still = {(u.name, u.installed) for u in after}
    outcome.pending = before
    outcome.remaining = after
    outcome.upgraded = [u for u in before if u.selected and (u.name, u.installed) not in still]
    outcome.reboot_required = bool(fact.get("reboot_required"))
    outcome.rebooted = bool(fact.get("rebooted"))
    selected_left = [u for u in after if u.selected]
    if report_only:
        outcome.status = "pending" if selected_left else "up to date"
    elif selected_left:
        outcome.status = "failed"
        outcome.message = "updates still pending after patching: " + ", ".join(
            u.name for u in selected_left
        )
    else:
        outcome.status = "patched" if outcome.upgraded else "up to date"


def outcomes_from_events(
    events: Iterable[Mapping[str, Any]], hosts: Iterable[str], report_only: bool = False
) -> RunOutcome:
    """Fold ansible-runner events into one outcome per host of ``hosts``.

    A host with no event was never started: the rollout stopped before its batch.
    """
    run = RunOutcome({h: HostOutcome(h) for h in hosts})
    for event in events:
        kind = event.get("event", "")
        data = event.get("event_data") or {}
        host = data.get("host")
        if host not in run.hosts:
            continue
        outcome = run.hosts[host]
        res = data.get("res") or {}
        if kind == "runner_on_unreachable":
            outcome.status = "unreachable"
            outcome.task = str(data.get("task", ""))
            outcome.message = _message(res)
        elif kind == "runner_on_failed" and not data.get("ignore_errors"):
            outcome.status = "failed"
            outcome.task = str(data.get("task", ""))
            outcome.message = _message(res)
            run.stopped = run.stopped or f"{host}: {outcome.task}: {outcome.message}"
        elif kind == "runner_on_ok" and outcome.status not in ("failed", "unreachable"):
            fact = _result_fact(res)
            if fact is not None:
                _apply_result(outcome, fact, report_only)
    return run


def mark_stopped(run: RunOutcome, rc: int, critical: set[str]) -> RunOutcome:
    """Name why the rollout stopped and say so on every host that was never started.

    ``critical`` are the hosts whose unreachability stops the rollout (the servers); a PC that
    is switched off does not.
    """
    if rc == 0:
        return run
    if not run.stopped:
        down = [o for o in run.hosts.values() if o.status == "unreachable" and o.host in critical]
        if down:
            first = down[0]
            run.stopped = f"{first.host}: unreachable: {first.message}"
        else:
            run.stopped = f"ansible-playbook ended with status {rc}"
    for outcome in run.hosts.values():
        if outcome.status == "not run":
            outcome.message = f"not started: the rollout stopped ({run.stopped})"
    return run

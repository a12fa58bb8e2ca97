"""What the WAN jobs report: summary rows (a view: no configuration), the staged rollout's
report, the verify report, and the one-line failure of a device."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nornir.core.exceptions import NornirSubTaskError
from nornir.core.task import MultiResult, Result, Task

from dzict.jobs import Status
from dzict.wan.checks import LostAdjacency, OspfSeen, Probe
from dzict.wan.outcome import ChangeOutcome
from dzict.wan.plan import RouterPlan, WanPlan

#: A row's word as a change record's status: the shared words are themselves; a plan's
#: ``error`` is a failure, a backup's ``saved`` a run that went well.
RECORD_STATUS = {"error": Status.FAILED, "saved": Status.OK}


def record_status(word: str) -> Status:
    """The shared status of a row's word."""
    return RECORD_STATUS.get(word) or Status(word)


@dataclass
class DeviceRow:
    """One device in a summary table and in the ticket log (a view: no configuration)."""

    host: str
    status: str
    diff: str = ""
    problems: list[str] = field(default_factory=list)
    before: str | None = None
    after: str | None = None
    stage: str = ""

    @property
    def ok(self) -> bool:
        """True unless the device failed or was left changed against the plan."""
        return self.status in ("changed", "unchanged", "applied", "planned", "saved")

    @classmethod
    def of(cls, plan: RouterPlan, stage: str = "") -> DeviceRow:
        """The row of a router's plan."""
        after = plan.running_hash if plan.status == "unchanged" else None
        return cls(
            plan.host,
            plan.status,
            diff=plan.diff,
            problems=list(plan.problems),
            before=plan.running_hash,
            after=after,
            stage=stage,
        )


def plan_rows(plan: WanPlan) -> dict[str, DeviceRow]:
    """The rows of a plan's targets."""
    return {name: DeviceRow.of(plan.routers[name]) for name in plan.targets}


@dataclass
class ApplyReport:
    """What a staged rollout did."""

    rows: dict[str, DeviceRow] = field(default_factory=dict)
    stages: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    stopped_at: str | None = None
    backup_before: str | None = None
    backup_after: str | None = None

    @property
    def ok(self) -> bool:
        """True when every stage ran and every device ended as intended."""
        return self.stopped_at is None and all(r.ok for r in self.rows.values())


@dataclass
class VerifyReport:
    """The reachability matrix, the OSPF neighbours, and the WAN links whose adjacency is lost."""

    pings: list[tuple[Probe, bool]]
    ospf: dict[str, OspfSeen]
    errors: dict[str, str]
    lost: list[LostAdjacency] = field(default_factory=list)
    unread: dict[str, str] = field(default_factory=dict)

    @property
    def reachable(self) -> bool:
        """True when every pair of the matrix answered."""
        return bool(self.pings) and all(ok for _, ok in self.pings) and not self.errors

    @property
    def status(self) -> str:
        """``failed`` (a pair does not answer), ``degraded`` (every pair answers, but an
        intended adjacency is lost or a router's neighbours could not be read) or ``ok``."""
        if not self.reachable:
            return "failed"
        return "degraded" if self.lost or self.unread else "ok"

    @property
    def ok(self) -> bool:
        """True when every pair answered and every intended adjacency is Full."""
        return self.status == "ok"


@dataclass
class StageDone:
    """What one stage came to: rows, the outcomes of its commits, the configs fetched after."""

    rows: list[DeviceRow] = field(default_factory=list)
    outcomes: dict[str, ChangeOutcome] = field(default_factory=dict)
    after: dict[str, str | None] = field(default_factory=dict)


def failure(multi: MultiResult) -> str:
    """The innermost error of a failed host, in one line."""
    for result in reversed(list(multi)):
        exc = result.exception
        if exc is not None and not isinstance(exc, NornirSubTaskError):
            text = " ".join(str(exc).split()) or type(exc).__name__
            return text if len(text) < 400 else text[:397] + "..."
    for result in multi:
        if isinstance(result.result, ChangeOutcome) and result.result.problems:
            return "; ".join(result.result.problems)
    return "failed"


# -- grouped tasks: one per device, with that device's own values --------------------------


def per_host(
    task: Task, subtask: Callable[..., Any], per_host: Mapping[str, Any], **kwargs: Any
) -> Result:
    """Run ``subtask`` with this host's own keyword arguments; pass its result up, failed or not."""
    try:
        inner = task.run(task=subtask, **per_host[task.host.name], **kwargs)[0]
    except NornirSubTaskError as exc:
        inner = exc.result[0]
        if inner.result is None:
            return Result(host=task.host, result=None, failed=True, exception=exc)
    return Result(
        host=task.host,
        result=inner.result,
        diff=inner.diff,
        changed=inner.changed,
        failed=inner.failed,
    )

"""The one change record every job writes, with one status vocabulary for all capabilities."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from dzict.ticketlog import TicketLog


class Status(StrEnum):
    """How a target ended. The same words for every capability."""

    APPLIED = "applied"  # changed as intended and verified
    UNCHANGED = "unchanged"  # already as intended: nothing done
    REJECTED = "rejected"  # refused before any change (a check, a gate, a stale plan)
    ROLLED_BACK = "rolled-back"  # changed, failed its checks, put back by us
    REVERTING = "reverting"  # lost after its commit: waiting for the device's own timer
    REVERTED = "reverted"  # lost after its commit, put back by the device's own timer
    NOT_REVERTED = "not-reverted"  # lost after its commit and not back as it was: look now
    FAILED = "failed"  # went wrong; what it left is in the details
    SKIPPED = "skipped"  # not started: an earlier stage failed
    UNREACHABLE = "unreachable"  # could not be contacted
    OK = "ok"  # a run that changes no configuration (backup, check, drill) succeeded

    @property
    def good(self) -> bool:
        """True for the endings that need nobody's attention."""
        return self in (Status.APPLIED, Status.UNCHANGED, Status.OK)


@dataclass(frozen=True)
class ChangeRecord:
    """One event of a job under a ticket: what ran, on what, how it ended, and the evidence."""

    task: str
    targets: Sequence[str]
    status: Status
    diff: str | None = None
    before: str | dict[str, str] | None = None
    after: str | dict[str, str] | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Recorder:
    """Writes a job's change records into the ticket log under one ticket and one officer."""

    log: TicketLog
    ticket: str
    officer: str

    def record(self, rec: ChangeRecord) -> None:
        """Append one record (the ticket log masks secrets and refuses non-JSON details)."""
        self.log.change(
            self.ticket,
            rec.task,
            list(rec.targets),
            str(rec.status),
            diff=rec.diff or None,
            before=rec.before,
            after=rec.after,
            officer=self.officer,
            **dict(rec.details),
        )

    def note(self, text: str) -> None:
        """A note on the ticket under the officer's name."""
        self.log.note(self.ticket, text, officer=self.officer)

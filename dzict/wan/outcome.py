"""What one device change came to, as the ticket log and the summary table show it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

#: Outcome statuses: the change is in; nothing to change; the dry run; undone by us; left to
#: the device's own commit-confirm timer; the candidate was refused (or the running config was
#: no longer the one a reviewed plan was made against); the device was not reached; its stage
#: never started.
STATUSES = (
    "applied",
    "unchanged",
    "planned",
    "rolled-back",
    "reverting",
    "reverted",
    "not-reverted",
    "rejected",
    "failed",
    "skipped",
)


def config_hash(config: str | None) -> str | None:
    """SHA-256 of a configuration text (None stays None)."""
    if config is None:
        return None
    return hashlib.sha256(config.encode("utf-8")).hexdigest()


@dataclass
class ChangeOutcome:
    """One device's change: status, hashes of the running config before and after, problems.

    ``running_after`` is the running config's text fetched after the change, for the job to save
    (never logged or shown).
    """

    status: str
    before: str | None = None
    after: str | None = None
    problems: list[str] = field(default_factory=list)
    revert_in: int | None = None
    committed_at: float | None = None
    running_after: str | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """True when the device ends in its intended (or unchanged) state."""
        return self.status in ("applied", "unchanged", "planned")

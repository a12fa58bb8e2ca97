"""``backup.check``: ``restic check --read-data-subset`` on each member's repository.

``auto`` reads one seventh of the data each day, a different seventh each day of the week, so
every pack is read once a week without reading the whole repository daily. A failed check is
recorded, makes ``backup.status`` show FAILED and shuts the backup-before-change gate until a
check passes again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dzict.backup.remote import AgentAnswer, run_agent
from dzict.backup.status import now, record_check
from dzict.exceptions import BackupError
from dzict.inventory.model import Inventory

__all__ = ["CheckOutcome", "backup_check", "check_message", "subset_for"]

AUTO_GROUPS = 7
SUBSET = re.compile(r"^(\d+/\d+|\d+(\.\d+)?%|\d+[KMGT]?)$")
ERROR_WORDS = (
    "error", "fatal", "does not match", "damaged", "invalid", "unable", "wrong",
    "connect to host", "timed out", "refused", "no route", "permission denied",
    "host key", "locked",
)  # fmt: skip


@dataclass(frozen=True)
class CheckOutcome:
    """One repository's check: passed or not, and restic's own words when not."""

    host: str
    ok: bool
    message: str
    subset: str


def subset_for(subset: str, today: date | None = None) -> str:
    """The ``--read-data-subset`` value: ``auto`` is today's seventh; others are checked."""
    if subset == "auto":
        day = (today or now().date()).toordinal()
        return f"{day % AUTO_GROUPS + 1}/{AUTO_GROUPS}"
    if not SUBSET.match(subset):
        raise BackupError(f"--subset {subset}: expected auto, n/t (2/7), a percentage or a size")
    return subset


def check_message(answer: AgentAnswer) -> str:
    """restic's error lines (a damaged pack names itself), else the reason the agent gave."""
    if answer.unreachable:
        return answer.reason
    lines = [ln.strip() for ln in answer.stderr.splitlines()]
    hits = [ln for ln in lines if any(w in ln.lower() for w in ERROR_WORDS)]
    return "; ".join(dict.fromkeys(hits)) if hits else answer.reason


def backup_check(
    inventory: Inventory,
    members: Sequence[str],
    subset: str = "auto",
    status_file: Path | None = None,
    control_dir: Path | None = None,
) -> list[CheckOutcome]:
    """Check every member's repository, record each outcome."""
    chosen = subset_for(subset)
    args = ["restic", "--", "check", "--read-data-subset", chosen]
    answers = run_agent(inventory, dict.fromkeys(members, args), control_dir)
    outcomes = []
    for member in members:
        answer = answers[member]
        message = "" if answer.ok else check_message(answer)
        outcome = CheckOutcome(member, answer.ok, message, chosen)
        record_check(member, "ok" if outcome.ok else "failed", message, path=status_file)
        outcomes.append(outcome)
    return outcomes

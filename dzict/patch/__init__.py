"""Patching PCs and servers: run the playbooks, read each host's outcome, write reports."""

from dzict.patch.outcome import HostOutcome, Update, outcomes_from_events

__all__ = ["HostOutcome", "Update", "outcomes_from_events"]

"""Every exception the ticket log raises on purpose.

The ticket log stands alone (it imports nothing else of ``dzict``), so its errors live here;
``dzict.exceptions`` re-exports them. Each message is one line an officer can act on.
"""

from __future__ import annotations


class TicketBaseError(Exception):
    """Base class of the ticket log's own errors."""


class TicketError(TicketBaseError):
    """A ticket operation was refused: unknown or closed ticket, or an invalid field."""


class TicketClockError(TicketError):
    """The clock reads earlier than the last event: events never go back in time."""


class TicketLogError(TicketBaseError):
    """The ticket log file cannot be appended to as it stands; `line` names the line at fault."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class TicketLogTampered(TicketLogError):
    """The ticket log or its head no longer match: a line was edited, removed, moved or inserted."""


class TicketLogTorn(TicketLogError):
    """The last line of the ticket log is incomplete (a write was cut short); run the repair."""


class TicketLogUnreadable(TicketLogError):
    """The log or its head cannot be read: a folder, no permission, an I/O error."""


class TicketLogWriteError(TicketLogError):
    """An append could not be made durable (disk full, read-only, I/O error).

    Nothing of that append stays in the log, so a retry records the event once.
    """


class TicketKeyError(TicketLogError):
    """The signing key is missing, too short, or not the key the log was signed with."""

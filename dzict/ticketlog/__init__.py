"""The ticket log: an append-only, hash-chained, signed JSON Lines file recording every change.

Default path ``var/ticket-log.jsonl`` (argument, then $DZICT_TICKET_LOG, then the Invoke
``ticket_log`` setting); its head (event count, last hash, size and time, sealed) sits beside
it in ``.head``. The package stands alone: it imports nothing else of ``dzict``; the caller
passes the signing key as bytes.
"""

from dzict.ticketlog.chain import GENESIS, Head
from dzict.ticketlog.exceptions import (
    TicketBaseError,
    TicketClockError,
    TicketError,
    TicketKeyError,
    TicketLogError,
    TicketLogTampered,
    TicketLogTorn,
    TicketLogUnreadable,
    TicketLogWriteError,
)
from dzict.ticketlog.headfile import HeadRecord
from dzict.ticketlog.log import DEFAULT_PATH, DIFF_LIMIT, ENV_VAR, TicketLog, resolve_path
from dzict.ticketlog.models import (
    CHANNELS,
    NOTE_VISIBILITY,
    PRIORITIES,
    SCHEDULED,
    Event,
    Requester,
    TicketSummary,
)
from dzict.ticketlog.store import head_path
from dzict.ticketlog.verify import EXIT_CODES, VerifyResult

__all__ = [
    "CHANNELS",
    "DEFAULT_PATH",
    "DIFF_LIMIT",
    "ENV_VAR",
    "EXIT_CODES",
    "GENESIS",
    "NOTE_VISIBILITY",
    "PRIORITIES",
    "SCHEDULED",
    "Event",
    "Head",
    "HeadRecord",
    "Requester",
    "TicketBaseError",
    "TicketClockError",
    "TicketError",
    "TicketKeyError",
    "TicketLog",
    "TicketLogError",
    "TicketLogTampered",
    "TicketLogTorn",
    "TicketLogUnreadable",
    "TicketLogWriteError",
    "TicketSummary",
    "VerifyResult",
    "head_path",
    "resolve_path",
]

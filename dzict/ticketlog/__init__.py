"""The ticket log: an append-only, hash-chained JSON Lines file recording every change.

Default path ``var/ticket-log.jsonl`` (argument, then $DZICT_TICKET_LOG, then the Invoke
``ticket_log`` setting); its head (event count and last hash) sits beside it in ``.head``.
"""

from dzict.ticketlog.chain import GENESIS, Head, VerifyResult
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

__all__ = [
    "CHANNELS",
    "DEFAULT_PATH",
    "DIFF_LIMIT",
    "ENV_VAR",
    "GENESIS",
    "NOTE_VISIBILITY",
    "PRIORITIES",
    "SCHEDULED",
    "Event",
    "Head",
    "Requester",
    "TicketLog",
    "TicketSummary",
    "VerifyResult",
    "resolve_path",
]

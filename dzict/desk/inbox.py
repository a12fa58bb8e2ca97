"""The e-mail fallback: a ticket per new message, replies as notes, an answer with the id.

A message whose subject names a ticket of the log (``[PNK-2026-0042]``, as the desk's answers
carry it) is added to that ticket as a note; any other message opens a ticket on channel
``email``, the sender as requester (agency and office from the inventory's site contacts when
the address is one of them), and is answered with the ticket id and its tracking link. The
Message-ID (else the message's SHA-256) is kept with the ticket, so a message read twice opens
one ticket.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from dzict.desk.forms import TEXT_MAX
from dzict.desk.mail import Incoming, MailConfig, compose, mailbox, send
from dzict.desk.service import TOKEN_BYTES, Desk, token_hash
from dzict.exceptions import MailError
from dzict.ticketlog import Requester

UNKNOWN_AGENCY = "Unknown agency (e-mail)"
CATEGORY = "other"
SUMMARY_MAX = 100
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Handled:
    """What became of one message."""

    uid: str
    sender: str
    action: str  # opened, reply, duplicate, ignored
    ticket: str = ""
    detail: str = ""


def plain(text: str, limit: int = TEXT_MAX) -> str:
    """Mail text as the log keeps it: NFC, no control characters, at most `limit` characters."""
    clean = _CONTROL.sub("", unicodedata.normalize("NFC", text.replace("\r\n", "\n"))).strip()
    return clean if len(clean) <= limit else clean[: limit - 8].rstrip() + "\n[…cut]"


class Inbox:
    """One pass over the desk's mailbox."""

    def __init__(
        self, desk: Desk, config: MailConfig, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.desk = desk
        self.config = config
        self._clock = clock or (lambda: datetime.now(UTC))

    def run(self) -> list[Handled]:
        """Handle every unseen message, marking each seen once it is in the log."""
        handled = []
        with mailbox(self.config) as box:
            for message in box.unseen():
                handled.append(self.handle(message))
                box.seen(message.uid)
        return handled

    def handle(self, message: Incoming) -> Handled:
        """Open a ticket for a new request, or add a reply to its ticket."""
        if message.automatic or not message.sender:
            return Handled(message.uid, message.sender, "ignored", detail="automatic message")
        board = self.desk.board()
        ref = message.ticket_ref
        if ref and ref in board.tickets:
            text = plain(f"E-mail from {message.sender}: {message.subject}\n\n{message.text}")
            self.desk.log.note(ref, text, f"e-mail from {message.sender}")
            return Handled(message.uid, message.sender, "reply", ref)
        if message.message_id and message.message_id in board.by_reference:
            return Handled(
                message.uid, message.sender, "duplicate", board.by_reference[message.message_id]
            )
        return self._open(message)

    def _open(self, message: Incoming) -> Handled:
        office = self.desk.catalogue.office_of_contact(message.sender)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        subject = plain(message.subject, SUMMARY_MAX) or "(no subject)"
        now = self._clock()
        ticket = self.desk.log.open(
            office.agency if office else UNKNOWN_AGENCY,
            CATEGORY,
            "email",
            "normal",
            subject,
            f"e-mail from {message.sender}",
            office=office.key if office else None,
            requester=Requester(message.sender_name or message.sender, "", message.sender),
            description=plain(message.text) or subject,
            received=min(message.date, now) if message.date else None,
            tracking_sha256=token_hash(token),
            reference=message.reference,
        )
        detail = self._answer(message, ticket, token)
        return Handled(message.uid, message.sender, "opened", ticket, detail)

    def _answer(self, message: Incoming, ticket: str, token: str) -> str:
        """Answer the sender with the ticket id and link; a failure is noted on the ticket."""
        text = (
            f"Your request was received by the ICT Services Unit as {ticket}.\n\n"
            f"Follow it here: {self.config.base_url}/t/{token}\n\n"
            f"To add to the request, reply to this message and keep {ticket} in the subject.\n"
        )
        subject = f"[{ticket}] {plain(message.subject, SUMMARY_MAX) or 'your request'}"
        try:
            send(
                self.config, compose(self.config, message.sender, subject, text, message.message_id)
            )
        except MailError as exc:
            self.desk.log.note(ticket, f"the answer could not be sent: {exc}", "e-mail")
            return f"answer not sent: {exc}"
        return "answered"

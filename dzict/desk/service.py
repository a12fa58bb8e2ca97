"""The desk's actions, each one append to the ticket log through its public API."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from dzict.desk.accounts import OfficerStore
from dzict.desk.board import Board, BoardCache
from dzict.desk.calendar import policy_of
from dzict.desk.catalogue import Catalogue, catalogue_of
from dzict.desk.config import DeskConfig
from dzict.desk.forms import AgencyRequest, Entered
from dzict.desk.mail import compose, mail_config, send
from dzict.desk.sla import Due, dues
from dzict.desk.tat import Measured, measure
from dzict.exceptions import MailError
from dzict.jobs import RunContext
from dzict.ticketlog import TicketLog

#: The name under which agencies' own online requests are opened.
ONLINE_FORM = "online form"
TOKEN_BYTES = 24


@dataclass(frozen=True)
class Receipt:
    """What a requester keeps: the ticket id and the tracking token (shown once, never stored)."""

    ticket: str
    token: str


def token_hash(token: str) -> str:
    """The SHA-256 of a tracking token: what the log stores and the index looks up."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Desk:
    """The service desk of one run: its log, inventory choices, officers and settings."""

    def __init__(self, run: RunContext, config: DeskConfig) -> None:
        self.config = config
        self.log: TicketLog = run.ticket_log
        self.catalogue: Catalogue = catalogue_of(run.inventory)
        self.officers = OfficerStore(config.officers, config.lockout, config.lockout_minutes)
        self.mail = mail_config(run.settings)
        self.policy = policy_of(run.inventory)
        self._boards = BoardCache(self.log)

    def board(self) -> Board:
        """Every ticket as it stands, folded from the log."""
        return self._boards.board()

    def dues(self, now: datetime | None = None) -> dict[str, Due]:
        """Each open ticket's clock and time left to its target (none without a calendar)."""
        if self.policy is None:
            return {}
        return dues(self._boards.events(), self.policy, now or datetime.now(UTC))

    def measured(self) -> list[Measured]:
        """Every ticket's working-time TTO and TTR (none without a calendar)."""
        if self.policy is None:
            return []
        return measure(self._boards.events(), self.policy)

    def pause(self, ticket: str, reason: str, officer: str) -> None:
        """Stop the ticket's clock while the unit waits for the agency."""
        self.log.pause(ticket, reason, officer)

    def resume(self, ticket: str, officer: str) -> None:
        """Start the ticket's clock again."""
        self.log.resume(ticket, officer)

    def submit(self, request: AgencyRequest) -> Receipt:
        """Open a ticket for an agency's online request; the receipt carries the new token."""
        return self._open(request, "online-form", ONLINE_FORM, None)

    def enter(self, entered: Entered, officer: str) -> Receipt:
        """Open a ticket for a request an officer took by phone, fax, walk-in or e-mail."""
        return self._open(entered.request, entered.channel, officer, entered.received)

    def take(self, ticket: str, officer: str) -> None:
        """The officer owns the ticket from now."""
        self.log.assign(ticket, officer, officer)

    def assign(self, ticket: str, assignee: str, officer: str) -> None:
        """Give the ticket to another officer."""
        self.log.assign(ticket, assignee, officer)

    def note(self, ticket: str, text: str, visibility: str, officer: str) -> None:
        """A note, internal or for the requester."""
        self.log.note(ticket, text, officer, visibility=visibility)

    def close(self, ticket: str, resolution: str, officer: str) -> str:
        """Close the ticket with what was done (the requester reads it, and gets it by e-mail
        when the desk has a mailbox and the requester an address); what became of the mail."""
        self.log.close(ticket, resolution, officer)
        closed = self.board().tickets.get(ticket)
        if self.mail is None or closed is None or not closed.requester:
            return ""
        if not closed.requester.email:
            return ""
        text = (
            f"Your request {ticket} to the ICT Services Unit is closed.\n\n"
            f"What was done: {resolution}\n\n"
            f"If the problem is back, reply to this message and keep {ticket} in the subject.\n"
        )
        subject = f"[{ticket}] closed: {closed.summary}"
        try:
            send(self.mail, compose(self.mail, closed.requester.email, subject, text))
        except MailError as exc:
            self.log.note(ticket, f"the closing e-mail could not be sent: {exc}", officer)
            return f"The closing e-mail could not be sent: {exc}"
        return f"The requester was e-mailed at {closed.requester.email}."

    def _open(
        self, request: AgencyRequest, channel: str, officer: str, received: datetime | None
    ) -> Receipt:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        ticket = self.log.open(
            request.agency,
            request.category,
            channel,
            "normal",
            request.summary,
            officer,
            office=request.office.key,
            requester=request.requester,
            description=request.description,
            received=received,
            tracking_sha256=token_hash(token),
        )
        return Receipt(ticket, token)

"""The desk's forms, checked field by field: a clear line per field at fault, or clean values.

Text is kept as typed (Unicode NFC, so Dzongkha and English compare and show alike), trimmed,
within its length, without control characters and without HTML tags: the desk stores plain
text and escapes everything it shows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dzict.desk.catalogue import ENTERED_CHANNELS, Catalogue, Office
from dzict.exceptions import FormRejected
from dzict.ticketlog import NOTE_VISIBILITY, Requester

NAME_MAX = 100
PHONE_MAX = 30
EMAIL_MAX = 254
TEXT_MAX = 4000
SUMMARY_MAX = 100
DESCRIPTION_MIN = 10
#: Requests entered by officers: received at most this long ago.
RECEIVED_WINDOW = timedelta(days=90)
CLOCK_SLACK = timedelta(minutes=2)

_TAG = re.compile(r"<\s*[A-Za-z!/?]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{5,24}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_LOCAL_TIME = "%Y-%m-%dT%H:%M"


@dataclass(frozen=True)
class AgencyRequest:
    """A request as the form gave it, every field checked."""

    agency: str
    office: Office
    requester: Requester
    category: str
    description: str

    @property
    def summary(self) -> str:
        """The first line of the description, cut to a queue row's length."""
        first = self.description.splitlines()[0].strip()
        return first if len(first) <= SUMMARY_MAX else first[: SUMMARY_MAX - 1] + "…"


@dataclass(frozen=True)
class Entered:
    """A request an officer enters: how it came and when the unit received it."""

    request: AgencyRequest
    channel: str
    received: datetime


class Fields:
    """Reads a submitted form field by field, collecting one problem per field at fault."""

    def __init__(self, form: Mapping[str, str]) -> None:
        self.form = form
        self.problems: dict[str, str] = {}

    def text(self, field: str, label: str, limit: int, required: bool = True) -> str:
        """A plain text field: NFC, trimmed, within `limit`, no control characters or tags."""
        value = unicodedata.normalize("NFC", str(self.form.get(field, ""))).strip()
        value = value.replace("\r\n", "\n")
        if not value:
            if required:
                self.problems[field] = f"{label} is required"
        elif len(value) > limit:
            self.problems[field] = f"{label} is too long ({len(value)} characters, at most {limit})"
        elif _CONTROL.search(value):
            self.problems[field] = f"{label} holds control characters"
        elif _TAG.search(value):
            self.problems[field] = (
                f"{label}: HTML tags such as <script> are not accepted; write plain text"
            )
        return value

    def choice(self, field: str, label: str, allowed: Mapping[str, str] | tuple[str, ...]) -> str:
        """A value that must be one of `allowed`."""
        value = str(self.form.get(field, "")).strip()
        if value not in allowed:
            self.problems[field] = f"{label}: choose one of the list"
        return value

    def fail_if_any(self) -> None:
        """Raise FormRejected when a field was at fault."""
        if self.problems:
            raise FormRejected(dict(self.problems))


def parse_request(form: Mapping[str, str], catalogue: Catalogue) -> AgencyRequest:
    """An agency's request from the form; FormRejected names every field at fault."""
    fields = Fields(form)
    agency = fields.choice("agency", "Agency", catalogue.agencies)
    office_key = fields.choice("office", "Office or gewog", tuple(o.key for o in catalogue.offices))
    name = fields.text("name", "Your name", NAME_MAX)
    phone = fields.text("phone", "Phone", PHONE_MAX, required=False)
    email = fields.text("email", "E-mail", EMAIL_MAX, required=False)
    category = fields.choice("category", "Category", catalogue.categories)
    description = fields.text("description", "Description", TEXT_MAX)
    _contact(fields, phone, email)
    if "description" not in fields.problems and len(description) < DESCRIPTION_MIN:
        fields.problems["description"] = (
            f"Description is too short: say what is wrong in at least {DESCRIPTION_MIN} characters"
        )
    fields.fail_if_any()
    office = catalogue.office(office_key)
    assert office is not None  # checked by the choice above
    return AgencyRequest(agency, office, Requester(name, phone, email), category, description)


def _contact(fields: Fields, phone: str, email: str) -> None:
    """A phone number or an e-mail address (or both), each well formed."""
    if phone and "phone" not in fields.problems and not _PHONE.fullmatch(phone):
        fields.problems["phone"] = "Phone: digits, spaces, ( ) - and a leading + only"
    if email and "email" not in fields.problems and not _EMAIL.fullmatch(email):
        fields.problems["email"] = "E-mail: not an address like name@agency.gov.bt"
    if not phone and not email and "phone" not in fields.problems:
        fields.problems["phone"] = "Phone or e-mail: give at least one, so the unit can reach you"


def parse_entered(
    form: Mapping[str, str], catalogue: Catalogue, zone: ZoneInfo, now: datetime | None = None
) -> Entered:
    """A phone, fax, walk-in or e-mail request an officer enters, with the time received."""
    problems: dict[str, str] = {}
    request: AgencyRequest | None = None
    try:
        request = parse_request(form, catalogue)
    except FormRejected as exc:
        problems.update(exc.problems)
    fields = Fields(form)
    channel = fields.choice("channel", "Channel", ENTERED_CHANNELS)
    received = _received(fields, zone, now or datetime.now(UTC))
    problems.update(fields.problems)
    if problems or request is None or received is None:
        raise FormRejected(problems)
    return Entered(request, channel, received)


def _received(fields: Fields, zone: ZoneInfo, now: datetime) -> datetime | None:
    raw = str(fields.form.get("received", "")).strip()
    try:
        local = datetime.strptime(raw, _LOCAL_TIME)
    except ValueError:
        fields.problems["received"] = "Received: a date and time like 2026-03-02T09:30"
        return None
    received = local.replace(tzinfo=zone)
    if received > now + CLOCK_SLACK:
        fields.problems["received"] = "Received: the time is in the future"
    elif received < now - RECEIVED_WINDOW:
        fields.problems["received"] = f"Received: more than {RECEIVED_WINDOW.days} days ago"
    return min(received, now)


def parse_note(form: Mapping[str, str]) -> tuple[str, str]:
    """A note's text and who it is for (internal, or the requester)."""
    fields = Fields(form)
    text = fields.text("text", "Note", TEXT_MAX)
    visibility = fields.choice("visibility", "Note for", NOTE_VISIBILITY)
    fields.fail_if_any()
    return text, visibility


def parse_resolution(form: Mapping[str, str]) -> str:
    """What was done, to close a ticket with."""
    fields = Fields(form)
    resolution = fields.text("resolution", "Resolution", TEXT_MAX)
    fields.fail_if_any()
    return resolution


def parse_assignee(form: Mapping[str, str], officers: tuple[str, ...]) -> str:
    """The officer a ticket is given to."""
    fields = Fields(form)
    assignee = fields.choice("assignee", "Assign to", officers)
    fields.fail_if_any()
    return assignee


def parse_reason(form: Mapping[str, str]) -> str:
    """What the unit waits for from the agency, to stop the clock with."""
    fields = Fields(form)
    reason = fields.text("reason", "Waiting for", NAME_MAX * 2)
    fields.fail_if_any()
    return reason

"""The desk's mailbox: read new messages over IMAP, send answers over SMTP (standard library).

TLS is ``starttls`` (default), ``ssl`` (IMAPS 993 / SMTPS 465 style ports) or ``none`` (only for
a lab server on a private network); certificates are checked against the system's CAs or
``desk_mail_cafile``. The mailbox password is read from ``desk_mail_password_file``, never a flag.
"""

from __future__ import annotations

import hashlib
import imaplib
import re
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr, parsedate_to_datetime
from pathlib import Path

from dzict.exceptions import DeskError, MailError
from dzict.jobs import Settings

TLS_MODES = ("starttls", "ssl", "none")
TICKET_REF = re.compile(r"\b([A-Z]{2,6}-\d{4}-\d{4,})\b")
TIMEOUT = 30


@dataclass(frozen=True)
class MailConfig:
    """Where the desk's mailbox is, how to log in, and the address and links it answers with."""

    host: str
    imap_port: int
    smtp_port: int
    user: str
    password: str
    address: str
    tls: str
    cafile: Path | None
    base_url: str


@dataclass(frozen=True)
class Incoming:
    """A new message in the mailbox, read without marking it seen."""

    uid: str
    message_id: str
    sender_name: str
    sender: str
    subject: str
    text: str
    date: datetime | None
    automatic: bool = False
    digest: str = ""

    @property
    def reference(self) -> str:
        """What keeps the message from opening two tickets: its Message-ID, else its digest."""
        return self.message_id or f"sha256:{self.digest}"

    @property
    def ticket_ref(self) -> str | None:
        """The ticket id the subject names (a reply to an answer of the desk), if any."""
        found = TICKET_REF.search(self.subject.upper())
        return found.group(1) if found else None


def mail_config(settings: Settings) -> MailConfig | None:
    """The mailbox settings; None when no mail host is set (the desk then sends no mail)."""
    host = settings["desk_mail_host"].strip()
    if not host:
        return None
    tls = settings["desk_mail_tls"].strip().lower()
    if tls not in TLS_MODES:
        raise DeskError(f"setting desk_mail_tls must be one of {', '.join(TLS_MODES)}, not {tls!r}")
    user, address = settings["desk_mail_user"].strip(), settings["desk_mail_address"].strip()
    if not user or "@" not in address:
        raise DeskError("set desk_mail_user and desk_mail_address (the unit's address) for e-mail")
    path = settings.path("desk_mail_password_file")
    try:
        password = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise DeskError(f"cannot read the mailbox password file {path}: {exc.strerror}") from None
    cafile = settings["desk_mail_cafile"].strip()
    return MailConfig(
        host=host,
        imap_port=settings.number("desk_mail_imap_port"),
        smtp_port=settings.number("desk_mail_smtp_port"),
        user=user,
        password=password,
        address=address,
        tls=tls,
        cafile=settings.path("desk_mail_cafile") if cafile else None,
        base_url=settings["desk_base_url"].rstrip("/"),
    )


def _context(config: MailConfig) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(config.cafile) if config.cafile else None)


def parse_message(uid: str, raw: bytes) -> Incoming:
    """A message's sender, subject, plain text and date (HTML-only mail: its text as sent)."""
    message = message_from_bytes(raw, _class=EmailMessage, policy=policy.default)
    name, sender = parseaddr(str(message.get("From", "")))
    body = message.get_body(preferencelist=("plain", "html"))
    text = body.get_content() if body is not None else ""
    try:
        date = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        date = None
    return Incoming(
        uid=uid,
        message_id=str(message.get("Message-ID", "")).strip(),
        sender_name=name.strip(),
        sender=sender.strip().lower(),
        subject=str(message.get("Subject", "")).strip(),
        text=str(text).strip(),
        date=date if date is not None and date.tzinfo is not None else None,
        automatic=_automatic(message, sender),
        digest=hashlib.sha256(raw).hexdigest(),
    )


def _automatic(message: EmailMessage, sender: str) -> bool:
    """A bounce, an auto-reply or a list message: never answered, so no mail loops."""
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    local = sender.split("@", 1)[0].lower()
    return (
        auto != "no"
        or precedence in ("bulk", "junk", "list", "auto_reply")
        or local in ("mailer-daemon", "postmaster", "")
    )


class Mailbox:
    """An IMAP session on the desk's INBOX."""

    def __init__(self, imap: imaplib.IMAP4) -> None:
        self.imap = imap

    def unseen(self) -> list[Incoming]:
        """Every message not yet seen, oldest first, left unseen until `seen` is called."""
        status, data = self.imap.uid("SEARCH", "UNSEEN")
        _check(status, "search the mailbox")
        messages = []
        for uid in (data[0] or b"").decode().split():
            status, parts = self.imap.uid("FETCH", uid, "(BODY.PEEK[])")
            _check(status, f"fetch message {uid}")
            raw = next(p[1] for p in parts if isinstance(p, tuple))
            messages.append(parse_message(uid, raw))
        return messages

    def seen(self, uid: str) -> None:
        """Mark a message handled."""
        status, _ = self.imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        _check(status, f"mark message {uid} seen")


def _check(status: str, what: str) -> None:
    if status != "OK":
        raise MailError(f"IMAP server refused to {what}: {status}")


@contextmanager
def mailbox(config: MailConfig) -> Iterator[Mailbox]:
    """The desk's INBOX, logged in; one clear line when the server cannot be reached."""
    where = f"{config.host}:{config.imap_port}"
    try:
        if config.tls == "ssl":
            imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                config.host, config.imap_port, ssl_context=_context(config), timeout=TIMEOUT
            )
        else:
            imap = imaplib.IMAP4(config.host, config.imap_port, timeout=TIMEOUT)
            if config.tls == "starttls":
                imap.starttls(ssl_context=_context(config))
        imap.login(config.user, config.password)
        _check(imap.select("INBOX")[0], "open INBOX")
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailError(f"mailbox {config.user} on {where}: {exc}") from None
    try:
        yield Mailbox(imap)
    finally:
        with suppress(OSError, imaplib.IMAP4.error):
            imap.logout()


def compose(
    config: MailConfig, to: str, subject: str, text: str, in_reply_to: str = ""
) -> EmailMessage:
    """A plain-text message from the desk's address."""
    message = EmailMessage()
    message["From"] = Address("ICT Services Unit", addr_spec=config.address)
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=config.address.split("@", 1)[1])
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(text)
    return message


def send(config: MailConfig, message: EmailMessage) -> None:
    """Send over SMTP, logging in when the server offers it; MailError in one line otherwise."""
    where = f"{config.host}:{config.smtp_port}"
    try:
        if config.tls == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host, config.smtp_port, context=_context(config), timeout=TIMEOUT
            )
        else:
            smtp = smtplib.SMTP(config.host, config.smtp_port, timeout=TIMEOUT)
        with smtp:
            if config.tls == "starttls":
                smtp.starttls(context=_context(config))
            smtp.ehlo()
            if smtp.has_extn("auth"):
                smtp.login(config.user, config.password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"sending to {message['To']} through {where}: {exc}") from None

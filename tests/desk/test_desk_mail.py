"""The e-mail fallback against a real Postfix and Dovecot (a lab container, prefix dzdk).

An agency's message becomes a ticket and is answered with the ticket id and tracking link; the
agency's reply lands on the same ticket as a note; closing the ticket mails the agency.
"""

from __future__ import annotations

import hashlib
import imaplib
import os
import re
import smtplib
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from desk_support import DeskSite, login, make_site, send
from mail_lab import DOMAIN, MailServer, mail_server

from dzict.inventory import Inventory

pytestmark = pytest.mark.lab
ROOT = Path(__file__).resolve().parents[2]
BASE_URL = "https://desk.lab.invalid"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailServer]:
    with mail_server(tmp_path_factory.mktemp("mail")) as running:
        yield running


def _settings(server: MailServer, folder: Path) -> dict[str, str]:
    (folder / "mail-password").write_text(server.users["desk"] + "\n")
    return {
        "desk_mail_host": server.address,
        "desk_mail_user": "desk",
        "desk_mail_address": f"desk@{DOMAIN}",
        "desk_mail_password_file": str(folder / "mail-password"),
        "desk_mail_cafile": str(server.cafile),
        "desk_base_url": BASE_URL,
    }


def _context(server: MailServer) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(server.cafile))


def _mail_from_guma(server: MailServer, subject: str, text: str) -> None:
    message = EmailMessage()
    message["From"] = f"Guma focal person <guma@{DOMAIN}>"
    message["To"] = f"desk@{DOMAIN}"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=DOMAIN)  # as a mail client writes it
    message.set_content(text)
    with smtplib.SMTP(server.address, 25, timeout=30) as smtp:
        smtp.starttls(context=_context(server))
        smtp.send_message(message)


def _inbox(server: MailServer, user: str, count: int) -> list[EmailMessage]:
    """The user's messages once there are `count` of them (mail takes a moment to arrive)."""
    deadline = time.monotonic() + 60
    while True:
        imap = imaplib.IMAP4(server.address, 143, timeout=30)
        imap.starttls(ssl_context=_context(server))
        imap.login(user, server.users[user])
        imap.select("INBOX", readonly=True)
        _, data = imap.search(None, "ALL")
        numbers = (data[0] or b"").split()
        if len(numbers) >= count or time.monotonic() > deadline:
            messages = []
            for number in numbers:
                _, parts = imap.fetch(number, "(BODY.PEEK[])")
                raw = next(p[1] for p in parts if isinstance(p, tuple))
                messages.append(message_from_bytes(raw, _class=EmailMessage, policy=policy.default))
            imap.logout()
            assert len(messages) == count
            return messages
        imap.logout()
        time.sleep(0.5)


def _desk_mail(site: DeskSite, flags: dict[str, str]) -> str:
    env = {
        **os.environ,
        "DZICT_INVENTORY": str(site.run.inventory.root),
        "DZICT_TICKET_LOG": str(site.log.path),
        "DZICT_DESK_OFFICERS": str(site.root / "officers.json"),
        "DZICT_DESK_SECRET": str(site.root / "secret.key"),
        **{f"DZICT_{key.upper()}": value for key, value in flags.items()},
    }
    done = subprocess.run(
        [sys.executable, "-m", "invoke", "desk.mail"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_message_becomes_a_ticket_replies_become_notes_closing_mails_back(
    server: MailServer, tmp_path: Path, lab_inventory: Inventory
) -> None:
    flags = _settings(server, tmp_path)
    site = make_site(tmp_path, lab_inventory, **flags)
    text = "The printer in the Gewog office shows E3.\nཔར་འཕྲུལ་ ལཱ་མི་འབད།"
    _mail_from_guma(server, "Printer not printing", text)
    _inbox(server, "desk", 1)
    first = _desk_mail(site, flags)
    [ticket] = site.log.tickets()
    assert re.search(rf"opened\s+{ticket.id}\s+guma@{DOMAIN} answered", first)
    assert "1 message(s) read" in first
    [opened] = site.events()
    assert (opened["channel"], opened["office"], opened["agency"]) == (
        "email",
        "guma",
        lab_inventory.sites["guma"].agency,
    )
    assert opened["requester"]["email"] == f"guma@{DOMAIN}"
    assert opened["description"] == text
    assert opened["summary"] == "Printer not printing"
    assert opened["reference"].endswith(f"@{DOMAIN}>")

    [answer] = _inbox(server, "guma", 1)
    assert answer["Subject"] == f"[{ticket.id}] Printer not printing"
    body = answer.get_content()
    assert f"received by the ICT Services Unit as {ticket.id}" in body
    token = re.search(rf"{BASE_URL}/t/([A-Za-z0-9_-]+)", body)
    assert token
    assert hashlib.sha256(token.group(1).encode()).hexdigest() == opened["tracking_sha256"]

    _mail_from_guma(server, f"Re: [{ticket.id}] Printer not printing", "It also smells burnt.")
    _inbox(server, "desk", 2)
    second = _desk_mail(site, flags)
    assert re.search(rf"reply\s+{ticket.id}\s+guma@{DOMAIN}", second)
    assert [e["event"] for e in site.log.events(ticket.id)] == ["opened", "note"]
    assert "It also smells burnt." in site.log.events(ticket.id)[1]["text"]
    assert "0 message(s) read" in _desk_mail(site, flags)  # each message is read once
    assert len(site.log.tickets()) == 1

    client = site.client()
    login(client)
    closed = send(client, f"/officer/tickets/{ticket.id}/close", {"resolution": "Fuser replaced."})
    page = client.get(closed.headers["Location"]).get_data(as_text=True)
    assert f"The requester was e-mailed at guma@{DOMAIN}." in page
    closing = _inbox(server, "guma", 2)[1]
    assert closing["Subject"] == f"[{ticket.id}] closed: Printer not printing"
    assert "What was done: Fuser replaced." in closing.get_content()
    assert site.log.verify().ok

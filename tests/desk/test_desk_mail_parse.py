"""Reading mail without a server: what a message yields, which are never answered, clear
refusals when the mailbox is not set or cannot be reached."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest

from dzict.desk.inbox import plain
from dzict.desk.mail import mail_config, parse_message
from dzict.exceptions import DeskError
from dzict.jobs import build_settings

ROOT = Path(__file__).resolve().parents[2]


def _message(**headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("From", "Karma Dema <Guma@Lab.Invalid>")
    message["To"] = "desk@lab.invalid"
    message["Subject"] = headers.pop("Subject", "Printer not printing")
    message["Date"] = "Mon, 02 Mar 2026 09:15:00 +0600"
    message["Message-ID"] = "<abc@lab.invalid>"
    for key, value in headers.items():
        message[key.replace("_", "-")] = value
    message.set_content("The printer shows E3.\nཔར་འཕྲུལ་ ལཱ་མི་འབད།\n")
    return message


def test_a_message_yields_sender_subject_text_date() -> None:
    incoming = parse_message("7", bytes(_message()))
    assert (incoming.uid, incoming.sender, incoming.sender_name) == (
        "7",
        "guma@lab.invalid",
        "Karma Dema",
    )
    assert incoming.text == "The printer shows E3.\nཔར་འཕྲུལ་ ལཱ་མི་འབད།"
    assert incoming.date is not None
    assert incoming.date.isoformat() == "2026-03-02T09:15:00+06:00"
    assert incoming.message_id == "<abc@lab.invalid>"
    assert incoming.reference == "<abc@lab.invalid>"
    del_id = _message()
    del del_id["Message-ID"]
    raw = bytes(del_id)
    assert parse_message("7", raw).reference == f"sha256:{hashlib.sha256(raw).hexdigest()}"
    assert incoming.ticket_ref is None
    assert not incoming.automatic


def test_a_reply_names_its_ticket_in_the_subject() -> None:
    reply = parse_message("8", bytes(_message(Subject="Re: [lab-2026-0042] Printer")))
    assert reply.ticket_ref == "LAB-2026-0042"


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"From": "MAILER-DAEMON@lab.invalid"},
    ],
)
def test_bounces_and_auto_replies_are_never_answered(headers: dict[str, str]) -> None:
    assert parse_message("9", bytes(_message(**headers))).automatic


def test_mail_text_is_kept_plain_and_bounded() -> None:
    assert plain("a\x00b\r\nc") == "ab\nc"
    assert plain("x" * 50, limit=20) == "x" * 12 + "\n[…cut]"


def test_no_mailbox_means_no_mail_and_a_half_set_one_is_refused(tmp_path: Path) -> None:
    assert mail_config(build_settings({}, {}, {})) is None
    with pytest.raises(DeskError, match="set desk_mail_user and desk_mail_address"):
        mail_config(build_settings({}, {"desk_mail_host": "198.18.160.10"}, {}))
    flags = {
        "desk_mail_host": "198.18.160.10",
        "desk_mail_user": "desk",
        "desk_mail_address": "desk@lab.invalid",
        "desk_mail_password_file": str(tmp_path / "missing"),
    }
    with pytest.raises(DeskError, match="cannot read the mailbox password file"):
        mail_config(build_settings({}, flags, {}))


def test_desk_mail_says_in_one_line_what_is_missing_or_unreachable(
    tmp_path: Path, lab_template: Path
) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "DZICT_INVENTORY": str(lab_template),
        "DZICT_TICKET_LOG": str(tmp_path / "log.jsonl"),
        "DZICT_DESK_OFFICERS": str(tmp_path / "officers.json"),
        "DZICT_DESK_SECRET": str(tmp_path / "secret.key"),
    }

    def desk_mail(**extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "invoke", "desk.mail"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**env, **extra},
            check=False,
            timeout=120,
        )

    unset = desk_mail()
    assert unset.returncode == 1
    assert unset.stderr.startswith("no mailbox: set desk_mail_host")
    (tmp_path / "pw").write_text("secret\n")
    closed_port = desk_mail(
        DZICT_DESK_MAIL_HOST="127.0.0.1",
        DZICT_DESK_MAIL_IMAP_PORT="9",
        DZICT_DESK_MAIL_USER="desk",
        DZICT_DESK_MAIL_ADDRESS="desk@lab.invalid",
        DZICT_DESK_MAIL_PASSWORD_FILE=str(tmp_path / "pw"),
    )
    assert closed_port.returncode == 1
    assert closed_port.stderr.startswith("mailbox desk on 127.0.0.1:9: ")
    assert len(closed_port.stderr.strip().splitlines()) == 1

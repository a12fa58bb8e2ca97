"""The desk's systemd units, rendered from the run's settings and checked by systemd:
the web service, and (with a mailbox set) the timer that reads the mailbox."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from dzict.desk.config import DeskConfig
from dzict.desk.mail import mail_config
from dzict.jobs import RunContext
from dzict.jobs.context import PROJECT_ROOT
from dzict.schedule import verify

UNIT = "dzict-desk.service"
MAIL_SERVICE = "dzict-desk-mail.service"
MAIL_TIMER = "dzict-desk-mail.timer"
#: How often the mailbox is read.
MAIL_EVERY = "*:0/5"


def _values(run: RunContext, config: DeskConfig, user: str) -> dict[str, Any]:
    """What the templates place. Only the folders the desk writes (the ticket log's and the
    desk's own under ``var/``) are writable; the rest of the system is read-only to it."""
    writable = sorted(
        {
            str(run.settings.path("ticket_log").parent),
            str(config.officers.parent),
            str(config.secret.parent),
        }
    )
    return {
        "description": f"{run.inventory.dzongkhag.name}: ICT service desk (web)",
        "readme": PROJECT_ROOT / "README.md",
        "workdir": PROJECT_ROOT,
        "inventory": run.settings.path("inventory"),
        "ticket_log": run.settings.path("ticket_log"),
        "python": sys.executable,
        "host": config.host,
        "port": config.port,
        "user": user,
        "writable": " ".join(writable),
        "on_calendar": MAIL_EVERY,
        "service": MAIL_SERVICE,
    }


def render_units(run: RunContext, config: DeskConfig, user: str = "") -> dict[str, str]:
    """File name to text: the web service, and the mailbox's service and timer when set."""
    env = Environment(
        loader=FileSystemLoader(run.settings.path("templates") / "systemd"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    values = _values(run, config, user)
    units = {UNIT: env.get_template("desk.service.j2").render(values)}
    if mail_config(run.settings) is not None:
        values["description"] = f"{run.inventory.dzongkhag.name}: ICT service desk (mailbox)"
        units[MAIL_SERVICE] = env.get_template("desk-mail.service.j2").render(values)
        units[MAIL_TIMER] = env.get_template("desk-mail.timer.j2").render(values)
    return units


def write_units(run: RunContext, config: DeskConfig, dest: Path, user: str = "") -> list[Path]:
    """Write the units into `dest`; the files written."""
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_units(run, config, user).items():
        path = dest / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def check_units(paths: list[Path]) -> str:
    """What ``systemd-analyze verify`` says about the units ('' when nothing)."""
    return verify(paths)

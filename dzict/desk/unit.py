"""The desk's systemd service unit, rendered from the run's settings and checked by systemd."""

from __future__ import annotations

import sys
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from dzict.desk.config import DeskConfig
from dzict.jobs import RunContext
from dzict.jobs.context import PROJECT_ROOT
from dzict.schedule import verify

UNIT = "dzict-desk.service"


def render_unit(run: RunContext, config: DeskConfig, user: str = "") -> str:
    """The unit's text: `invoke desk.serve` in the project's folder, under systemd's guards.

    Only the folders the desk writes (the ticket log's and the desk's own under ``var/``) are
    writable; the rest of the system is read-only to it.
    """
    writable = sorted(
        {
            str(run.settings.path("ticket_log").parent),
            str(config.officers.parent),
            str(config.secret.parent),
        }
    )
    env = Environment(
        loader=FileSystemLoader(run.settings.path("templates") / "systemd"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    return env.get_template("desk.service.j2").render(
        description=f"{run.inventory.dzongkhag.name}: ICT service desk (web)",
        readme=PROJECT_ROOT / "README.md",
        workdir=PROJECT_ROOT,
        inventory=run.settings.path("inventory"),
        ticket_log=run.settings.path("ticket_log"),
        python=sys.executable,
        host=config.host,
        port=config.port,
        user=user,
        writable=" ".join(writable),
    )


def write_unit(run: RunContext, config: DeskConfig, dest: Path, user: str = "") -> Path:
    """Write the unit into `dest` and return its path."""
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / UNIT
    path.write_text(render_unit(run, config, user), encoding="utf-8")
    return path


def check_unit(path: Path) -> str:
    """What ``systemd-analyze verify`` says about the unit ('' when nothing)."""
    return verify([path])

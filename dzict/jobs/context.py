"""The run context: settings resolved once, the inventory loaded once, the ticket log, Nornir.

Settings follow one order for every key: the task's flag, then the ``DZICT_<KEY>`` environment
variable, then Invoke's configuration (collection defaults < ``invoke.yaml`` < ``INVOKE_*``),
then the built-in default. A relative path given as a flag or in the environment is taken from
the folder the command runs in; one from the configuration or the defaults from the project's
folder, wherever the command runs.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nornir.core import Nornir

from dzict.exceptions import RunContextError
from dzict.inventory import Inventory, load_inventory
from dzict.jobs.records import Recorder
from dzict.jobs.ticket_key import ticket_log_key
from dzict.nornir_inventory import nornir_of
from dzict.ticketlog import TicketLog

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENV_PREFIX = "DZICT_"

#: Every setting and its built-in default (paths relative to the project's folder).
DEFAULTS: dict[str, str] = {
    "inventory": "inventory/lab",
    "ticket_log": "var/ticket-log.jsonl",
    "officer": "",
    "dzongkhag_code": "",
    "config_backups": "var/config-backups",
    "wan_saved": "var/wan-saved",
    "wan_lock": "var/wan.lock",
    "patch_reports": "var/reports",
    "templates": "templates",
    "docs_out": "docs/network",
    "workers": "20",
    # the service desk (dzict.desk): where it listens, its files, its limits
    "desk_host": "127.0.0.1",
    "desk_port": "8080",
    "desk_officers": "var/desk/officers.json",
    "desk_secret": "var/desk/secret.key",
    "desk_rate_limit": "20",
    "desk_rate_window": "600",
    "desk_lockout": "5",
    "desk_lockout_minutes": "15",
    "desk_max_body": "65536",
    "desk_secure_cookies": "yes",
    "desk_proxies": "0",
    "desk_timezone": "Asia/Thimphu",
    "desk_base_url": "http://127.0.0.1:8080",
    # the desk's mailbox (e-mail fallback): empty host, no e-mail
    "desk_mail_host": "",
    "desk_mail_imap_port": "143",
    "desk_mail_smtp_port": "25",
    "desk_mail_user": "",
    "desk_mail_password_file": "var/desk/mail-password",
    "desk_mail_address": "",
    "desk_mail_tls": "starttls",
    "desk_mail_cafile": "",
}
YES = frozenset({"yes", "true", "on", "1"})
NO = frozenset({"no", "false", "off", "0"})

#: Settings that are paths. Given on the command line or in the environment they are taken
#: from the folder the command runs in, as a shell would; from invoke.yaml or the defaults,
#: from the project's folder.
PATH_KEYS = frozenset(
    {"inventory", "ticket_log", "config_backups", "wan_saved", "wan_lock", "patch_reports",
     "templates", "docs_out", "desk_officers", "desk_secret", "desk_mail_password_file",
     "desk_mail_cafile"}
)  # fmt: skip

#: Words for officers that name no person: a change record never stops at one of these.
NOT_A_PERSON = frozenset({"root", "nobody", ""})


@dataclass(frozen=True)
class Settings:
    """The run's settings, every value resolved once (flag > DZICT_ env > config > default)."""

    values: Mapping[str, str]
    sources: Mapping[str, str] = field(default_factory=dict)
    root: Path = PROJECT_ROOT
    """The project's folder: Invoke's project location (where the tasks.py it loaded is)."""

    def __getitem__(self, key: str) -> str:
        if key not in DEFAULTS:
            raise RunContextError(f"unknown setting {key!r} (known: {', '.join(DEFAULTS)})")
        return self.values[key]

    def path(self, key: str) -> Path:
        """A path setting, absolute: relative ones are taken from the project's folder."""
        value = Path(self[key])
        return value if value.is_absolute() else self.root / value

    def number(self, key: str) -> int:
        """A whole-number setting; one clear line naming the key and its source otherwise."""
        try:
            return int(self[key])
        except ValueError:
            where = self.sources.get(key, "?")
            raise RunContextError(
                f"setting {key} ({where}) must be a whole number, not {self[key]!r}"
            ) from None

    def boolean(self, key: str) -> bool:
        """A yes/no setting (yes, true, on, 1 / no, false, off, 0); one clear line otherwise."""
        value = self[key].strip().lower()
        if value in YES | NO:
            return value in YES
        where = self.sources.get(key, "?")
        raise RunContextError(f"setting {key} ({where}) must be yes or no, not {self[key]!r}")


def build_settings(
    config: Mapping[str, Any],
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    root: Path | None = None,
) -> Settings:
    """Resolve every setting: flag, then ``DZICT_<KEY>``, then Invoke's config, then default.

    `root` is the project's folder (default: this checkout)."""
    env = os.environ if environ is None else environ
    given = {k: v for k, v in (flags or {}).items() if v not in (None, "")}
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise RunContextError(f"unknown setting(s): {', '.join(unknown)}")
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    for key, default in DEFAULTS.items():
        env_key = ENV_PREFIX + key.upper()
        configured = config.get(key)
        for source, value in (
            (f"--{key.replace('_', '-')}", given.get(key)),
            (env_key, env.get(env_key)),
            (f"invoke config `{key}`", configured if not isinstance(configured, dict) else None),
            ("default", default),
        ):
            if value not in (None, ""):
                text = str(value)
                if key in PATH_KEYS and source != "default" and not source.startswith("invoke"):
                    text = str(Path(text).absolute())
                values[key], sources[key] = text, source
                break
        else:
            values[key], sources[key] = default, "default"
    return Settings(values, sources, root or PROJECT_ROOT)


def open_ticket_log(settings: Settings, code: str) -> TicketLog:
    """The project's ticket log (the ``ticket_log`` setting), numbering tickets with `code`,
    signed with the project's key (see :func:`dzict.jobs.ticket_key.ticket_log_key`)."""
    key = ticket_log_key(settings.path("inventory"))
    return TicketLog(settings.path("ticket_log"), code, key=key)


def officer_name(settings: Settings, environ: Mapping[str, str] | None = None) -> str | None:
    """The person making a change: the ``officer`` setting, else the person behind ``sudo``,
    else the login name; None when all that is left is an account that names nobody (root)."""
    env = os.environ if environ is None else environ
    for candidate in (settings["officer"], env.get("SUDO_USER", ""), _login()):
        if candidate.strip() and candidate.strip() not in NOT_A_PERSON:
            return candidate.strip()
    return None


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, no login name: nobody to name
        return ""


@dataclass
class RunContext:
    """One task's run: its settings, the validated inventory, and what jobs reach through it."""

    settings: Settings
    inventory: Inventory
    _nornir: Nornir | None = field(default=None, repr=False)
    _log: TicketLog | None = field(default=None, repr=False)

    @classmethod
    def load(cls, settings: Settings) -> RunContext:
        """Load and validate the inventory once (InventoryError lists every problem)."""
        return cls(settings, load_inventory(settings.path("inventory")))

    @property
    def officer(self) -> str:
        """The person named in change records; refuses when only root could be named."""
        name = officer_name(self.settings)
        if name is None:
            raise RunContextError(
                "name the officer making this change: --officer NAME, DZICT_OFFICER or"
                " `officer:` in invoke.yaml (the login name root names nobody)"
            )
        return name

    @property
    def workers(self) -> int:
        """Nornir's threads."""
        workers = self.settings.number("workers")
        if workers < 1:
            raise RunContextError("workers must be at least 1")
        return workers

    def nornir(self) -> Nornir:
        """Nornir on this run's inventory, built from the typed model (not loaded again)."""
        if self._nornir is None:
            self._nornir = nornir_of(self.inventory, num_workers=self.workers)
        return self._nornir

    @property
    def ticket_log(self) -> TicketLog:
        """The project's ticket log, numbering tickets with the Dzongkhag's code."""
        if self._log is None:
            code = self.settings["dzongkhag_code"] or self.inventory.dzongkhag.code
            self._log = open_ticket_log(self.settings, code)
        return self._log

    def recorder(self, ticket: str) -> Recorder:
        """The change recorder of an open ticket, under the officer's name (checked first)."""
        officer = self.officer
        self.ticket_log.require_open(ticket)
        return Recorder(self.ticket_log, ticket, officer)

    def close(self) -> None:
        """Close every device connection Nornir holds."""
        if self._nornir is not None:
            self._nornir.close_connections(on_good=True, on_failed=True)

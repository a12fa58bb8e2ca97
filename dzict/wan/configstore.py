"""Device configuration backups in git, the way Oxidized keeps them.

One file per device (``<host>.cfg``), secrets and volatile lines filtered out, a commit only
when something changed, its message naming the ticket. The folder is ``var/config-backups``
unless the caller, ``DZICT_CONFIG_BACKUPS`` or the Invoke setting ``config_backups`` says
otherwise. The filtered files are for reading and diffing: a rollback loads the unfiltered
configuration saved before the change (``dzict.wan.saved``), never these.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dzict.exceptions import ConfigStoreError

ENV_VAR = "DZICT_CONFIG_BACKUPS"
DEFAULT_PATH = Path("var/config-backups")
AUTHOR = ("dzict config backup", "config-backup@dzict.invalid")
REMOVED = "<removed>"

#: (pattern, replacement): secrets are replaced, the rest of the line is kept for the diff.
SECRETS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"^(\s*username \S+(?: privilege \d+)? (?:secret|password) \d+ )\S+", rf"\g<1>{REMOVED}"),
        (r"^(\s*username \S+(?: privilege \d+)? (?:secret|password) )\S+", rf"\g<1>{REMOVED}"),
        (r"^(\s*enable (?:secret|password)(?: \d+)? )\S+", rf"\g<1>{REMOVED}"),
        (r"^(\s*snmp-server community )\S+", rf"\g<1>{REMOVED}"),
        (r"^(\s*(?:password|secret)(?: \d+)? )\S+", rf"\g<1>{REMOVED}"),
        (r"^(\s*ip ospf authentication-key(?: \d+)? )\S+", rf"\g<1>{REMOVED}"),
        (r"^(\s*ip ospf message-digest-key \d+ md5(?: \d+)? )\S+", rf"\g<1>{REMOVED}"),
        (r"^(\s*key-string(?: \d+)? )\S+", rf"\g<1>{REMOVED}"),
        (r"^(\s*neighbor \S+ password(?: \d+)? )\S+", rf"\g<1>{REMOVED}"),
        (r"^(\s*tacacs-server key(?: \d+)? )\S+", rf"\g<1>{REMOVED}"),
        (r"^(\s*radius-server key(?: \d+)? )\S+", rf"\g<1>{REMOVED}"),
    )
)
#: Lines that change without a configuration change: dropped.
VOLATILE = re.compile(
    r"^(?:Building configuration\.\.\."
    r"|Current configuration ?:.*"
    r"|! Last configuration change at .*"
    r"|! NVRAM config last updated at .*"
    r"|! No configuration change since last restart"
    r"|ntp clock-period \d+"
    r"|frr version .*)$"
)


def mask_line(line: str) -> str:
    """One configuration line with its secret replaced (unchanged when it holds none)."""
    for pattern, replacement in SECRETS:
        line, count = pattern.subn(replacement, line)
        if count:
            break
    return line


def mask_diff(diff: str) -> str:
    """A diff (``+``/``-``/`` `` before each config line) with every secret replaced: what the
    console and the ticket log may show."""
    lines = []
    for raw in diff.splitlines():
        mark, rest = (raw[0], raw[1:]) if raw[:1] in ("+", "-", " ") else ("", raw)
        lines.append(mark + mask_line(rest))
    return "\n".join(lines) + ("\n" if diff.endswith("\n") else "")


def filter_config(text: str) -> str:
    """The configuration without secrets and volatile lines, ending in one newline."""
    lines = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if VOLATILE.match(line):
            continue
        lines.append(mask_line(line))
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines).rstrip("\n") + "\n"


@dataclass(frozen=True)
class Saved:
    """The outcome of one backup: the commit holding the files, and whether it is new."""

    commit: str
    changed: tuple[str, ...]


def store_path(given: str | Path | None = None, configured: str | Path | None = None) -> Path:
    """The repository: argument, then ``DZICT_CONFIG_BACKUPS``, then configured, then default."""
    return Path(given or os.environ.get(ENV_VAR) or configured or DEFAULT_PATH)


class ConfigStore:
    """A git repository of filtered device configurations."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = store_path(path)

    def _git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        name, email = AUTHOR
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email,
        }
        proc = subprocess.run(
            ["git", "-C", str(self.path), *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if check and proc.returncode != 0:
            message = (proc.stderr or proc.stdout).strip().splitlines()
            raise ConfigStoreError(
                f"git {args[0]} in {self.path}: {message[-1] if message else proc.returncode}"
            )
        return proc

    def init(self) -> None:
        """Create the repository when it does not exist yet."""
        if (self.path / ".git").is_dir():
            return
        self.path.mkdir(parents=True, exist_ok=True)
        self._git("init", "--quiet", "--initial-branch=main")

    def head(self) -> str | None:
        """The newest commit, or None in an empty repository."""
        proc = self._git("rev-parse", "--verify", "--quiet", "HEAD", check=False)
        return proc.stdout.strip() or None

    def save(self, configs: Mapping[str, str], message: str) -> Saved:
        """Write each device's filtered configuration; commit when anything changed."""
        self.init()
        for host, text in sorted(configs.items()):
            if "/" in host or host.startswith("."):
                raise ConfigStoreError(f"{host!r} is not a device name")
            (self.path / f"{host}.cfg").write_text(filter_config(text), encoding="utf-8")
        self._git("add", "--", *(f"{h}.cfg" for h in sorted(configs)))
        status = self._git("diff", "--cached", "--name-only")
        changed = tuple(sorted(n.removesuffix(".cfg") for n in status.stdout.split()))
        if changed:
            self._git("commit", "--quiet", "-m", message)
        head = self.head()
        if head is None:
            raise ConfigStoreError(f"{self.path}: nothing was ever backed up")
        return Saved(commit=head, changed=changed)

    def read(self, host: str, commit: str = "HEAD") -> str:
        """A device's filtered configuration as of ``commit``."""
        return self._git("show", f"{commit}:{host}.cfg").stdout

    def history(self, host: str | None = None) -> list[tuple[str, str]]:
        """``(commit, subject)`` newest first, for one device or all."""
        args = ["log", "--format=%H%x09%s"]
        if host:
            args += ["--", f"{host}.cfg"]
        if self.head() is None:
            return []
        lines = self._git(*args).stdout.splitlines()
        return [(c, s) for c, _, s in (line.partition("\t") for line in lines)]

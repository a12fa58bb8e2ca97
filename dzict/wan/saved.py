"""Running configurations saved before and after a ticket's change, unfiltered, for rollback.

``var/wan-saved/<ticket>/<host>.before.cfg`` is written once, before the ticket's first change
to the host, and never overwritten: ``wan.rollback --ticket`` loads it back. Files are
readable by their owner only (they hold the device's secrets).
"""

from __future__ import annotations

import os
from pathlib import Path

from dzict.exceptions import WanError

ENV_VAR = "DZICT_WAN_SAVED"
DEFAULT_PATH = Path("var/wan-saved")


class SavedConfigs:
    """The per-ticket saved configurations."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path or os.environ.get(ENV_VAR) or DEFAULT_PATH)

    def _file(self, ticket: str, host: str, stage: str) -> Path:
        if "/" in ticket or "/" in host or ticket.startswith(".") or host.startswith("."):
            raise WanError(f"not a ticket or device name: {ticket!r} {host!r}")
        return self.path / ticket / f"{host}.{stage}.cfg"

    def save_before(self, ticket: str, host: str, config: str) -> Path:
        """Keep the config before the ticket's first change to ``host`` (the first save wins)."""
        return self._write(self._file(ticket, host, "before"), config, keep=True)

    def save_after(self, ticket: str, host: str, config: str) -> Path:
        """Keep the config after the ticket's latest change to ``host``."""
        return self._write(self._file(ticket, host, "after"), config, keep=False)

    def before(self, ticket: str, host: str) -> str:
        """The config saved before the ticket's change; WanError when there is none."""
        path = self._file(ticket, host, "before")
        if not path.is_file():
            raise WanError(f"{host}: no configuration was saved before ticket {ticket}")
        return path.read_text(encoding="utf-8")

    def hosts(self, ticket: str) -> list[str]:
        """Devices with a config saved before the ticket's change."""
        folder = self.path / ticket
        if "/" in ticket or not folder.is_dir():
            return []
        return sorted(p.name.removesuffix(".before.cfg") for p in folder.glob("*.before.cfg"))

    @staticmethod
    def _write(path: Path, config: str, keep: bool) -> Path:
        if keep and path.exists():
            return path
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(config)
        os.replace(tmp, path)
        return path

"""Test doubles for the FRR driver: a transport that replays output recorded from a router."""

from __future__ import annotations

import re
from pathlib import Path

from napalm_frr.ssh import CommandResult


def sanitize(command: str) -> str:
    """File name for a command's recorded output (NAPALM's BaseTestDouble.sanitize_text)."""
    return re.sub("[^a-zA-Z0-9]", "_", command)[:150]


class FakeTransport:
    """Answers each command with the output recorded for it in one case folder.

    A command with no recording fails the test (FileNotFoundError names the missing file).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.commands: list[str] = []

    def run(self, command: str, stdin: str | None = None) -> CommandResult:
        self.commands.append(command)
        name = sanitize(command)
        stdout = (self.folder / f"{name}.txt").read_text()
        stderr_file = self.folder / f"{name}.stderr.txt"
        rc_file = self.folder / f"{name}.rc"
        return CommandResult(
            stdout,
            stderr_file.read_text() if stderr_file.exists() else "",
            int(rc_file.read_text()) if rc_file.exists() else 0,
        )

    def run_many(self, commands: list[str]) -> list[CommandResult]:
        return [self.run(command) for command in commands]

    def is_active(self) -> bool:
        return True

    def close(self) -> None:
        """Nothing to close."""

"""Running commands on the router: the connection helpers every part of FRRDriver uses.

The driver's parts (getters, configuration) are mixins on this class; it is no NetworkDriver
itself, so that napalm.get_network_driver finds FRRDriver only.
"""

from __future__ import annotations

import shlex
from typing import Literal

from napalm.base.exceptions import CommandErrorException, ConnectionClosedException

from napalm_frr.ssh import CommandResult, Transport


class DriverBase:
    """The driver's connection settings and the helpers that run commands over it."""

    hostname: str
    username: str
    password: str
    timeout: int
    port: int
    key_file: str | None
    known_hosts_file: str | None
    state_dir: str
    frr_reload: str
    _transport: Transport | None
    _candidate: Literal["replace", "merge"] | None

    def _device(self) -> Transport:
        """The open connection; a method, not a property, so that introspecting an unconnected
        driver (inspect.getmembers, as NAPALM's tests do) does not raise."""
        if self._transport is None:
            raise ConnectionClosedException(f"{self.hostname}: not connected; call open()")
        return self._transport

    def _path(self, name: str) -> str:
        return shlex.quote(f"{self.state_dir}/{name}")

    def _checked(self, command: str, result: CommandResult) -> CommandResult:
        if result.exit_status != 0:
            detail = (result.stderr.strip() or result.stdout.strip()).splitlines()[-3:]
            raise CommandErrorException(
                f"{self.hostname}: `{command}` exited with {result.exit_status}: "
                + " / ".join(detail)
            )
        return result

    def _run(self, command: str, stdin: str | None = None) -> str:
        return self._checked(command, self._device().run(command, stdin)).stdout

    def _run_many(self, commands: list[str]) -> list[str]:
        results = self._device().run_many(commands)
        return [self._checked(c, r).stdout for c, r in zip(commands, results, strict=True)]

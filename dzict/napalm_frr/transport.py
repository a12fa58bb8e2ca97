"""How the FRR driver reaches a router: one SSH connection, one exec channel per command.

Every command runs in its own channel, so each has its own exit status, standard output and
standard error; no prompt is parsed. The host key must already be in the known_hosts file:
an unknown or changed key is refused.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import paramiko
from napalm.base.exceptions import (
    CommandTimeoutException,
    ConnectAuthError,
    ConnectionClosedException,
    ConnectionException,
    ConnectTimeoutError,
)

__all__ = ["CommandResult", "SSHTransport", "Transport"]

_POLL_SECONDS = 0.001


@dataclass(frozen=True)
class CommandResult:
    """What one command printed and how it ended."""

    stdout: str
    stderr: str
    exit_status: int


class Transport(Protocol):
    """Runs shell commands on the router (the SSH transport, or recorded output in tests)."""

    def run(self, command: str, stdin: str | None = None) -> CommandResult:
        """Run `command` in the login shell, feeding `stdin` to it, and wait for it to end."""
        ...

    def run_many(self, commands: list[str]) -> list[CommandResult]:
        """Run independent commands side by side; results in the order of `commands`."""
        ...

    def is_active(self) -> bool:
        """True while the connection can run commands."""
        ...

    def close(self) -> None:
        """Close the connection (a second close does nothing)."""
        ...


class SSHTransport:
    """A paramiko connection with strict host key checking."""

    def __init__(self, client: paramiko.SSHClient, hostname: str, timeout: float) -> None:
        self._client = client
        self._hostname = hostname
        self._timeout = timeout

    @classmethod
    def connect(
        cls,
        hostname: str,
        username: str,
        *,
        port: int = 22,
        password: str | None = None,
        key_file: str | None = None,
        known_hosts_file: str | None = None,
        timeout: float = 60,
    ) -> SSHTransport:
        """Open the connection; the router's key must be in `known_hosts_file`.

        Without `known_hosts_file` the user's ~/.ssh/known_hosts is used. A key missing from
        it, or different from it, is refused (paramiko's RejectPolicy).
        """
        client = paramiko.SSHClient()
        if known_hosts_file is None:
            client.load_system_host_keys()
        else:
            if not Path(known_hosts_file).is_file():
                raise ConnectionException(f"{hostname}: no known_hosts file {known_hosts_file}")
            client.load_host_keys(known_hosts_file)
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            client.connect(
                hostname,
                port=port,
                username=username,
                password=password or None,
                key_filename=key_file,
                timeout=timeout,
                banner_timeout=timeout,
                auth_timeout=timeout,
                allow_agent=False,
                look_for_keys=False,
            )
        except paramiko.BadHostKeyException as exc:
            client.close()
            raise ConnectionException(
                f"{hostname}: host key differs from the known_hosts entry ({exc})"
            ) from exc
        except paramiko.AuthenticationException as exc:
            client.close()
            raise ConnectAuthError(f"{hostname}: authentication failed for {username}") from exc
        except TimeoutError as exc:
            client.close()
            raise ConnectTimeoutError(f"{hostname}: no answer on port {port}") from exc
        except (paramiko.SSHException, OSError) as exc:
            # RejectPolicy raises a plain SSHException for a host not in known_hosts.
            client.close()
            raise ConnectionException(f"{hostname}: {exc}") from exc
        return cls(client, hostname, timeout)

    def run(self, command: str, stdin: str | None = None) -> CommandResult:
        """Run one command in a fresh channel; CommandTimeoutException past the timeout."""
        channel = self._start(command, stdin)
        try:
            return self._collect(channel, command)
        finally:
            channel.close()

    def run_many(self, commands: list[str]) -> list[CommandResult]:
        """Start every command in its own channel, then collect them: one round trip in all."""
        channels = [self._start(command, None) for command in commands]
        try:
            return [self._collect(ch, cmd) for ch, cmd in zip(channels, commands, strict=True)]
        finally:
            for channel in channels:
                channel.close()

    def _start(self, command: str, stdin: str | None) -> paramiko.Channel:
        transport = self._client.get_transport()
        if transport is None or not transport.is_active():
            raise ConnectionClosedException(f"{self._hostname}: the SSH connection is closed")
        channel = transport.open_session(timeout=self._timeout)
        channel.exec_command(command)
        if stdin is not None:
            channel.sendall(stdin.encode())
        channel.shutdown_write()
        return channel

    def _collect(self, channel: paramiko.Channel, command: str) -> CommandResult:
        out = bytearray()
        err = bytearray()
        deadline = time.monotonic() + self._timeout
        while True:
            busy = False
            if channel.recv_ready():
                out += channel.recv(65536)
                busy = True
            if channel.recv_stderr_ready():
                err += channel.recv_stderr(65536)
                busy = True
            if busy:
                continue
            if channel.exit_status_ready() and (channel.eof_received or channel.closed):
                break
            if time.monotonic() > deadline:
                raise CommandTimeoutException(
                    f"{self._hostname}: no end after {self._timeout:g} s: {command}"
                )
            time.sleep(_POLL_SECONDS)
        return CommandResult(
            out.decode(errors="replace"), err.decode(errors="replace"), channel.recv_exit_status()
        )

    def is_active(self) -> bool:
        """True while the SSH transport is up."""
        transport = self._client.get_transport()
        return transport is not None and transport.is_active()

    def close(self) -> None:
        """Close the SSH connection."""
        self._client.close()

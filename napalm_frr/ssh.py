"""One SSH layer for Linux devices: paramiko, strict host keys, one exec channel per command.

A connection is opened once per host and reused for every command; each command runs in its
own exec channel, so each has its own exit status, standard output and standard error (no
prompt is parsed, no marker separates outputs). The host key must already be in the
known_hosts file: an unknown key or a changed key is refused (paramiko's RejectPolicy; keys are
never added).

The FRR driver runs on it, and so can anything else that reaches a Linux host over SSH:
``SSHConnection.connect(host, user, key_file=..., known_hosts_file=...)``.
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

from napalm_frr.exceptions import HostKeyMismatchError, HostKeyUnknownError

__all__ = ["CommandResult", "Completed", "SSHConnection", "Transport"]

_POLL_SECONDS = 0.001
_READ_SIZE = 65536


@dataclass(frozen=True)
class CommandResult:
    """What one command printed (as text) and how it ended."""

    stdout: str
    stderr: str
    exit_status: int


@dataclass(frozen=True)
class Completed:
    """What one command printed (as bytes) and how it ended."""

    stdout: bytes
    stderr: bytes
    exit_status: int

    @property
    def text(self) -> str:
        """Standard output as text."""
        return self.stdout.decode("utf-8", errors="replace")

    @property
    def error(self) -> str:
        """Standard error as text."""
        return self.stderr.decode("utf-8", errors="replace")

    def decoded(self) -> CommandResult:
        """The same result with text output."""
        return CommandResult(self.text, self.error, self.exit_status)


class Transport(Protocol):
    """Runs shell commands on a host (an SSHConnection, or recorded output in tests)."""

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


def _client(hostname: str, known_hosts_file: str | None) -> paramiko.SSHClient:
    """A client that knows only the keys on file and refuses every other one."""
    client = paramiko.SSHClient()
    if known_hosts_file is None:
        client.load_system_host_keys()
    else:
        if not Path(known_hosts_file).is_file():
            raise ConnectionException(f"{hostname}: no known_hosts file {known_hosts_file}")
        client.load_host_keys(known_hosts_file)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    return client


class SSHConnection:
    """One SSH connection to one host; every command in its own exec channel."""

    def __init__(self, client: paramiko.SSHClient, hostname: str, timeout: float) -> None:
        self._client = client
        self.hostname = hostname
        self.timeout = timeout

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
        connect_timeout: float | None = None,
        look_for_keys: bool = False,
    ) -> SSHConnection:
        """Open the connection; the host's key must be in `known_hosts_file`.

        Without `known_hosts_file` the user's ~/.ssh/known_hosts is used. A key missing from it
        (HostKeyUnknownError) or different from it (HostKeyMismatchError) is refused. `timeout`
        bounds each command, `connect_timeout` (default: `timeout`) the login.
        """
        client = _client(hostname, known_hosts_file)
        wait = timeout if connect_timeout is None else connect_timeout
        try:
            client.connect(
                hostname,
                port=port,
                username=username,
                password=password or None,
                key_filename=key_file,
                timeout=wait,
                banner_timeout=wait,
                auth_timeout=wait,
                allow_agent=False,
                look_for_keys=look_for_keys,
            )
        except (paramiko.SSHException, OSError) as exc:
            client.close()
            raise _connect_error(hostname, username, port, known_hosts_file, exc) from exc
        return cls(client, hostname, timeout)

    def run(
        self, command: str, stdin: str | bytes | None = None, timeout: float | None = None
    ) -> CommandResult:
        """Run one command in a fresh channel; its output as text."""
        return self.run_bytes(command, stdin, timeout).decoded()

    def run_bytes(
        self, command: str, stdin: str | bytes | None = None, timeout: float | None = None
    ) -> Completed:
        """Run one command in a fresh channel; CommandTimeoutException past the timeout."""
        channel = self._start(command, stdin)
        try:
            return self._collect(channel, command, self.timeout if timeout is None else timeout)
        finally:
            channel.close()

    def run_many(self, commands: list[str]) -> list[CommandResult]:
        """Start every command in its own channel, then collect them: one round trip in all."""
        channels = [self._start(command, None) for command in commands]
        try:
            return [
                self._collect(ch, cmd, self.timeout).decoded()
                for ch, cmd in zip(channels, commands, strict=True)
            ]
        finally:
            for channel in channels:
                channel.close()

    def _start(self, command: str, stdin: str | bytes | None) -> paramiko.Channel:
        transport = self._client.get_transport()
        if transport is None or not transport.is_active():
            raise ConnectionClosedException(f"{self.hostname}: the SSH connection is closed")
        channel = transport.open_session(timeout=self.timeout)
        channel.exec_command(command)
        if stdin is not None:
            channel.sendall(stdin.encode() if isinstance(stdin, str) else stdin)
        channel.shutdown_write()
        return channel

    def _collect(self, channel: paramiko.Channel, command: str, timeout: float) -> Completed:
        out = bytearray()
        err = bytearray()
        deadline = time.monotonic() + timeout
        while True:
            busy = False
            if channel.recv_ready():
                out += channel.recv(_READ_SIZE)
                busy = True
            if channel.recv_stderr_ready():
                err += channel.recv_stderr(_READ_SIZE)
                busy = True
            if busy:
                continue
            if channel.exit_status_ready() and (channel.eof_received or channel.closed):
                break
            if time.monotonic() > deadline:
                raise CommandTimeoutException(
                    f"{self.hostname}: no end after {timeout:g} s: {command}"
                )
            time.sleep(_POLL_SECONDS)
        return Completed(bytes(out), bytes(err), channel.recv_exit_status())

    def is_active(self) -> bool:
        """True while the SSH transport is up."""
        transport = self._client.get_transport()
        return transport is not None and transport.is_active()

    def close(self) -> None:
        """Close the SSH connection."""
        self._client.close()


def _connect_error(
    hostname: str, username: str, port: int, known_hosts: str | None, exc: Exception
) -> ConnectionException:
    """The NAPALM exception, with a one-line message, for a failed login."""
    on_file = known_hosts or "~/.ssh/known_hosts"
    if isinstance(exc, paramiko.BadHostKeyException):
        return HostKeyMismatchError(
            f"{hostname}: host key differs from the entry in {on_file} ({exc})"
        )
    if isinstance(exc, paramiko.AuthenticationException):
        return ConnectAuthError(f"{hostname}: authentication failed for {username}")
    if isinstance(exc, TimeoutError):
        return ConnectTimeoutError(f"{hostname}: no answer on port {port}")
    if isinstance(exc, paramiko.SSHException) and "not found in known_hosts" in str(exc):
        # RejectPolicy raises a plain SSHException for a host it does not know.
        return HostKeyUnknownError(f"{hostname}: host key not in {on_file}; refused")
    return ConnectionException(f"{hostname}: {exc}")

"""A Nornir connection plugin ("paramiko") that refuses unknown host keys.

It takes the ``paramiko`` connection options the inventory plugin gives every host
(``key_file`` and ``known_hosts``, the lab's or the Dzongkhag's own) and offers what the access
point tasks need from a shell: the exit status, standard input, and bytes out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paramiko
from nornir.core.configuration import Config
from nornir.core.plugins.connections import ConnectionPluginRegister

CONNECTION_NAME = "paramiko"
TIMEOUT = 10.0


@dataclass(frozen=True)
class Completed:
    """What a command returned."""

    status: int
    stdout: bytes
    stderr: bytes

    @property
    def text(self) -> str:
        """Standard output as text."""
        return self.stdout.decode("utf-8", errors="replace")

    @property
    def error(self) -> str:
        """Standard error as text."""
        return self.stderr.decode("utf-8", errors="replace")


class Shell:
    """An SSH session to one host: run commands, feed them standard input."""

    def __init__(self, client: paramiko.SSHClient, name: str) -> None:
        self.client = client
        self.name = name

    def run(self, command: str, stdin: bytes | str | None = None, timeout: float = 60) -> Completed:
        """Run ``command`` through the login shell; wait for it and return its status and output."""
        chan_in, chan_out, chan_err = self.client.exec_command(command, timeout=timeout)
        if stdin is not None:
            chan_in.write(stdin.encode() if isinstance(stdin, str) else stdin)
        chan_in.channel.shutdown_write()
        out = chan_out.read()
        err = chan_err.read()
        status = chan_out.channel.recv_exit_status()
        return Completed(status, out, err)


class Paramiko:
    """Nornir ConnectionPlugin: ``task.host.get_connection("paramiko", config)`` is a Shell."""

    def __init__(self) -> None:
        self.connection: Shell | None = None

    def open(  # noqa: PLR0917 (Nornir's ConnectionPlugin protocol)
        self,
        hostname: str | None,
        username: str | None,
        password: str | None,
        port: int | None,
        platform: str | None,
        extras: dict[str, Any] | None = None,
        configuration: Config | None = None,
    ) -> None:
        """Connect with the key file; the host key must be in ``known_hosts``."""
        extras = extras or {}
        client = paramiko.SSHClient()
        known_hosts = extras.get("known_hosts")
        if known_hosts:
            client.load_host_keys(str(Path(known_hosts)))
        else:
            client.load_system_host_keys()
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        client.connect(
            hostname=hostname or "",
            port=port or 22,
            username=username,
            password=password,
            key_filename=extras.get("key_file"),
            allow_agent=False,
            look_for_keys=not extras.get("key_file"),
            timeout=float(extras.get("timeout", TIMEOUT)),
            banner_timeout=float(extras.get("timeout", TIMEOUT)),
        )
        self.connection = Shell(client, hostname or "")

    def close(self) -> None:
        """Close the SSH session."""
        if self.connection is not None:
            self.connection.client.close()
            self.connection = None


if CONNECTION_NAME not in ConnectionPluginRegister.available:
    ConnectionPluginRegister.register(CONNECTION_NAME, Paramiko)

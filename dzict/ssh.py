"""The project's SSH into Linux hosts: the FRR driver's SSH layer with the project's settings.

Every Linux device (routers through the NAPALM driver, access points, PCs and servers during
discovery, the lab's login check) is reached through ``napalm_frr.ssh.SSHConnection``: paramiko,
host keys checked against a known_hosts file (unknown or changed keys refused), one exec channel
per command with its own exit status, one connection per host reused for every command.

This module only supplies the settings: the key file and known_hosts file the inventory gives
each host (``connection_options.paramiko``), or the lab's, and the timeouts. As a Nornir
connection plugin ("paramiko"), ``task.host.get_connection("paramiko", config)`` is the host's
SSHConnection, opened on first use and kept for the run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import paramiko
from napalm.base.exceptions import NapalmException
from nornir.core.configuration import Config
from nornir.core.plugins.connections import ConnectionPluginRegister

from napalm_frr.ssh import CommandResult, Completed, SSHConnection

__all__ = ["CONNECTION_NAME", "CommandResult", "Completed", "Shell", "connect"]

CONNECTION_NAME = "paramiko"
CONNECT_TIMEOUT = 10.0
COMMAND_TIMEOUT = 60.0

#: What the tasks hold for one host: the SSH layer's connection.
Shell = SSHConnection


def connect(
    hostname: str,
    username: str | None = "root",
    *,
    key_file: str | Path | None = None,
    known_hosts: str | Path | None = None,
    port: int = 22,
    password: str | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
    timeout: float = COMMAND_TIMEOUT,
) -> SSHConnection:
    """Log in with the project's key and known_hosts (the user's own keys when no key file)."""
    return SSHConnection.connect(
        hostname,
        username or "root",
        port=port,
        password=password,
        key_file=str(key_file) if key_file else None,
        known_hosts_file=str(known_hosts) if known_hosts else None,
        timeout=timeout,
        connect_timeout=connect_timeout,
        look_for_keys=not key_file,
    )


class Paramiko:
    """Nornir ConnectionPlugin: ``task.host.get_connection("paramiko", config)`` is a Shell."""

    def __init__(self) -> None:
        self.connection: SSHConnection | None = None

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
        """Connect with the host's key file; its host key must be in ``known_hosts``."""
        extras = extras or {}
        self.connection = connect(
            hostname or "",
            username,
            key_file=extras.get("key_file"),
            known_hosts=extras.get("known_hosts"),
            port=port or 22,
            password=password,
            connect_timeout=float(extras.get("timeout", CONNECT_TIMEOUT)),
        )

    def close(self) -> None:
        """Close the SSH connection."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None


_LOGIN_ERRORS = (NapalmException, paramiko.SSHException, OSError)


def check_login(
    address: str, key_file: Path, known_hosts: Path, timeout: float = CONNECT_TIMEOUT
) -> str | None:
    """Log in as root and run ``true``: None when that works, else one line saying why not."""
    try:
        connection = connect(
            address, key_file=key_file, known_hosts=known_hosts, connect_timeout=timeout
        )
    except _LOGIN_ERRORS as exc:
        return f"{type(exc).__name__}: {exc}"
    try:
        status = connection.run("true", timeout=timeout).exit_status
        return None if status == 0 else f"exit status {status}"
    except _LOGIN_ERRORS as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        connection.close()


if CONNECTION_NAME not in ConnectionPluginRegister.available:
    ConnectionPluginRegister.register(CONNECTION_NAME, Paramiko)

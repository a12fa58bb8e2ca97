"""NAPALM driver for FRRouting (platform `frr`) on a Linux router reached over SSH.

Configuration follows NAPALM's life cycle with FRR's own tools on the router:

* load_replace_candidate / load_merge_candidate upload the candidate into the state directory
  (default /var/lib/dzict-napalm) and check it with `vtysh -C -f` (a true syntax check);
* compare_config runs `frr-reload.py --test` and returns a '-'/'+' diff;
* commit_config applies with `frr-reload.py --reload` and writes /etc/frr/frr.conf. With
  `revert_in` it leaves frr.conf alone and starts a timer ON THE ROUTER (a detached shell in
  its own session) that restores the configuration saved before the commit after `revert_in`
  seconds, whether or not the control node is still there. confirm_commit claims the pending
  commit (an atomic rename of the state file, so the timer and the confirmation cannot both
  win), stops the timer and writes frr.conf;
* rollback restores the configuration saved before the last commit.

The SSH user must be able to run vtysh and frr-reload.py and write the state directory (root on
the lab routers).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from napalm.base import NetworkDriver, models

from napalm_frr.configuration import Configuration
from napalm_frr.device_getters import DeviceGetters
from napalm_frr.exceptions import DriverOptionError
from napalm_frr.host_getters import HostGetters
from napalm_frr.probes import Probes
from napalm_frr.routing_getters import RoutingGetters
from napalm_frr.ssh import SSHConnection, Transport

__all__ = ["FRRDriver"]

DEFAULT_STATE_DIR = "/var/lib/dzict-napalm"
DEFAULT_FRR_RELOAD = "/usr/lib/frr/frr-reload.py"

OPTIONAL_ARGS = {
    "port": "SSH port (22)",
    "key_file": "private key file for the SSH login",
    "known_hosts_file": "known_hosts file holding the router's host key (unknown keys refused)",
    "state_dir": f"directory on the router for candidates and commit state ({DEFAULT_STATE_DIR})",
    "frr_reload": f"path of frr-reload.py on the router ({DEFAULT_FRR_RELOAD})",
    "ssh_config_file": "accepted because nornir_napalm always passes it; not read",
}


class FRRDriver(
    Configuration,
    DeviceGetters,
    RoutingGetters,
    HostGetters,
    Probes,
    NetworkDriver,  # type: ignore[misc]  # napalm ships no type information
):
    """NAPALM driver for FRRouting over SSH (paramiko, strict host key checking)."""

    platform = "frr"

    def __init__(
        self,
        hostname: str,
        username: str,
        password: str,
        timeout: int = 60,
        optional_args: dict[str, Any] | None = None,
    ) -> None:
        """Keep the connection settings; nothing is contacted until open()."""
        self.hostname = hostname
        self.username = username
        self.password = password
        self.timeout = timeout
        args = dict(optional_args or {})
        unknown = sorted(set(args) - set(OPTIONAL_ARGS))
        if unknown:
            raise DriverOptionError(
                f"{hostname}: unknown optional_args {', '.join(unknown)}; "
                f"known: {', '.join(sorted(OPTIONAL_ARGS))}"
            )
        self.port = int(args.get("port") or 22)
        self.key_file: str | None = args.get("key_file")
        self.known_hosts_file: str | None = args.get("known_hosts_file")
        self.state_dir: str = args.get("state_dir") or DEFAULT_STATE_DIR
        self.frr_reload: str = args.get("frr_reload") or DEFAULT_FRR_RELOAD
        for name in ("key_file", "known_hosts_file"):
            value = args.get(name)
            if value is not None and not Path(value).expanduser().is_file():
                raise DriverOptionError(f"{hostname}: {name} {value} is not a file")
        self._transport: Transport | None = None
        self._candidate: Literal["replace", "merge"] | None = None

    # -- connection -------------------------------------------------------------------------

    def open(self) -> None:
        """Open the SSH connection (napalm ConnectionException and friends on failure)."""
        self._transport = SSHConnection.connect(
            self.hostname,
            self.username,
            port=self.port,
            password=self.password,
            key_file=self.key_file and str(Path(self.key_file).expanduser()),
            known_hosts_file=self.known_hosts_file
            and str(Path(self.known_hosts_file).expanduser()),
            timeout=self.timeout,
        )

    def close(self) -> None:
        """Close the SSH connection."""
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def is_alive(self) -> models.AliveDict:
        """Whether the SSH connection is up."""
        return {"is_alive": self._transport is not None and self._transport.is_active()}

"""SSH to the lab: its key pair, a known_hosts made from the keys each container made at its
first start, and logins with the host key checked."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dzict.exceptions import LabError
from dzict.lab.podman import Podman
from dzict.lab.specs import ContainerSpec, LabPlan
from dzict.ssh import check_login

SSH_TIMEOUT = 180.0


def key_pair(state_dir: Path) -> tuple[Path, str]:
    """The lab's SSH key (made once with ssh-keygen) and its public line."""
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = state_dir / "id_ed25519"
    if not key.is_file():
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "dzict-lab", "-f", str(key)],
            check=True,
            capture_output=True,
        )
    return key, key.with_suffix(".pub").read_text().strip()


def known_hosts_path(state_dir: Path) -> Path:
    """Where the lab's known_hosts lives."""
    return state_dir / "known_hosts"


def host_keys(name: str, podman: Podman) -> list[str]:
    out = podman.exec(name, "sh", "-c", "cat /etc/ssh/ssh_host_*_key.pub").stdout
    return [" ".join(line.split()[:2]) for line in out.splitlines() if line.strip()]


def wait_port(address: str, deadline: float) -> bool:
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((address, 22), timeout=2) as s:
            s.settimeout(5)
            if s.recv(4).startswith(b"SSH-"):
                return True
        time.sleep(0.5)
    return False


def ssh_check(address: str, key: Path, known_hosts: Path, timeout: float = 10.0) -> str | None:
    """Log in as root with the lab key and the host key checked; None when fine, else why not."""
    return check_login(address, key, known_hosts, timeout)


def write_known_hosts(
    lab: LabPlan, podman: Podman, key: Path, timeout: float = SSH_TIMEOUT
) -> None:
    """Wait for SSH on every host, write known_hosts from the keys each container made, and
    log in once to each with host key checking on."""
    deadline = time.monotonic() + timeout

    def one(spec: ContainerSpec) -> list[str]:
        if not wait_port(str(spec.mgmt_address), deadline):
            raise LabError(f"{spec.host}: no SSH on {spec.mgmt_address} after {timeout:.0f} s")
        names = f"{spec.mgmt_address},{spec.host}"
        return [f"{names} {k}" for k in host_keys(spec.name, podman)]

    with ThreadPoolExecutor(max_workers=16) as pool:
        lines = [line for chunk in pool.map(one, lab.containers) for line in chunk]
    path = known_hosts_path(lab.state_dir)
    path.write_text("\n".join(lines) + "\n")
    with ThreadPoolExecutor(max_workers=16) as pool:
        failures = list(
            pool.map(lambda s: (s.host, ssh_check(str(s.mgmt_address), key, path)), lab.containers)
        )
    bad = [f"{host} ({why})" for host, why in failures if why]
    if bad:
        raise LabError(f"SSH with checked host keys failed: {', '.join(bad)}")

"""The lab as the tests and benchmarks see it: a running lab reached over SSH, and the memory
its containers use."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from dzict.inventory import Inventory
from dzict.lab import LABEL, UpReport, known_hosts_path
from dzict.lab.objects import container_name_of
from dzict.lab.podman import Podman


@dataclass(frozen=True)
class RunningLab:
    """The session's lab: its inventory and how to reach its hosts over SSH (keys checked)."""

    path: Path
    inventory: Inventory
    prefix: str
    state_dir: Path
    up_report: UpReport

    @property
    def key(self) -> Path:
        """The lab's private key."""
        return self.state_dir / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        """The lab's known_hosts, written by lab up from each container's own host keys."""
        return known_hosts_path(self.state_dir)

    def ssh(self, host: str, command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``command`` on a lab host as root over SSH with strict host key checking."""
        address = str(self.inventory.hosts[host].mgmt_address)
        return subprocess.run(
            [
                "ssh",
                "-i",
                str(self.key),
                "-o",
                f"UserKnownHostsFile={self.known_hosts}",
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "BatchMode=yes",
                "-o",
                "ConnectTimeout=10",
                f"root@{address}",
                command,
            ],
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )


def memory_bytes(prefix: str, podman: Podman | None = None) -> dict[str, int]:
    """Memory in use by each running container of the lab (cgroup accounting)."""
    podman = podman or Podman()
    out: dict[str, int] = {}
    for c in podman.containers(f"{LABEL}={prefix}"):
        if c.get("State") != "running":
            continue
        name = container_name_of(c)
        usage = podman.run(
            "stats", "--no-stream", "--no-reset", "--format", "{{.MemUsage}}", name, check=False
        ).stdout
        out[name] = parse_size(usage.split("/")[0].strip()) if usage else 0
    return out


UNITS = {
    "B": 1,
    "kB": 1000,
    "KB": 1000,
    "MB": 1000**2,
    "GB": 1000**3,
    "KiB": 1024,
    "MiB": 1024**2,
    "GiB": 1024**3,
}


def parse_size(text: str) -> int:
    """Bytes of a size as podman stats prints it: ``12.5MB``, ``1.2GiB``, ``0B``."""
    number = "".join(ch for ch in text if ch.isdigit() or ch == ".")
    unit = text[len(number) :].strip() or "B"
    return int(float(number or 0) * UNITS.get(unit, 1))

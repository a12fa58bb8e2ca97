"""``lab down``: remove every container, network and volume labelled as the lab's, nothing
else."""

from __future__ import annotations

from pathlib import Path

from dzict.lab.access import known_hosts_path
from dzict.lab.lock import lab_lock
from dzict.lab.objects import container_name_of, network_name_of, remove_containers
from dzict.lab.podman import Podman, require
from dzict.lab.specs import LABEL


def down(prefix: str, state_dir: Path | None = None, podman: Podman | None = None) -> list[str]:
    """Remove every container, network and volume labelled as lab ``prefix``; nothing else."""
    require("podman")
    podman = podman or Podman()
    with lab_lock(prefix, wait=60):
        return _down(prefix, state_dir, podman)


def _down(prefix: str, state_dir: Path | None, podman: Podman) -> list[str]:
    removed = [container_name_of(c) for c in podman.containers(f"{LABEL}={prefix}")]
    remove_containers(podman, removed)
    for net in podman.networks(f"{LABEL}={prefix}"):
        podman.run("network", "rm", network_name_of(net))
        removed.append(network_name_of(net))
    volumes = podman.json("volume", "ls", "--format", "json", "--filter", f"label={LABEL}={prefix}")
    for vol in volumes:
        podman.run("volume", "rm", str(vol.get("Name")))
        removed.append(str(vol.get("Name")))
    if state_dir is not None:
        known_hosts_path(state_dir).unlink(missing_ok=True)
    return removed

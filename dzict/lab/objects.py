"""What podman holds for a lab: its objects found by label, foreign ones refused, containers
removed with retries.

Every object the lab creates carries the label ``dzict.lab=PREFIX``. A container or network that
has a lab name but not the label is someone else's: it is refused, never deleted.
"""

from __future__ import annotations

import time
from typing import Any

from dzict.exceptions import LabClashError
from dzict.lab.podman import Podman
from dzict.lab.specs import LABEL, LabPlan


def labels_of(obj: dict[str, Any]) -> dict[str, str]:
    return dict(obj.get("Labels") or obj.get("labels") or {})


def container_name_of(obj: dict[str, Any]) -> str:
    names = obj.get("Names") or [obj.get("Name", "")]
    return str(names[0])


def network_name_of(obj: dict[str, Any]) -> str:
    return str(obj.get("name") or obj.get("Name"))


def check_clashes(lab: LabPlan, podman: Podman) -> None:
    """Refuse when a container or network with a lab name is not labelled as this lab's."""
    wanted_c = {c.name for c in lab.containers}
    wanted_n = {n.name for n in lab.all_networks}
    foreign = [
        f"container {container_name_of(c)}"
        for c in podman.containers()
        if container_name_of(c) in wanted_c and labels_of(c).get(LABEL) != lab.prefix
    ]
    foreign += [
        f"network {network_name_of(n)}"
        for n in podman.networks()
        if network_name_of(n) in wanted_n and labels_of(n).get(LABEL) != lab.prefix
    ]
    if foreign:
        raise LabClashError(
            f"{', '.join(sorted(foreign))} exist(s) but not as part of lab {lab.prefix!r}: "
            "refused; rename or remove them yourself, or choose another lab prefix"
        )


def ensure_ours(prefix: str, kind: str, name: str, podman: Podman) -> None:
    labels = podman.json(kind, "inspect", name)[0]
    found = labels.get("labels") or labels.get("Config", {}).get("Labels") or {}
    if found.get(LABEL) != prefix:
        raise LabClashError(f"{kind} {name} is not part of lab {prefix!r}")


def remove_containers(podman: Podman, names: list[str], timeout: int = 2) -> None:
    """``podman rm --force`` with retries: podman 4.3 sometimes refuses a container caught
    between running and exited ("container state improper"); a moment later it goes."""
    for attempt in range(5):
        left = [n for n in names if podman.ok("container", "exists", n)]
        if not left:
            return
        proc = podman.run("rm", "--force", "--time", str(timeout), *left, check=attempt == 4)
        if proc.returncode == 0:
            return
        time.sleep(1 + attempt)

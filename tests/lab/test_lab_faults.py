"""Faults on the test lab, and the lab's own failure paths: clashes, half-way failures,
leftovers of a killed run, down, missing prerequisites."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from ipaddress import IPv4Network
from pathlib import Path

import pytest

from dzict import lab as lablib
from dzict.exceptions import LabClashError, LabError, LabPrerequisiteError, PodmanError
from dzict.inventory import Inventory, load_inventory
from dzict.inventory.generate import LabSpec, generate
from dzict.lab.podman import REPO_ROOT, Podman, require
from support.lab import RunningLab

pytestmark = pytest.mark.lab


def _free_block() -> str:
    """A /19 of 198.19.0.0/16 that no podman network and no route of this machine touches
    (the test lab keeps the first one)."""
    used = [
        IPv4Network(r["dst"])
        for r in json.loads(
            subprocess.run(
                ["ip", "-j", "-4", "route"], capture_output=True, text=True, check=True
            ).stdout
        )
        if r["dst"] != "default"
    ]
    for block in list(IPv4Network("198.19.0.0/16").subnets(new_prefix=19))[1:]:
        if not any(block.overlaps(net) for net in used):
            return str(block)
    raise AssertionError("no free /19 in 198.19.0.0/16 for a small test lab")


def _small_lab(tmp_path: Path, prefix: str) -> Inventory:
    """HQ and one office, prefix ``prefix`` (``dzt`` + a letter: test labs only)."""
    spec = LabSpec(sites=1, prefix=prefix, base=_free_block())
    return load_inventory(generate(tmp_path / "inv", spec))


def _lab_objects(prefix: str) -> list[str]:
    podman = Podman()
    label = f"{lablib.LABEL}={prefix}"
    return [c["Names"][0] for c in podman.containers(label)] + [
        n["name"] for n in podman.networks(label)
    ]


@pytest.fixture
def cleanup() -> Iterator[list[tuple[str, str]]]:
    """Foreign objects a test makes (kind, name); removed afterwards by name."""
    made: list[tuple[str, str]] = []
    yield made
    podman = Podman()
    for kind, name in made:
        if kind == "container":
            podman.run("rm", "--force", "--time", "0", name, check=False)
        else:
            podman.run("network", "rm", name, check=False)


def test_cut_and_restore_a_wan_link(lab: RunningLab) -> None:
    inv = lab.inventory
    link = inv.links[0]
    carrier = f"cat /sys/class/net/{link.b.interface}/carrier"
    assert lab.ssh(link.b.host, carrier).stdout.strip() == "1"
    lablib.fault_link(inv, str(link.id), cut=True)
    try:
        assert lab.ssh(link.b.host, carrier, check=False).stdout.strip() in ("0", "")
        assert lab.ssh(
            link.a.host, f"cat /sys/class/net/{link.a.interface}/carrier", check=False
        ).stdout.strip() in ("0", "")
    finally:
        lablib.fault_link(inv, link.name, cut=False)
    assert lab.ssh(link.b.host, carrier).stdout.strip() == "1"


def test_stop_and_start_a_host_keeps_its_host_key_and_address(lab: RunningLab) -> None:
    inv = lab.inventory
    pc = next(h for h in inv.by_role("pc") if h.site != inv.hq.key)
    known = lab.known_hosts.read_text()
    lablib.fault_host(inv, pc.name, stop=True)
    row = next(r for r in lablib.status(inv) if r.host == pc.name)
    assert (row.state, row.ssh) == ("exited", "-")
    lablib.fault_host(inv, pc.name, stop=False)
    row = next(r for r in lablib.status(inv) if r.host == pc.name)
    assert (row.state, row.ssh) == ("running", "ok")
    assert lab.known_hosts.read_text() == known
    addr = lab.ssh(pc.name, f"ip -4 -o addr show dev lan0.{pc.lan_vlan}").stdout
    assert str(pc.lan_address) in addr


def test_fault_on_an_unknown_link_or_host_says_so(lab: RunningLab) -> None:
    with pytest.raises(LabError, match="no lab network dzt-wan99"):
        lablib.fault_link(lab.inventory, "wan99", cut=True)
    with pytest.raises(LabError, match="no host nohost"):
        lablib.fault_host(lab.inventory, "nohost", stop=True)


def test_a_foreign_container_or_network_with_a_lab_name_is_refused_not_deleted(
    tmp_path: Path, cleanup: list[tuple[str, str]]
) -> None:
    inv = _small_lab(tmp_path, "dztc")
    podman = Podman()
    podman.run("network", "create", "--internal", "--ipam-driver", "none", "dztc-mgmt")
    cleanup.append(("network", "dztc-mgmt"))
    podman.run("create", "--name", "dztc-hq-pc", "--network", "none", lablib.ensure_image("pc"))
    cleanup.append(("container", "dztc-hq-pc"))
    with pytest.raises(LabClashError, match="container dztc-hq-pc, network dztc-mgmt"):
        lablib.up(inv)
    assert podman.ok("network", "exists", "dztc-mgmt")
    assert podman.ok("container", "exists", "dztc-hq-pc")
    assert _lab_objects("dztc") == []


def test_a_failure_half_way_removes_what_the_run_created(
    tmp_path: Path, cleanup: list[tuple[str, str]]
) -> None:
    inv = _small_lab(tmp_path, "dztu")
    failing = tmp_path / "podman"
    failing.write_text(
        "#!/bin/sh\n# podman, except that creating the office PC fails\n"
        'if [ "$1" = create ]; then for a in "$@"; do\n'
        '  [ "$a" = dztu-guma-pc ] && { echo "Error: injected failure" >&2; exit 125; }\n'
        'done; fi\nexec podman "$@"\n'
    )
    failing.chmod(0o755)
    with pytest.raises(PodmanError, match="injected failure"):
        lablib.up(inv, podman=Podman(binary=str(failing)))
    assert _lab_objects("dztu") == []


def test_up_recovers_from_a_killed_run_and_down_removes_only_the_lab(
    tmp_path: Path, cleanup: list[tuple[str, str]]
) -> None:
    inv = _small_lab(tmp_path, "dztd")
    podman = Podman()
    podman.run("create", "--name", "dztd-foreign", "--network", "none", lablib.ensure_image("pc"))
    cleanup.append(("container", "dztd-foreign"))
    first = lablib.up(inv)
    vlans = sum(len(site.vlans) for site in inv.sites.values())
    assert len(first.created) == len(inv.hosts) + 1 + len(inv.links) + vlans
    # What a killed run leaves: one container gone, one stopped, known_hosts lost.
    podman.run("rm", "--force", "dztd-guma-pc")
    podman.run("stop", "--time", "0", "dztd-hq-backup")
    _, state_dir = lablib.lab_settings(inv)
    lablib.known_hosts_path(state_dir).unlink()
    second = lablib.up(inv)
    assert second.created == ["dztd-guma-pc"]
    assert sorted(second.started) == ["dztd-guma-pc", "dztd-hq-backup"]
    assert {r.ssh for r in lablib.status(inv)} == {"ok"}
    removed = lablib.down("dztd", state_dir)
    assert len(removed) == len(first.created)
    assert _lab_objects("dztd") == []
    assert podman.ok("container", "exists", "dztd-foreign")
    names = podman.run("ps", "-a", "--format", "{{.Names}}").stdout.split()
    nets = podman.run("network", "ls", "--format", "{{.Name}}").stdout.split()
    assert [n for n in names + nets if n.startswith("dztd-")] == ["dztd-foreign"]


def _invoke(
    *args: str, env: dict[str, str] | None = None, not_root: bool = False
) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "invoke", *args]
    if not_root:
        # A user namespace of its own: the task sees uid 65534, not root, and still reads the
        # checkout wherever root keeps it (a private 0700 folder included), as its owner.
        cmd = ["unshare", "--user", "--", *cmd]
    return subprocess.run(
        cmd, cwd=REPO_ROOT, capture_output=True, text=True, env=env, check=False, timeout=120
    )


def test_missing_podman_is_one_line_saying_what_to_install() -> None:
    env = {**os.environ, "PATH": "/nonexistent"}
    result = _invoke("lab.down", "--prefix", "dztz", env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == "podman is not installed: apt-get install podman runc"


def test_missing_debootstrap_names_the_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(
        LabPrerequisiteError, match=r"^debootstrap is not installed: apt-get install debootstrap$"
    ):
        require("debootstrap", root=False)


def test_not_root_is_one_line() -> None:
    result = _invoke("lab.down", "--prefix", "dztz", not_root=True)
    assert result.returncode == 1, result
    assert result.stderr.strip().endswith("the lab needs root: run it as root (sudo -E invoke ...)")

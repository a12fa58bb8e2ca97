"""Ansible and Nornir see the same hosts, groups and variables for every host."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dzict.nornir_inventory import init_nornir

ROOT = Path(__file__).resolve().parent.parent
INVENTORIES = [ROOT / "inventory" / "lab", ROOT / "inventory" / "punakha"]


def ansible_view(inventory: Path, keys: list[str], out: Path) -> dict[str, Any]:
    """Run a real playbook that dumps every host's resolved variables; return them by host."""
    out.mkdir()
    extra = json.dumps({"dump_keys": keys, "dump_dir": str(out)})
    subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "-i",
            str(inventory / "hosts.yml"),
            "--vault-password-file",
            str(inventory / "vault-password"),
            "-e",
            extra,
            str(ROOT / "tests" / "data" / "dump_hostvars.yml"),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg")},
    )
    dump = json.loads((out / "hosts.json").read_text())
    return {
        name: {"vars": dump["vars"][name], "groups": dump["groups"][name]} for name in dump["vars"]
    }


@pytest.mark.parametrize("inventory", INVENTORIES, ids=[p.name for p in INVENTORIES])
def test_ansible_and_nornir_agree(inventory: Path, tmp_path: Path) -> None:
    nr = init_nornir(inventory)
    hosts = nr.inventory.hosts
    keys = sorted({k for h in hosts.values() for k in h.data})
    seen = ansible_view(inventory, keys, tmp_path / "dump")
    assert sorted(seen) == sorted(hosts)
    for name, host in hosts.items():
        assert sorted(g.name for g in host.groups) == sorted(seen[name]["groups"]), name
        assert json.loads(json.dumps(host.data)) == seen[name]["vars"], name
    # the address plan reaches both engines: Nornir connects to the host Ansible connects to
    for name, host in hosts.items():
        assert host.hostname == seen[name]["vars"]["ansible_host"], name
    # vault values are decrypted identically
    assert any("vault_restic_password" in v["vars"] for v in seen.values())

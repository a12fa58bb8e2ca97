"""Ansible and Nornir reach every lab host with host key checking on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from netmiko import ConnectHandler
from nornir.core.task import Result, Task

from dzict.lab.podman import REPO_ROOT
from dzict.nornir_inventory import init_nornir
from support.lab import RunningLab

pytestmark = pytest.mark.lab


def test_ansible_ad_hoc_ping_reaches_every_host(lab: RunningLab) -> None:
    ansible = Path(sys.executable).parent / "ansible"
    result = subprocess.run(
        [
            str(ansible),
            "all",
            "-i",
            str(lab.path / "hosts.yml"),
            "--vault-password-file",
            str(lab.path / "vault-password"),
            "-m",
            "ansible.builtin.ping",
            "-o",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    pongs = {line.split(" | ")[0] for line in result.stdout.splitlines() if "SUCCESS" in line}
    assert pongs == set(lab.inventory.hosts), result.stdout + result.stderr


def _connect(task: Task, **override: Any) -> Any:
    params = task.host.get_connection_parameters("netmiko")
    extras = dict(params.extras or {}) | override
    return ConnectHandler(
        host=params.hostname,
        port=params.port or 22,
        username=params.username,
        password="",
        device_type=params.platform or "linux",
        conn_timeout=15,
        **extras,
    )


def _hostname(task: Task) -> Result:
    connection = _connect(task)
    try:
        return Result(host=task.host, result=connection.send_command("hostname").strip())
    finally:
        connection.disconnect()


def test_nornir_command_reaches_every_host_with_checked_keys(lab: RunningLab) -> None:
    nr = init_nornir(lab.path, vault_password_file=str(lab.path / "vault-password"))
    extras = nr.inventory.hosts[next(iter(lab.inventory.hosts))].connection_options
    assert extras["netmiko"].extras["ssh_strict"] is True
    assert extras["netmiko"].extras["alt_key_file"] == str(lab.known_hosts)
    results = nr.run(task=_hostname)
    assert {h: r[0].result for h, r in results.items() if not r.failed} == {
        h: h for h in lab.inventory.hosts
    }


def test_an_unknown_host_key_is_refused(lab: RunningLab, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    nr = init_nornir(lab.path, vault_password_file=str(lab.path / "vault-password"))
    router = next(h.name for h in lab.inventory.by_role("router"))

    def refused(task: Task) -> Result:
        _connect(task, alt_key_file=str(empty))
        return Result(host=task.host, result="connected")

    result = nr.filter(name=router).run(task=refused)
    assert result[router].failed
    assert "not found in known_hosts" in str(result[router][0].exception)

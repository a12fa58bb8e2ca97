"""The shared molecule base runs a role's scenario on a lab image in a network of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dzict.lab import images
from dzict.lab.podman import REPO_ROOT, Podman, containers_conf

pytestmark = pytest.mark.lab

BASE = REPO_ROOT / ".config" / "molecule" / "config.yml"
ROLE_TASK = """---
- name: Write the lab marker file
  ansible.builtin.copy:
    dest: /etc/dzict-molecule-marker
    content: "{{ dzict_marker_text }}\\n"
    mode: "0644"
"""
VERIFY = """---
- name: Verify
  hosts: all
  gather_facts: false
  tasks:
    - name: Verify systemd runs as PID 1, as on a lab host
      ansible.builtin.command: systemctl is-system-running --wait
      register: dzict_state
      changed_when: false
      failed_when: dzict_state.stdout not in ["running", "degraded"]
    - name: Verify the marker file holds the text
      ansible.builtin.command: cat /etc/dzict-molecule-marker
      register: dzict_marker
      changed_when: false
      failed_when: dzict_marker.stdout != "from molecule"
"""


def test_a_scenario_with_no_platforms_of_its_own_runs_on_the_base(tmp_path: Path) -> None:
    role = tmp_path / "roles" / "dzict_marker"
    (role / "tasks").mkdir(parents=True)
    (role / "defaults").mkdir()
    (role / "tasks" / "main.yml").write_text(ROLE_TASK)
    (role / "defaults" / "main.yml").write_text('---\ndzict_marker_text: "from molecule"\n')
    scenario = role / "molecule" / "default"
    scenario.mkdir(parents=True)
    (scenario / "molecule.yml").write_text("---\nscenario:\n  name: default\n")
    (scenario / "converge.yml").write_text(
        "---\n- name: Converge\n  hosts: all\n  gather_facts: false\n  roles:\n"
        "    - role: dzict_marker\n"
    )
    (scenario / "verify.yml").write_text(VERIFY)
    name = "dzict-mol-test-marker"
    env = {
        **os.environ,
        "DZICT_MOLECULE_IMAGE": images.ensure_image("pc"),
        "DZICT_MOLECULE_NAME": name,
        "CONTAINERS_CONF": str(containers_conf()),
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    result = subprocess.run(
        [str(Path(sys.executable).parent / "molecule"), "--base-config", str(BASE), "test"],
        cwd=role,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    podman = Podman()
    assert not podman.ok("container", "exists", name)
    assert not podman.ok("network", "exists", name)

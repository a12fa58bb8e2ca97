"""The dzict_outcomes callback: one JSON line per published result, failure, unreachable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLAY = """---
- name: Publish and fail
  hosts: all
  gather_facts: false
  tasks:
    - name: Publish a result
      ansible.builtin.set_fact:
        patch_linux_result: {before: [], after: [], held: [], reboot_required: false}
    - name: Fail on purpose
      ansible.builtin.fail:
        msg: health check failed
"""


def test_callback_records_results_and_failures(tmp_path: Path) -> None:
    (tmp_path / "play.yml").write_text(PLAY)
    out = tmp_path / "outcomes.jsonl"
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_CALLBACKS_ENABLED": "dzict_outcomes",
        "DZICT_OUTCOMES_FILE": str(out),
    }
    proc = subprocess.run(
        [
            str(Path(sys.executable).with_name("ansible-playbook")),
            "-i",
            "localhost,",
            "-c",
            "local",
            "-e",
            f"ansible_python_interpreter={sys.executable}",
            str(tmp_path / "play.yml"),
        ],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(x["host"], x["task"], x["status"]) for x in lines] == [
        ("localhost", "Publish a result", "ok"),
        ("localhost", "Fail on purpose", "failed"),
    ]
    assert lines[0]["facts"]["patch_linux_result"]["reboot_required"] is False
    assert lines[1]["msg"] == "health check failed"

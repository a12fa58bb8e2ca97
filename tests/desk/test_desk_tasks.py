"""``invoke desk.serve`` and ``invoke desk.unit`` as an officer runs them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, inventory: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DZICT_INVENTORY": str(inventory),
        "DZICT_TICKET_LOG": str(tmp_path / "log.jsonl"),
        "DZICT_DESK_OFFICERS": str(tmp_path / "desk" / "officers.json"),
        "DZICT_DESK_SECRET": str(tmp_path / "desk" / "secret.key"),
    }


def _invoke(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
        timeout=120,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_on_loopback_until_stopped(tmp_path: Path, lab_template: Path) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "invoke", "desk.serve", "--port", str(port)],
        cwd=ROOT,
        env=_env(tmp_path, lab_template),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        health = None
        deadline = time.monotonic() + 60
        while health is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health") as answer:
                    health = json.loads(answer.read())
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                time.sleep(0.3)
        assert health == {"status": "ok", "tickets": 0, "open": 0}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/request") as answer:
            assert "Send a request to the ICT Services Unit" in answer.read().decode()
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=30)
    assert f"service desk on http://127.0.0.1:{port}/" in out


def test_serve_refuses_a_bad_setting_in_one_line(tmp_path: Path, lab_template: Path) -> None:
    env = {**_env(tmp_path, lab_template), "DZICT_DESK_PORT": "99999"}
    refused = _invoke(["desk.serve"], env)
    assert refused.returncode == 1
    assert refused.stderr.strip() == "setting desk_port must be between 1 and 65535, not 99999"
    env = {**_env(tmp_path, lab_template), "DZICT_DESK_SECURE_COOKIES": "perhaps"}
    assert _invoke(["desk.serve"], env).stderr.strip() == (
        "setting desk_secure_cookies (DZICT_DESK_SECURE_COOKIES) must be yes or no, not 'perhaps'"
    )


def test_the_unit_passes_systemd_analyze_verify(tmp_path: Path, lab_template: Path) -> None:
    written = _invoke(
        ["desk.unit", "--dest", str(tmp_path / "units"), "--user", "root"],
        _env(tmp_path, lab_template),
    )
    assert written.returncode == 0, written.stderr
    unit = (tmp_path / "units" / "dzict-desk.service").read_text()
    assert f"ExecStart={sys.executable} -m invoke desk.serve --host 127.0.0.1 --port 8080" in unit
    assert f"Environment=DZICT_INVENTORY={lab_template}" in unit
    assert f"ReadWritePaths={tmp_path} {tmp_path / 'desk'}\n" in unit
    assert "ProtectSystem=strict" in unit
    check = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / "units" / "dzict-desk.service")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (check.returncode, check.stderr.strip()) == (0, "")


def test_with_a_mailbox_the_unit_comes_with_the_mail_timer(
    tmp_path: Path, lab_template: Path
) -> None:
    (tmp_path / "mail-password").write_text("secret\n")
    env = {
        **_env(tmp_path, lab_template),
        "DZICT_DESK_MAIL_HOST": "198.18.160.10",
        "DZICT_DESK_MAIL_USER": "desk",
        "DZICT_DESK_MAIL_ADDRESS": "desk@lab.invalid",
        "DZICT_DESK_MAIL_PASSWORD_FILE": str(tmp_path / "mail-password"),
    }
    written = _invoke(["desk.unit", "--dest", str(tmp_path / "units")], env)
    assert written.returncode == 0, written.stderr
    names = sorted(p.name for p in (tmp_path / "units").iterdir())
    assert names == ["dzict-desk-mail.service", "dzict-desk-mail.timer", "dzict-desk.service"]
    timer = (tmp_path / "units" / "dzict-desk-mail.timer").read_text()
    assert "OnCalendar=*:0/5" in timer
    assert "Unit=dzict-desk-mail.service" in timer
    service = (tmp_path / "units" / "dzict-desk-mail.service").read_text()
    assert f"ExecStart={sys.executable} -m invoke desk.mail" in service
    assert "systemctl enable --now dzict-desk.service dzict-desk-mail.timer" in written.stdout


def test_an_outage_is_recorded_in_local_time(tmp_path: Path, lab_template: Path) -> None:
    env = {**_env(tmp_path, lab_template), "DZICT_OFFICER": "pema"}
    args = ["desk.outage", "--start", "2026-03-31 10:00", "--end", "2026-03-31 12:00"]
    done = _invoke([*args, "--reason", "power cut", "--offices", "guma,talo"], env)
    assert done.returncode == 0, done.stderr
    assert "outage recorded (event 1): guma, talo" in done.stdout
    [event] = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert event["event"] == "outage"
    assert event["ticket"] is None
    assert (event["data"]["start"], event["data"]["end"]) == (
        "2026-03-31T04:00:00.000000Z",
        "2026-03-31T06:00:00.000000Z",
    )
    assert event["data"]["offices"] == ["guma", "talo"]
    unknown = _invoke([*args, "--reason", "x", "--offices", "atlantis"], env)
    assert unknown.stderr.strip() == "--offices: atlantis is not a site of the inventory"
    backwards = _invoke(
        [
            "desk.outage",
            "--start",
            "2026-03-31 12:00",
            "--end",
            "2026-03-31 10:00",
            "--reason",
            "x",
        ],
        env,
    )
    assert backwards.stderr.strip() == "an outage must end after it starts"

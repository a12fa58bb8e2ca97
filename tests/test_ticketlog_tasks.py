"""The ``ticket.*`` Invoke tasks, run as an officer runs them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from invoke.collection import Collection
from invoke.program import Program

from dzict.exceptions import TicketKeySourceError
from dzict.inventory.generate import LAB_TICKET_LOG_KEY
from dzict.jobs.ticket_key import ticket_log_key
from dzict.tasks import _common, ticket
from dzict.ticketlog import TicketLog

ROOT = Path(__file__).resolve().parent.parent


KEY = b"test-only ticket log key, 32 bytes"


@pytest.fixture
def log_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "var" / "ticket-log.jsonl"
    key_file = tmp_path / "ticket-log.key"
    key_file.write_bytes(KEY + b"\n")
    monkeypatch.setenv("DZICT_TICKET_LOG", str(path))
    monkeypatch.setenv("DZICT_TICKET_LOG_KEY_FILE", str(key_file))
    monkeypatch.setenv("DZICT_OFFICER", "kinley")
    monkeypatch.setattr(_common.console, "width", 200)
    return path


def invoke(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run `invoke ARGS` in this process on the ticket collection: exit code, stdout, stderr."""
    program = Program(namespace=Collection(ticket.ns), name="dzict", binary="invoke")
    try:
        program.run(["invoke", *args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_open_note_close_show_list(log_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = invoke(
        capsys, "ticket.open", "Talo Gewog", "wifi", "online-form", "AP silent", "--code", "PNK"
    )
    assert code == 0
    tid = out.strip()
    assert tid.startswith("PNK-")
    assert tid.endswith("-0001")
    assert invoke(capsys, "ticket.note", tid, "power cycled")[:2] == (
        0,
        f"{tid}: note recorded (event 2)\n",
    )
    code, out, _ = invoke(capsys, "ticket.list", "--open")
    assert code == 0
    assert tid in out
    assert "1 open tickets" in out
    assert invoke(capsys, "ticket.close", tid, "--resolution", "AP replaced")[0] == 0
    code, out, _ = invoke(capsys, "ticket.list", "--open")
    assert tid not in out
    code, out, _ = invoke(capsys, "ticket.show", "--ticket", tid)
    assert code == 0
    assert "power cycled" in out
    assert "AP replaced" in out
    assert "kinley" in out
    events = TicketLog(log_path, key=KEY).events(tid)
    assert [e["officer"] for e in events] == ["kinley"] * 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ticket.open", "a", "wifi", "pigeon", "s"), "channel must be one of"),
        (("ticket.open", "a", "wifi", "fax", "s", "--code", "pnk"), "Dzongkhag code"),
        (("ticket.note", "PNK-2026-0042", "x"), "ticket PNK-2026-0042 is not open (no such"),
        (("ticket.close", "nonsense", "x"), "not a ticket id"),
        (("ticket.show", "--ticket", "PNK-2026-0042"), "no ticket PNK-2026-0042"),
        (("ticket.verify", "--head", "12:beef"), "not a head token"),
        (("ticket.head",), "has no head yet"),
    ],
)
def test_mistakes_exit_1_with_one_line(
    log_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    code, _, err = invoke(capsys, *args)
    assert code == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_verify_head_and_repair(log_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = TicketLog(log_path, key=KEY)
    tid = log.open("Dzongkhag HQ", "lan", "phone", "high", "switch loop", "kinley")
    log.close(tid, "loop removed")
    code, out, _ = invoke(capsys, "ticket.verify")
    assert (code, out.split(": ")[1]) == (0, "OK")
    code, token, err = invoke(capsys, "ticket.head")
    assert code == 0
    assert token.strip() == (log.head() or pytest.fail("no head")).token
    assert "2 events" in err
    assert invoke(capsys, "ticket.verify", "--head", token.strip())[0] == 0

    with log_path.open("ab") as fh:
        fh.write(b'{"data":{"officer":')
    code, _, err = invoke(capsys, "ticket.verify")
    assert code == 2
    assert "TORN: line 3" in err
    assert "ticket.repair" in err
    code, _, err = invoke(capsys, "ticket.note", tid, "refused while torn")
    assert (code, "is torn" in err) == (1, True)
    code, out, _ = invoke(capsys, "ticket.repair")
    assert code == 0
    assert "cut torn line 3: 19 bytes" in out
    assert invoke(capsys, "ticket.repair")[1].endswith("intact, nothing to repair\n")
    assert invoke(capsys, "ticket.verify")[0] == 0

    raw = log_path.read_bytes().replace(b"switch loop", b"switch l00p")
    log_path.write_bytes(raw)
    code, _, err = invoke(capsys, "ticket.verify")
    assert code == 1
    assert "TAMPERED: line 1: changed" in err
    code, _, err = invoke(capsys, "ticket.repair")
    assert code == 1
    assert "restore" in err
    assert "ticket.repair --force" in err
    code, out, _ = invoke(capsys, "ticket.repair", "--force")
    assert code == 0
    assert "cut lines 1.. (3 lines" in out
    kept = next(log_path.parent.glob("ticket-log.jsonl.cut-*"))
    assert b"switch l00p" in kept.read_bytes()
    code, out, _ = invoke(capsys, "ticket.verify")
    assert (code, "OK: 1 events" in out) == (0, True)


def test_report_writes_tables_and_chart(
    log_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = TicketLog(log_path, key=KEY)
    for agency in ("Lobesa Gewog", "Punakha Hospital"):
        log.close(log.open(agency, "patch", "email", "low", "update PCs", "kinley"), "done")
    log.open("Punakha Hospital", "wifi", "walk-in", "normal", "no signal", "kinley")
    chart = tmp_path / "out" / "tat.png"
    # the lab inventory has a service-desk calendar: working time, requests and the unit apart
    code, out, _ = invoke(capsys, "ticket.report", "--chart", str(chart))
    assert code == 0
    assert "Working-time TTO and TTR by agency: agencies' requests" in out
    assert "Punakha Hospital" in out
    assert "Open tickets by age (1 open)" in out
    assert f"chart: {chart}" in out
    assert chart.read_bytes().startswith(b"\x89PNG")
    # without a calendar: open to close in calendar hours, as before
    plain = tmp_path / "inv"
    shutil.copytree(ROOT / "inventory" / "lab", plain)
    (plain / "group_vars" / "all" / "service_desk.yml").unlink()
    code, out, _ = invoke(capsys, "ticket.report", "--chart", str(chart), "-i", str(plain))
    assert code == 0
    assert "Turn-around time by agency (2 closed tickets)" in out
    assert "Open tickets by age (1 open)" in out
    code, _, err = invoke(capsys, "ticket.report", "--csv", "x.csv", "-i", str(plain))
    assert (code, err.strip()) == (1, "--csv needs the inventory's service_desk calendar")


def test_tasks_through_the_project_tasks_py(tmp_path: Path) -> None:
    """The real entry point: `invoke -r ROOT ticket.*` in a fresh process, log from the env."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DZICT_TICKET_LOG": str(tmp_path / "log.jsonl"),
        "DZICT_OFFICER": "yeshi",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "invoke", "-r", str(ROOT), *args]
        return subprocess.run(
            argv, check=False, env=env, cwd=tmp_path, capture_output=True, text=True
        )

    opened = run("ticket.open", "Gasa Dzong", "wan", "phone", "link down", "--code", "GSA")
    assert opened.returncode == 0, opened.stderr
    tid = opened.stdout.strip()
    assert tid.startswith("GSA-")
    assert run("ticket.close", tid, "--resolution", "demo finished").returncode == 0
    verified = run("ticket.verify")
    assert verified.returncode == 0, verified.stderr
    assert "OK: 2 events" in verified.stdout
    (tmp_path / "log.jsonl").write_bytes((tmp_path / "log.jsonl").read_bytes()[:-1])
    broken = run("ticket.verify")
    assert broken.returncode == 1
    assert "TAMPERED: line 2" in broken.stderr


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (b"[1, 2]\n", 1, "TAMPERED: line 1: not a valid event (not a JSON object)"),
        (b'{"data":"\xff\xfe"}\n', 1, "TAMPERED: line 1: not a valid event (not valid JSON"),
        (None, 4, "not a regular file"),
    ],
    ids=["not-an-object", "bad-utf8", "folder"],
)
def test_odd_logs_are_one_line_each(
    log_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes | None,
    code: int,
    message: str,
) -> None:
    log_path.parent.mkdir(parents=True)
    if content is None:
        log_path.mkdir()
    else:
        log_path.write_bytes(content + b'{"data":{}}\n')
    for args, want in ((("ticket.verify",), code), (("ticket.show",), 1), (("ticket.list",), 1)):
        got, _, err = invoke(capsys, *args)
        assert got == want, (args, err)
        assert len(err.strip().splitlines()) == 1, err
        assert "Traceback" not in err
        if args == ("ticket.verify",):
            assert message in err


def test_permission_denied_is_one_line(tmp_path: Path) -> None:
    """A log the officer may not read: verify exits 4 with one line. The task runs in a user
    namespace of its own (not root there, so the log's mode 000 holds), which still reads the
    checkout wherever root keeps it, a private 0700 folder included."""
    log = tmp_path / "ticket-log.jsonl"
    log.write_bytes(b"")
    log.chmod(0o000)
    key_file = tmp_path / "key"
    key_file.write_bytes(KEY)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DZICT_TICKET_LOG": str(log),
        "DZICT_TICKET_LOG_KEY_FILE": str(key_file),
        "MPLCONFIGDIR": str(tmp_path / "mpl"),
    }
    argv = ["unshare", "--user", "--", sys.executable, "-m", "invoke", "-r", str(ROOT)]
    done = subprocess.run(
        [*argv, "ticket.verify"], env=env, cwd=tmp_path, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 4, done.stderr
    assert done.stderr.strip().endswith("Permission denied")
    assert len(done.stderr.strip().splitlines()) == 1


def test_checkpoint_task_and_anchor(log_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = TicketLog(log_path, key=KEY)
    tid = log.open("Dzongkhag HQ", "lan", "phone", "high", "switch loop", "kinley")
    out_file = log_path.parent / "checkpoint.json"
    code, out, _ = invoke(capsys, "ticket.checkpoint", "--out", str(out_file))
    assert code == 0
    assert f"signed with key id {log.key_id}" in out
    log.close(tid, "loop removed")
    code, out, _ = invoke(capsys, "ticket.verify", "--anchor", str(out_file))
    assert code == 0
    assert "the first 1 events are those of the checkpoint" in out
    log_path.write_bytes(log_path.read_bytes().replace(b"switch loop", b"switch l00p"))
    code, _, err = invoke(capsys, "ticket.verify", "--anchor", str(out_file))
    assert code == 1
    assert "TAMPERED: line 1" in err


def test_one_log_per_project_wherever_the_task_runs(tmp_path: Path) -> None:
    """From a subfolder, invoke.yaml's relative ticket_log is the project's, not the cwd's."""
    project = tmp_path / "project"
    deep = project / "docs" / "notes"
    deep.mkdir(parents=True)
    (project / "tasks.py").write_text(
        "from invoke.collection import Collection\n\n"
        "from dzict.tasks import ticket\n\n"
        "ns = Collection(ticket.ns)\n"
    )
    (project / "invoke.yaml").write_text("ticket_log: var/ticket-log.jsonl\n")
    key_file = tmp_path / "key"
    key_file.write_bytes(KEY)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DZICT_TICKET_LOG_KEY_FILE": str(key_file)}
    env.pop("DZICT_TICKET_LOG", None)

    def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "invoke", *args]
        return subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=False)

    opened = run(deep, "ticket.open", "Gasa Dzong", "wan", "phone", "link down", "--code", "GSA")
    assert opened.returncode == 0, opened.stderr
    closed = run(project / "docs", "ticket.close", opened.stdout.strip(), "--resolution", "up")
    assert closed.returncode == 0, closed.stderr
    verified = run(project, "ticket.verify")
    assert "OK: 2 events" in verified.stdout, verified.stderr
    assert sorted(p.name for p in (project / "var").iterdir()) == [
        "ticket-log.jsonl",
        "ticket-log.jsonl.head",
    ]
    assert not (deep / "var").exists()
    assert not (project / "docs" / "var").exists()


def test_key_comes_from_the_vault_unless_a_key_file_is_named(
    lab_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DZICT_TICKET_LOG_KEY_FILE", raising=False)
    assert ticket_log_key(lab_copy) == LAB_TICKET_LOG_KEY.encode()
    key_file = tmp_path / "key"
    key_file.write_bytes(KEY + b"\n")
    monkeypatch.setenv("DZICT_TICKET_LOG_KEY_FILE", str(key_file))
    assert ticket_log_key(lab_copy) == KEY
    monkeypatch.setenv("DZICT_TICKET_LOG_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(TicketKeySourceError, match="cannot read the key file"):
        ticket_log_key(lab_copy)
    monkeypatch.delenv("DZICT_TICKET_LOG_KEY_FILE")
    (lab_copy / "vault-password").write_text("wrong\n")
    with pytest.raises(TicketKeySourceError, match="cannot read the vault"):
        ticket_log_key(lab_copy)
    assert ticket_log_key(tmp_path) is None  # no vault at all: an unsigned log

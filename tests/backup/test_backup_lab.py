"""Backups on the test lab, through the officer's own commands (`invoke backup.*`).

On one backup set, deployed and backed up once by the fixture: a good run of every member; a
dropped table and a deleted file brought back identical; a drill that passes and is in the ticket
log; the backup host stopped (the run fails, says why, and logs a failure); a corrupted pack (the
check fails loudly and the status shows FAILED; last, as it leaves the repository damaged).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dzict import lab as lablib
from dzict.backup.deploy import deploy
from dzict.backup.policy import CONTROL, clients
from dzict.backup.status import read_status
from dzict.ticketlog import TicketLog
from support.lab import RunningLab

pytestmark = pytest.mark.lab

ROOT = Path(__file__).resolve().parents[2]
AGENT = "/usr/local/sbin/dzict-backup"
VICTIM_FILE = "/srv/files/guma-gewog-administration/correspondence/letter-001.txt"


@dataclass
class Site:
    """The lab, the officer's environment, and an open ticket."""

    lab: RunningLab
    env: dict[str, str]
    ticket: str
    log: TicketLog
    var: Path
    first_run: subprocess.CompletedProcess[str] | None = None

    @property
    def app(self) -> str:
        return next(h for h in clients(self.lab.inventory) if h.endswith("-hq-app"))

    @property
    def backup_host(self) -> str:
        return f"{self.lab.prefix}-hq-backup"

    def invoke(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "invoke", *args]
        return subprocess.run(
            cmd, cwd=ROOT, env=self.env, capture_output=True, text=True, check=False
        )

    def agent(self, *args: str) -> dict[str, object]:
        out = self.lab.ssh(self.app, " ".join([AGENT, *args])).stdout
        data: dict[str, object] = json.loads(out)
        return data


@pytest.fixture(scope="module")
def site(lab: RunningLab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    var = tmp_path_factory.mktemp("backup-var")
    (var / "config-backups").mkdir()
    (var / "config-backups" / "router.conf").write_text("hostname lab-router\n")
    env = {
        **os.environ,
        "DZICT_INVENTORY": str(lab.path),
        "DZICT_TICKET_LOG": str(var / "ticket-log.jsonl"),
        "DZICT_BACKUP_STATUS": str(var / "backup-status.json"),
        "DZICT_BACKUP_CONTROL_DIR": str(var / "control"),
        "DZICT_CONFIG_BACKUPS": str(var / "config-backups"),
    }
    log = TicketLog(var / "ticket-log.jsonl", code=lab.inventory.dzongkhag.code)
    ticket = log.open("ICT Services Unit", "backup", "phone", "normal", "Back up the lab", "test")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            if key.startswith("DZICT_"):
                mp.setenv(key, value)
        members = [*clients(lab.inventory), CONTROL]
        assert deploy(lab.inventory, members, control_dir=var / "control", quiet=True).ok
        site = Site(lab, env, ticket, log, var)
        site.first_run = site.invoke("backup.run", "--ticket", ticket)
        yield site


def _file_hash(site: Site, path: str) -> str:
    return site.lab.ssh(site.app, f"sha256sum {path}").stdout.split()[0]


def _row_counts(site: Site) -> dict[str, object]:
    tables = site.agent("fingerprint", "postgresql", "servicedesk")["tables"]
    assert isinstance(tables, dict)
    return tables


def test_run_backs_up_every_member(site: Site) -> None:
    done = site.first_run
    assert done is not None
    assert done.returncode == 0, done.stdout + done.stderr
    status = read_status(Path(site.env["DZICT_BACKUP_STATUS"]))
    for member in [*clients(site.lab.inventory), CONTROL]:
        entry = status.hosts[member]
        assert entry.last_run is not None
        assert entry.last_run.result == "ok"
        assert entry.last_good is not None
    runs = [e for e in site.log.events(site.ticket) if e.get("task") == "backup.run"]
    assert (runs[0]["result"], sorted(runs[0]["targets"])) == ("ok", sorted(status.hosts))
    shown = site.invoke("backup.status", "--check")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert shown.stdout.count("OK") >= 3


def test_restore_brings_back_a_dropped_table_and_a_deleted_file(site: Site) -> None:
    before_tables = _row_counts(site)
    before_file = _file_hash(site, VICTIM_FILE)
    site.lab.ssh(site.app, "runuser -u postgres -- psql -d servicedesk -c 'DROP TABLE requests'")
    site.lab.ssh(site.app, f"rm {VICTIM_FILE}")
    assert "public.requests" not in _row_counts(site)

    db = site.invoke(
        "backup.restore", "--ticket", site.ticket, "--host", site.app,
        "--database", "postgresql/servicedesk",
    )  # fmt: skip
    assert db.returncode == 0, db.stdout + db.stderr
    files = site.invoke(
        "backup.restore", "--ticket", site.ticket, "--host", site.app,
        "--path", VICTIM_FILE, "--target", "/",
    )  # fmt: skip
    assert files.returncode == 0, files.stdout + files.stderr

    assert _row_counts(site) == before_tables
    assert _file_hash(site, VICTIM_FILE) == before_file
    restores = [e for e in site.log.events(site.ticket) if e.get("task") == "backup.restore"]
    assert [e["result"] for e in restores] == ["applied", "applied"]


def test_drill_passes_and_is_in_the_ticket_log(site: Site) -> None:
    done = site.invoke("backup.drill", "--ticket", site.ticket, "--files", "10")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "restore drill passed" in done.stdout
    event = site.log.events(site.ticket)[-1]
    assert (event["task"], event["result"]) == ("backup.drill", "ok")
    app = event["details"]["hosts"][site.app]
    assert app["passed"] is True
    assert app["databases"] == 2
    assert app["files"] >= 1


def test_backup_host_down_fails_the_run_and_says_why(site: Site) -> None:
    inv = site.lab.inventory
    lablib.fault_host(inv, site.backup_host, stop=True)
    try:
        done = site.invoke("backup.run", "--ticket", site.ticket, "--limit", site.app)
    finally:
        lablib.fault_host(inv, site.backup_host, stop=False)
    assert done.returncode == 1
    assert f"backup failed on {site.app}" in done.stderr
    said = done.stdout + done.stderr
    assert "connect to host" in said or "unable to start the sftp session" in said, said
    event = site.log.events(site.ticket)[-1]
    assert (event["task"], event["result"]) == ("backup.run", "failed")
    assert event["details"]["hosts"][site.app]["result"] == "failed"
    entry = read_status(Path(site.env["DZICT_BACKUP_STATUS"])).hosts[site.app]
    assert entry.last_run is not None
    assert entry.last_run.result == "failed"
    shown = site.invoke("backup.status", "--limit", site.app, "--check")
    assert shown.returncode == 2
    assert "FAILED" in shown.stdout


def test_corrupted_pack_fails_the_check_loudly(site: Site) -> None:
    again = site.invoke("backup.run", "--ticket", site.ticket, "--limit", site.app)
    assert again.returncode == 0, again.stdout + again.stderr
    repo = f"/srv/backup/bk-{site.app}/repo/data"
    pack = site.lab.ssh(
        site.backup_host, f"find {repo} -type f -printf '%s %p\\n' | sort -n | tail -1"
    ).stdout.split()[1]
    site.lab.ssh(
        site.backup_host,
        f"chmod u+w {pack} && printf 'dzict-corruption-test' "
        f"| dd of={pack} bs=1 seek=200 conv=notrunc status=none",
    )
    checked = site.invoke("backup.check", "--limit", site.app, "--subset", "100%")
    assert checked.returncode == 1
    assert "REPOSITORY CHECK FAILED" in checked.stderr
    assert "repository contains errors" in checked.stderr or "does not match" in checked.stderr
    shown = site.invoke("backup.status", "--limit", site.app, "--check")
    assert shown.returncode == 2
    assert "FAILED" in shown.stdout
    assert f"{site.app}: FAILED: repository check of " in shown.stderr

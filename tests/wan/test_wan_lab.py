"""WAN provisioning on the test lab, through ``invoke wan.*`` as an officer runs it.

From the fresh lab: plan shows a diff for every router; apply converges; verify passes; plan
--check exits 0; a reviewed plan file is applied as planned, a router changed by hand since is
rejected. Then the failure paths: a candidate FRR rejects, a change that cuts the
management path, an office router stopped during an apply, WAN links cut (verify DEGRADED,
exit 3, naming the link); and a rollback.
The tests run in file order and leave the routers in their intended configuration.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dzict import lab as lablib
from dzict.backup.status import Snapshot, now, record_run
from dzict.inventory.model import WanLink
from dzict.ticketlog import TicketLog
from dzict.wan.configstore import ConfigStore
from support.lab import RunningLab

pytestmark = pytest.mark.lab

REPO = Path(__file__).resolve().parents[2]
REVERT_IN = 40
GRACE = 30


@dataclass
class Wan:
    """The lab, the files of this test run, and one open ticket."""

    lab: RunningLab
    env: dict[str, str]
    tmp: Path
    ticket: str

    @property
    def routers(self) -> list[str]:
        return sorted(h.name for h in self.lab.inventory.by_role("router"))

    def invoke(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``invoke wan.* -i LAB ...``; output for the assertion messages."""
        command = [sys.executable, "-m", "invoke", args[0], "-i", str(self.lab.path), *args[1:]]
        return subprocess.run(
            command,
            cwd=REPO,
            env={**self.env, **(env or {}), "COLUMNS": "200"},
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )

    def running(self, router: str) -> str:
        return self.lab.ssh(router, "vtysh -c 'show running-config'").stdout

    def events(self, task: str = "wan.apply") -> list[dict[str, Any]]:
        log = Path(self.env["DZICT_TICKET_LOG"])
        lines = [json.loads(line) for line in log.read_text().splitlines()]
        return [e for e in lines if e.get("data", {}).get("task") == task]

    def templates(self, name: str) -> Path:
        """A private copy of the templates to break on purpose."""
        target = self.tmp / name
        shutil.copytree(REPO / "templates", target)
        return target


FIRST_START = (REPO / "dzict/lab/overlay/router/etc/frr/frr.conf").read_text()


def _first_start(lab: RunningLab) -> None:
    """Put every router back to the config it had at first start (management address only):
    earlier tests of the session may have provisioned the shared lab's WAN."""
    for router in sorted(h.name for h in lab.inventory.by_role("router")):
        lab.ssh(
            router,
            f"printf %s {shlex.quote(FIRST_START)} > /etc/frr/frr.conf"
            " && /usr/lib/frr/frr-reload.py --reload /etc/frr/frr.conf",
        )


@pytest.fixture(scope="module")
def wan(lab: RunningLab, tmp_path_factory: pytest.TempPathFactory) -> Wan:
    _first_start(lab)
    tmp = tmp_path_factory.mktemp("wan")
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "DZICT_TICKET_LOG": str(tmp / "ticket-log.jsonl"),
        "DZICT_BACKUP_STATUS": str(tmp / "backup-status.json"),
        "DZICT_CONFIG_BACKUPS": str(tmp / "config-backups"),
        "DZICT_WAN_SAVED": str(tmp / "wan-saved"),
        "DZICT_WAN_LOCK": str(tmp / "wan.lock"),
    }
    ticket = TicketLog(env["DZICT_TICKET_LOG"], code=lab.inventory.dzongkhag.code).open(
        agency="Lab Dzongkhag Administration",
        category="network",
        channel="online-form",
        priority="normal",
        summary="Provision the WAN",
        officer="test",
    )
    return Wan(lab, env, tmp, ticket)


def _table(output: str) -> dict[str, str]:
    """``{router: result}`` from a summary table."""
    rows = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) > 5 and cells[1].endswith("-rtr"):
            rows[cells[1]] = cells[4]
    return rows


def _stages(wan: Wan) -> list[tuple[str, tuple[str, ...]]]:
    from dzict.wan.rollout import stages

    return [(s.name, s.hosts) for s in stages(wan.lab.inventory, wan.routers)]


def _good_backup(wan: Wan) -> None:
    """The backup gate's precondition: the control node's backup set (which holds the config
    repository) has a good backup now."""
    record_run(
        "control",
        "ok",
        snapshot=Snapshot(time=now(), snapshot="wan-lab-test", size=1),
        path=Path(wan.env["DZICT_BACKUP_STATUS"]),
    )


def test_apply_refused_without_recent_backup_or_open_ticket(wan: Wan) -> None:
    before = {r: wan.running(r) for r in wan.routers}
    refused = wan.invoke("wan.apply", "--ticket", wan.ticket)
    assert refused.returncode == 1
    assert "no good backup recorded" in refused.stderr
    _good_backup(wan)
    unknown = wan.invoke("wan.apply", "--ticket", "LAB-2026-9999")
    assert unknown.returncode == 1, unknown.stdout
    assert "LAB-2026-9999" in unknown.stderr
    assert {r: wan.running(r) for r in wan.routers} == before


def test_fresh_lab_plan_shows_a_diff_for_every_router(wan: Wan) -> None:
    result = wan.invoke("wan.plan", "--check")
    assert result.returncode == 2, result.stdout + result.stderr
    assert _table(result.stdout) == dict.fromkeys(wan.routers, "changed")


def test_apply_converges_verify_passes_plan_check_is_clean(wan: Wan) -> None:
    applied = wan.invoke("wan.apply", "--ticket", wan.ticket)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    verified = wan.invoke("wan.verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "FAIL" not in verified.stdout
    check = wan.invoke("wan.plan", "--check")
    assert check.returncode == 0, check.stdout + check.stderr
    events = {e["data"]["targets"][0]: e["data"] for e in wan.events()}
    assert sorted(events) == wan.routers
    for data in events.values():
        assert data["result"] == "applied"
        assert data["before"] != data["after"]
        assert data["diff"].startswith("+") or "\n+" in data["diff"]
        assert data["details"]["stage"] in ("canary", "offices", "hq")
        assert len(data["backup_commit"]) == 40
    store = ConfigStore(wan.env["DZICT_CONFIG_BACKUPS"])
    assert {p.stem for p in store.path.glob("*.cfg")} == set(wan.routers)
    subjects = [subject for _, subject in store.history()]
    assert f"wan.apply {wan.ticket}: after the change" in subjects


def test_backup_commits_only_on_change_and_names_the_ticket(wan: Wan) -> None:
    store = ConfigStore(wan.env["DZICT_CONFIG_BACKUPS"])
    head = store.head()
    again = wan.invoke("wan.backup", "--ticket", wan.ticket)
    assert again.returncode == 0, again.stdout + again.stderr
    assert store.head() == head
    assert "nothing changed" in again.stdout
    (event,) = wan.events("wan.backup")[-1:]
    assert event["data"]["backup_commit"] == head


def test_reviewed_plan_is_applied_as_planned_and_a_router_changed_since_rejected(
    wan: Wan,
) -> None:
    changed = wan.templates("v3")
    part = changed / "frr" / "_interface.j2"
    part.write_text(
        part.read_text().replace(
            "description {{ interface.description }}",
            "description {{ interface.description }} (v3)",
        )
    )
    plan_file = wan.tmp / "reviewed-plan.json"
    planned = wan.invoke("wan.plan", "--out", str(plan_file), env={"DZICT_TEMPLATES": str(changed)})
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert _table(planned.stdout) == dict.fromkeys(wan.routers, "changed")
    victim = _stages(wan)[1][1][0]
    wan.lab.ssh(victim, "vtysh -c 'conf t' -c 'ip route 198.19.127.254/32 blackhole'")
    by_hand = wan.running(victim)
    # the plan's candidates are applied as reviewed: the templates are not read again
    applied = wan.invoke("wan.apply", "--ticket", wan.ticket, "--plan", str(plan_file))
    assert applied.returncode == 1, applied.stdout + applied.stderr
    assert f"wan.apply: rejected {victim}: running config changed since the plan" in applied.stderr
    assert wan.running(victim) == by_hand
    for router in wan.routers:
        if router != victim:
            assert "(v3)" in wan.running(router), router
    last = [e["data"] for e in wan.events() if e["data"]["targets"] == [victim]][-1]
    assert last["result"] == "rejected"
    assert last["before"] == last["after"]
    again = wan.invoke("wan.apply", "--ticket", wan.ticket)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "blackhole" not in wan.running(victim)
    assert wan.invoke("wan.plan", "--check").returncode == 0


def test_candidate_frr_rejects_changes_no_router(wan: Wan) -> None:
    broken = wan.templates("rejected")
    ospf = broken / "frr" / "ospf.j2"
    ospf.write_text(
        ospf.read_text().replace(
            " log-adjacency-changes\n", " log-adjacency-changes\n ospf bogus-option 7\n"
        )
    )
    before = {r: wan.running(r) for r in wan.routers}
    planned = wan.invoke("wan.plan", "--check", env={"DZICT_TEMPLATES": str(broken)})
    assert planned.returncode == 1, planned.stdout  # an error, not "differs" (2)
    assert set(_table(planned.stdout).values()) == {"error"}
    result = wan.invoke("wan.apply", "--ticket", wan.ticket, env={"DZICT_TEMPLATES": str(broken)})
    assert result.returncode == 1
    assert {r: wan.running(r) for r in wan.routers} == before
    canary = next(
        e["data"] for e in reversed(wan.events()) if e["data"]["details"]["stage"] == "canary"
    )
    message = result.stderr
    assert canary["targets"][0] in message
    assert "line " in message
    assert "ospf bogus-option 7" in message


def _reachable(wan: Wan, router: str) -> bool:
    return (
        lablib.ssh_check(
            str(wan.lab.inventory.hosts[router].mgmt_address), wan.lab.key, wan.lab.known_hosts, 3
        )
        is None
    )


def test_change_cutting_management_reverts_itself(wan: Wan) -> None:
    router = wan.routers[-1]
    control = wan.lab.ssh(router, "echo $SSH_CLIENT").stdout.split()[0]
    broken = wan.templates("cut")
    base = broken / "frr" / "base.j2"
    base.write_text(base.read_text() + f"ip route {control}/32 blackhole\n!\n")
    before = wan.running(router)
    seen: dict[str, float] = {}
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            ok = _reachable(wan, router)
            if not ok and "cut" not in seen:
                seen["cut"] = time.monotonic()
            if ok and "cut" in seen and "back" not in seen:
                seen["back"] = time.monotonic()
            time.sleep(1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        result = wan.invoke(
            "wan.apply",
            "--ticket",
            wan.ticket,
            "--limit",
            router,
            "--revert-in",
            str(REVERT_IN),
            "--converge-timeout",
            "10",
            env={"DZICT_TEMPLATES": str(broken)},
        )
    finally:
        stop.set()
        watcher.join()
    assert result.returncode == 1
    assert "cut" in seen, "the change did not cut the management path"
    assert "back" in seen, "the router did not come back"
    assert seen["back"] - seen["cut"] <= REVERT_IN + GRACE
    assert wan.running(router) == before
    last = wan.events()[-1]["data"]
    assert last["targets"] == [router]
    assert last["result"] == "reverted"
    assert last["before"] == last["after"]


def test_stopped_office_router_during_apply(wan: Wan) -> None:
    changed = wan.templates("v2")
    part = changed / "frr" / "_interface.j2"
    part.write_text(
        part.read_text().replace(
            "description {{ interface.description }}",
            "description {{ interface.description }} (v2)",
        )
    )
    env = {**wan.env, "DZICT_TEMPLATES": str(changed), "COLUMNS": "200"}
    stages = _stages(wan)
    canary, offices = stages[0][1][0], stages[1][1]
    victim, survivor = offices[-1], offices[0]
    count = len(wan.events())
    apply = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "invoke",
            "wan.apply",
            "-i",
            str(wan.lab.path),
            "--ticket",
            wan.ticket,
            "--revert-in",
            "90",
            "--converge-timeout",
            "45",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 300
        while not any(e["data"]["targets"] == [canary] for e in wan.events()[count:]):
            assert apply.poll() is None, apply.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.5)
        lablib.fault_host(wan.lab.inventory, victim, stop=True)
        out, err = apply.communicate(timeout=900)
    finally:
        if apply.poll() is None:
            apply.kill()
        # the later tests need the router back, whatever this one found
        lablib.fault_host(wan.lab.inventory, victim, stop=False)
    assert apply.returncode == 1, out + err
    results = {e["data"]["targets"][0]: e["data"]["result"] for e in wan.events()[count:]}
    assert results[canary] == "applied"
    assert results[survivor] == "applied", out + err
    assert results[victim] not in ("applied", "unchanged")
    assert all(results[h] == "skipped" for h in stages[2][1])
    templates = {"DZICT_TEMPLATES": str(changed)}
    rerun = wan.invoke("wan.apply", "--ticket", wan.ticket, env=templates)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    check = wan.invoke("wan.plan", "--check", env=templates)
    assert check.returncode == 0, check.stdout


def _backup_and_primary(wan: Wan) -> tuple[WanLink, WanLink]:
    """The redundant link (highest cost) and a primary link of one of its routers."""
    inventory = wan.lab.inventory
    backup = max(inventory.links, key=lambda link: link.cost)
    primary = next(
        link
        for link in inventory.links
        if link.cost < backup.cost and backup.a.host in (link.a.host, link.b.host)
    )
    return backup, primary


def _degraded_by_cut(wan: Wan, link: WanLink) -> subprocess.CompletedProcess[str]:
    """wan.verify with ``link`` cut (restored afterwards, whatever happens)."""
    lablib.fault_link(wan.lab.inventory, str(link.id), cut=True)
    try:
        return wan.invoke("wan.verify", "--wait", "30")
    finally:
        lablib.fault_link(wan.lab.inventory, str(link.id), cut=False)


def test_cut_backup_link_verify_is_degraded_naming_it_then_ok_once_restored(wan: Wan) -> None:
    backup, _ = _backup_and_primary(wan)
    result = _degraded_by_cut(wan, backup)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "FAIL" not in result.stdout  # every pair still answers
    ends = (
        f"{backup.name} {backup.a.host} {backup.a.interface} - {backup.b.host} {backup.b.interface}"
    )
    assert "wan.verify: DEGRADED" in result.stderr
    assert ends in " ".join(result.stderr.split())
    restored = wan.invoke("wan.verify", "--wait", "30")
    assert restored.returncode == 0, restored.stdout + restored.stderr


def test_cut_one_link_of_the_redundant_pair_pings_still_pass_degraded(wan: Wan) -> None:
    _, primary = _backup_and_primary(wan)
    result = _degraded_by_cut(wan, primary)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "absent" in result.stdout  # the cut adjacency is shown, the pings still pass
    assert "FAIL" not in result.stdout
    assert f"{primary.name} " in result.stderr
    assert wan.invoke("wan.verify", "--wait", "30").returncode == 0


def test_rollback_to_before_the_ticket_then_apply_again(wan: Wan) -> None:
    rolled = wan.invoke("wan.rollback", "--ticket", wan.ticket)
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert wan.invoke("wan.plan", "--check").returncode == 2
    again = wan.invoke("wan.apply", "--ticket", wan.ticket)
    assert again.returncode == 0, again.stdout + again.stderr
    assert wan.invoke("wan.plan", "--check").returncode == 0

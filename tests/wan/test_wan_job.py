"""The WAN job end to end on routers in memory (tests/wan/wan_doubles.py), no lab: one pass
per change, the staged rollout stopping at a failed stage, reverts awaited on a patched clock,
reviewed plan files, and verify's DEGRADED."""

from __future__ import annotations

import importlib
import json
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from invoke.context import Context
from invoke.exceptions import Exit
from wan_doubles import FakeClock, FakeWan

from dzict.exceptions import WanPlanError
from dzict.inventory import Inventory
from dzict.jobs import Recorder
from dzict.nornir_inventory import nornir_of
from dzict.tasks import wan as wan_tasks
from dzict.ticketlog import TicketLog
from dzict.wan import change
from dzict.wan.configstore import ConfigStore
from dzict.wan.outcome import config_hash
from dzict.wan.plan import WanPlan
from dzict.wan.runner import ApplyReport, WanJob
from dzict.wan.saved import SavedConfigs

CANARY, KABISA, TALO, HQ = "dzlab-guma-rtr", "dzlab-kabisa-rtr", "dzlab-talo-rtr", "dzlab-hq-rtr"
ROUTERS = [CANARY, HQ, KABISA, TALO]


@dataclass
class Setup:
    """A job on the lab inventory, its routers in memory, a ticket, and the run's files."""

    wan: FakeWan
    clock: FakeClock
    job: WanJob
    log: TicketLog
    ticket: str
    store: ConfigStore
    saved: SavedConfigs
    tmp: Path

    def apply(self, names: list[str] | None = None, **kwargs: Any) -> ApplyReport:
        return self.job.apply(
            names or ROUTERS,
            Recorder(self.log, self.ticket, "Test Officer"),
            self.store,
            self.saved,
            revert_in=40,
            converge_timeout=0,
            **kwargs,
        )

    def events(self, task: str = "wan.apply") -> list[dict[str, Any]]:
        return [e for e in self.log.events(self.ticket) if e.get("task") == task]

    def results(self) -> dict[str, str]:
        return {e["targets"][0]: e["result"] for e in self.events() if len(e["targets"]) == 1}


@pytest.fixture
def setup(
    lab_inventory: Inventory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Setup]:
    clock = FakeClock()
    wan = FakeWan(lab_inventory, clock)
    monkeypatch.setattr("nornir_napalm.plugins.connections.get_network_driver", wan.driver)
    for module in (
        "dzict.wan.change",
        "nornir_tasks.apply_config",
        "nornir_tasks.verify_ospf",
        "nornir_tasks.verify_reachability",
    ):
        monkeypatch.setattr(importlib.import_module(module), "time", clock)
    job = WanJob(lab_inventory, nornir=nornir_of(lab_inventory, num_workers=1))
    log = TicketLog(tmp_path / "ticket-log.jsonl", code=lab_inventory.dzongkhag.code)
    ticket = log.open(
        agency="Lab Dzongkhag Administration",
        category="network",
        channel="online-form",
        priority="normal",
        summary="Provision the WAN",
        officer="test",
    )
    store, saved = ConfigStore(tmp_path / "backups"), SavedConfigs(tmp_path / "saved")
    try:
        yield Setup(wan, clock, job, log, ticket, store, saved, tmp_path)
    finally:
        job.close()


def test_one_pass_fetches_each_changed_router_once_before_and_once_after(setup: Setup) -> None:
    report = setup.apply()
    assert report.ok
    assert {n: r.status for n, r in report.rows.items()} == dict.fromkeys(ROUTERS, "applied")
    for name in ROUTERS:
        assert setup.wan.count(name, "get_config") == 2, name
        assert setup.wan.count(name, "load_replace_candidate") == 1, name
        assert setup.wan.count(name, "compare_config") == 1, name
        assert setup.wan.count(name, "commit_config") == 1, name
        assert setup.wan.at_intent(name)
        first = setup.saved.before(setup.ticket, name)
        assert first.startswith("frr defaults traditional\nhostname ")
        after = setup.saved.path / setup.ticket / f"{name}.after.cfg"
        assert after.read_text() == setup.wan.intended[name]
        assert "config" not in vars(report.rows[name])
    assert setup.results() == dict.fromkeys(ROUTERS, "applied")
    backups = [e["details"]["when"] for e in setup.events("wan.backup")]
    assert backups == ["before wan.apply", "after wan.apply"]
    assert setup.store.read(HQ).rstrip("\n") == setup.wan.intended[HQ].rstrip("\n")


def test_limit_plans_only_the_target_and_what_its_post_checks_read(setup: Setup) -> None:
    setup.wan.converge()
    setup.wan.routers[TALO].running = "hostname changed by hand\n"
    report = setup.apply([TALO])
    assert {n: r.status for n, r in report.rows.items()} == {TALO: "applied"}
    assert setup.wan.count(TALO, "get_config") == 2
    assert setup.wan.count(HQ, "get_config") == 1  # its post-checks ping HQ: is HQ ready?
    assert setup.wan.count(HQ, "load_replace_candidate") == 1
    assert setup.wan.count(HQ, "commit_config") == 0
    assert setup.wan.routers[HQ].candidate is None  # planned, discarded
    for name in (CANARY, KABISA):
        assert not [c for c in setup.wan.calls if c[0] == name], name


def test_failed_canary_stops_the_rollout_and_skips_the_rest(setup: Setup) -> None:
    setup.wan.broken.add(CANARY)
    report = setup.apply()
    assert report.stopped_at == "canary"
    assert not report.ok
    rows = {n: (r.stage, r.status) for n, r in report.rows.items()}
    assert rows == {
        CANARY: ("canary", "rolled-back"),
        KABISA: ("offices", "skipped"),
        TALO: ("offices", "skipped"),
        HQ: ("hq", "skipped"),
    }
    assert "lo lacks" in "; ".join(report.rows[CANARY].problems)
    events = {e["targets"][0]: e for e in setup.events()}
    for name in (KABISA, TALO, HQ):
        assert events[name]["result"] == "skipped"
        assert events[name]["details"]["problems"] == ["not started: stage canary failed"]
        assert setup.wan.count(name, "commit_config") == 0
        assert setup.wan.routers[name].candidate is None  # the loaded candidate was discarded
        assert not setup.wan.at_intent(name)
    assert not setup.wan.at_intent(CANARY)


def test_failure_in_the_offices_stage_skips_hq_only(setup: Setup) -> None:
    setup.wan.broken.add(KABISA)
    report = setup.apply()
    assert report.stopped_at == "offices"
    assert {n: r.status for n, r in report.rows.items()} == {
        CANARY: "applied",
        KABISA: "rolled-back",
        TALO: "applied",
        HQ: "skipped",
    }
    assert setup.results()[HQ] == "skipped"


def test_router_lost_after_its_commit_is_awaited_until_its_own_timer_reverts_it(
    setup: Setup,
) -> None:
    setup.wan.lost.add(CANARY)
    started, wall = setup.clock.now, time.monotonic()
    report = setup.apply()
    assert time.monotonic() - wall < 30  # the job waited on the patched clock, not for real
    assert setup.clock.now - started >= 40
    row = report.rows[CANARY]
    assert row.status == "reverted"
    assert row.before == row.after == config_hash(setup.saved.before(setup.ticket, CANARY))
    assert any(p.startswith("checked ") and "after the commit" in p for p in row.problems)
    assert not setup.wan.at_intent(CANARY)
    results = [(e["targets"][0], e["result"]) for e in setup.events()]
    assert results[0] == (CANARY, "reverting")
    assert results[-1] == (CANARY, "reverted")
    assert {n for n, r in results if r == "skipped"} == {KABISA, TALO, HQ}


def test_router_that_never_comes_back_is_not_reverted(setup: Setup) -> None:
    setup.wan.never_back.add(CANARY)
    report = setup.apply()
    assert report.rows[CANARY].status == "not-reverted"
    assert report.rows[CANARY].after is None
    assert setup.clock.slept >= 40 + change.REVERT_GRACE  # waited the timer and the grace
    assert setup.results()[CANARY] == "not-reverted"


# -- reviewed plan files ----------------------------------------------------------------------


def test_plan_file_round_trip_without_running_config_text(setup: Setup) -> None:
    plan = setup.job.plan([TALO], context=True)
    path = plan.write(setup.tmp / "plan.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert data["format"] == "dzict-wan-plan/1"
    assert sorted(data["routers"]) == [HQ, TALO]
    assert data["routers"][TALO]["target"] is True
    assert data["routers"][HQ]["target"] is False
    talo = data["routers"][TALO]
    assert talo["candidate"] == setup.wan.intended[TALO]
    assert talo["running_sha256"] == config_hash(setup.wan.routers[TALO].running)
    assert talo["diff"].startswith("-") or "\n+" in talo["diff"]
    assert "running" not in talo
    read = WanPlan.read(path)
    assert read.to_json() == plan.to_json()
    assert read.targets == [TALO]
    assert all(setup.wan.routers[n].candidate is None for n in ROUTERS)


def test_apply_from_a_plan_rejects_a_router_changed_since(setup: Setup) -> None:
    path = setup.job.plan(ROUTERS, context=True).write(setup.tmp / "plan.json")
    setup.wan.routers[KABISA].running += "ip route 198.18.127.0/24 blackhole\n"
    setup.wan.calls.clear()
    report = setup.apply(plan=WanPlan.read(path))
    kabisa = report.rows[KABISA]
    assert (kabisa.stage, kabisa.status) == ("plan", "rejected")
    assert kabisa.problems[0].startswith("running config changed since the plan")
    assert setup.wan.count(KABISA, "load_replace_candidate") == 0
    assert setup.wan.count(KABISA, "commit_config") == 0
    assert setup.wan.routers[KABISA].running.endswith("blackhole\n")
    assert setup.results()[KABISA] == "rejected"
    for name in (CANARY, TALO, HQ):
        assert report.rows[name].status == "applied", report.rows[name]
        assert setup.wan.count(name, "compare_config") == 0  # the plan's diff is the diff
        assert setup.wan.count(name, "get_config") == 2
    assert not report.ok


def test_plan_for_another_inventory_state_is_rejected_and_recorded(setup: Setup) -> None:
    plan = setup.job.plan(ROUTERS, context=True)
    data = plan.to_json()
    data["inventory_digest"] = "0" * 64
    path = setup.tmp / "old-plan.json"
    path.write_text(json.dumps(data))
    setup.wan.calls.clear()
    with pytest.raises(WanPlanError, match="made for another inventory state"):
        setup.apply(plan=WanPlan.read(path))
    assert not setup.wan.calls
    (event,) = setup.events()
    assert event["result"] == "rejected"
    assert str(path) in event["details"]["problems"][0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not a plan file"),
        ('{"format": "other"}', "not a plan file of format"),
        ('{"format": "dzict-wan-plan/1", "routers": {"r": {"status": "odd"}}}', "r: not a"),
    ],
)
def test_unreadable_plan_file_is_one_clear_error(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "plan.json"
    path.write_text(content)
    with pytest.raises(WanPlanError, match=message):
        WanPlan.read(path)
    with pytest.raises(WanPlanError, match="cannot read the plan"):
        WanPlan.read(tmp_path / "missing.json")


# -- verify -----------------------------------------------------------------------------------


def test_verify_ok_degraded_failed(setup: Setup) -> None:
    setup.wan.converge()
    assert setup.job.verify().status == "ok"
    setup.wan.cut.add("wan4")
    degraded = setup.job.verify()
    assert degraded.status == "degraded"
    assert all(ok for _, ok in degraded.pings)
    (lost,) = degraded.lost
    assert lost.link == "wan4"
    assert lost.ends == ((CANARY, "wan2"), (KABISA, "wan2"))
    assert f"{CANARY} sees {KABISA} absent" in str(lost)
    setup.wan.cut.add("wan3")
    failed = setup.job.verify()
    assert failed.status == "failed"
    assert {p.router for p, ok in failed.pings if not ok} == {TALO}


def test_verify_task_exits_3_naming_the_lost_adjacency(setup: Setup) -> None:
    setup.wan.converge()
    setup.wan.cut.add("wan4")
    with pytest.raises(Exit) as exc:
        wan_tasks.verify(Context(), inventory=str(setup.job.inventory.root), workers=1)
    assert exc.value.code == 3
    assert str(exc.value.message).startswith("wan.verify: DEGRADED: every pair answers")
    assert f"wan4 {CANARY} wan2 - {KABISA} wan2" in str(exc.value.message)
    setup.wan.cut.clear()
    wan_tasks.verify(Context(), inventory=str(setup.job.inventory.root), workers=1)

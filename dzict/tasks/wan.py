"""``invoke wan.*``: plan, apply, verify, rollback and back up the routers of the WAN."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from invoke.collection import Collection
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task
from rich.syntax import Syntax
from rich.table import Table

from dzict.backup.gate import require_recent_backup
from dzict.exceptions import DzictError
from dzict.inventory.model import Inventory
from dzict.jobs import LIMIT_HELP, Recorder, RunContext, select
from dzict.tasks._common import INVENTORY_HELP, REFUSALS, console, context, errors, fail, refusals
from dzict.wan.configstore import ConfigStore
from dzict.wan.lock import run_lock
from dzict.wan.plan import WanPlan
from dzict.wan.progress import progress
from dzict.wan.rows import ApplyReport, DeviceRow, VerifyReport, plan_rows
from dzict.wan.runner import WanJob
from dzict.wan.saved import SavedConfigs

WORKERS_HELP = "Nornir threads (default: setting `workers`, 20; 1 runs one router at a time)"
TICKET_HELP = "the open ticket this change belongs to (e.g. LAB-2026-0001)"
OFFICER_HELP = "the officer making the change (default: DZICT_OFFICER, invoke config `officer`)"
STATUS_STYLE = {
    "changed": "yellow",
    "unchanged": "green",
    "applied": "green",
    "saved": "green",
    "error": "red",
    "failed": "red",
    "rejected": "red",
    "rolled-back": "red",
    "reverting": "red",
    "not-reverted": "bold red",
    "reverted": "red",
    "skipped": "dim",
}
#: wan.verify's exit code when every pair answers but an intended OSPF adjacency is lost.
DEGRADED = 3


def select_routers(inventory: Inventory, limit: str | None) -> list[str]:
    """Routers named by ``--limit`` (host names, site keys, group names); all without it."""
    with refusals():
        return select(inventory, limit, ["router"])


def _recorder(ctx: RunContext, ticket: str) -> Recorder:
    with refusals():
        return ctx.recorder(ticket)


def _store(ctx: RunContext, given: str | None = None) -> ConfigStore:
    return ConfigStore(Path(given) if given else ctx.settings.path("config_backups"))


def _saved(ctx: RunContext) -> SavedConfigs:
    return SavedConfigs(ctx.settings.path("wan_saved"))


@contextmanager
def _job(ctx: RunContext) -> Iterator[WanJob]:
    with progress(console) as display:
        try:
            job = WanJob(ctx.inventory, display=display, nornir=ctx.nornir())
        except DzictError as exc:
            raise fail(exc) from None
        try:
            yield job
        finally:
            job.close()


def _status(row: DeviceRow) -> str:
    style = STATUS_STYLE.get(row.status, "")
    return f"[{style}]{row.status}[/]" if style else row.status


def _counts(diff: str) -> str:
    lines = diff.splitlines()
    plus = sum(1 for line in lines if line.startswith("+"))
    minus = sum(1 for line in lines if line.startswith("-"))
    return f"+{plus} -{minus}" if diff else ""


def _summary(title: str, inventory: Inventory, rows: list[DeviceRow], stage: bool = False) -> None:
    table = Table(title=title)
    table.add_column("router")
    table.add_column("platform")
    table.add_column("site")
    if stage:
        table.add_column("stage")
    table.add_column("result")
    table.add_column("diff")
    table.add_column("problem", overflow="fold")
    for row in rows:
        host = inventory.hosts[row.host]
        cells = [row.host, host.platform, host.site]
        if stage:
            cells.append(row.stage)
        cells += [_status(row), _counts(row.diff), "; ".join(row.problems)]
        table.add_row(*cells)
    console.print(table)


def _print_diffs(rows: list[DeviceRow]) -> None:
    for row in rows:
        if row.diff:
            console.rule(f"{row.host}")
            console.print(Syntax(row.diff, "diff", theme="ansi_dark", background_color="default"))


# -- the tasks --------------------------------------------------------------------------------


@task(
    help={
        "inventory": INVENTORY_HELP,
        "limit": LIMIT_HELP,
        "check": "exit 2 when any router differs from its intended config, 0 when none",
        "out": "write the plan (candidates, running-config hashes, diffs) to this JSON file",
        "workers": WORKERS_HELP,
    }
)
def plan(  # noqa: PLR0917 (Invoke maps parameters to flags)
    c: Context,
    inventory: str | None = None,
    limit: str | None = None,
    check: bool = False,
    out: str | None = None,
    workers: int | None = None,
) -> None:
    """Render each router's intended config, show the diff against the router; change nothing."""
    ctx = context(c, inventory=inventory, workers=workers)
    inv = ctx.inventory
    names = select_routers(inv, limit)
    with _job(ctx) as job:
        planned = job.plan(names, context=out is not None)
    rows = list(plan_rows(planned).values())
    _print_diffs(rows)
    _summary("wan.plan", inv, rows)
    if any(r.status == "error" for r in planned.routers.values()):
        raise Exit("wan.plan: some routers could not be planned", code=1)
    if out is not None:
        planned.write(Path(out))
        console.print(
            f"plan written to {out}: {len(rows)} router(s), inventory digest "
            f"{planned.inventory_digest[:12]}, {planned.created}",
            highlight=False,
        )
    changed = [r.host for r in rows if r.status == "changed"]
    if check and changed:
        raise Exit(f"wan.plan --check: {len(changed)} router(s) differ", code=2)


@task(
    help={
        "ticket": TICKET_HELP,
        "inventory": INVENTORY_HELP,
        "limit": LIMIT_HELP,
        "revert_in": "seconds after which an unconfirmed commit reverts itself (default 180)",
        "converge_timeout": "seconds to wait for OSPF and pings in the post-checks (default 60)",
        "plan": "apply exactly this plan (wan.plan --out); a router changed since is rejected",
        "workers": WORKERS_HELP,
        "officer": OFFICER_HELP,
    }
)
def apply(  # noqa: PLR0917 (Invoke maps parameters to flags)
    c: Context,
    ticket: str,
    inventory: str | None = None,
    limit: str | None = None,
    revert_in: int = 180,
    converge_timeout: int = 60,
    plan: str | None = None,
    workers: int | None = None,
    officer: str | None = None,
) -> None:
    """Staged rollout under a ticket (canary office, offices, HQ), commit-confirm per router."""
    ctx = context(c, inventory=inventory, workers=workers, officer=officer)
    inv = ctx.inventory
    reviewed = _read_plan(plan) if plan else None
    names = _apply_targets(inv, limit, reviewed, plan)
    recorder = _recorder(ctx, ticket)
    if revert_in < converge_timeout + 30:
        raise Exit("--revert-in must leave 30 s beyond --converge-timeout", code=1)
    try:
        with run_lock(f"wan.apply {ticket}", ctx.settings.path("wan_lock")):
            require_recent_backup(inv, names)
            with _job(ctx) as job:
                report = job.apply(
                    names,
                    recorder,
                    _store(ctx),
                    _saved(ctx),
                    revert_in=revert_in,
                    converge_timeout=converge_timeout,
                    plan=reviewed,
                )
    except REFUSALS as exc:
        raise fail(exc) from None
    _apply_summary("wan.apply", inv, report)


def _read_plan(path: str) -> WanPlan:
    try:
        return WanPlan.read(Path(path))
    except DzictError as exc:
        raise fail(exc) from None


def _apply_targets(
    inventory: Inventory, limit: str | None, reviewed: WanPlan | None, path: str | None
) -> list[str]:
    """The routers to change: ``--limit`` (all without it), or a reviewed plan's targets
    narrowed by ``--limit``."""
    if reviewed is None:
        return select_routers(inventory, limit)
    if not limit:
        return reviewed.targets
    names = select_routers(inventory, limit)
    missing = sorted(set(names) - set(reviewed.targets))
    if missing:
        raise Exit(f"--limit: {', '.join(missing)} not in the plan {path}", code=1)
    return names


def _apply_summary(title: str, inventory: Inventory, report: ApplyReport) -> None:
    rows = [report.rows[h] for _, hosts in report.stages for h in hosts if h in report.rows]
    _print_diffs([r for r in rows if r.status == "applied"])
    _summary(title, inventory, rows, stage=True)
    if report.backup_before or report.backup_after:
        console.print(
            f"config backups: before {report.backup_before or '-'}, "
            f"after {report.backup_after or '-'}"
        )
    stale = [f"{r.host}: {'; '.join(r.problems)}" for r in rows if r.stage == "plan"]
    if report.stopped_at:
        first = next(r for r in rows if r.stage == report.stopped_at and not r.ok)
        why = "; ".join(first.problems) or first.status
        raise Exit(f"{title}: stopped at stage {report.stopped_at}: {first.host}: {why}", code=1)
    if stale:
        raise Exit("\n".join(f"{title}: rejected {line}" for line in stale), code=1)
    if not report.ok:
        raise Exit(f"{title}: some routers did not end as intended", code=1)


@task(
    help={
        "inventory": INVENTORY_HELP,
        "wait": "retry failing pings for up to this many seconds (after a failover)",
        "workers": WORKERS_HELP,
    }
)
def verify(
    c: Context, inventory: str | None = None, wait: int = 0, workers: int | None = None
) -> None:
    """Reachability matrix (each office LAN to HQ and its neighbours) and OSPF adjacencies:
    exit 1 when a pair fails, 3 (DEGRADED) when every pair answers but an adjacency is lost."""
    ctx = context(c, inventory=inventory, workers=workers)
    with _job(ctx) as job:
        report = job.verify(wait=wait)
    _verify_tables(report)
    failed = [p.pair for p, ok in report.pings if not ok]
    if report.status == "failed":
        raise Exit(f"wan.verify: {len(failed)} pair(s) failed", code=1)
    if report.status == "degraded":
        lost = [str(a) for a in report.lost] + [f"{n}: {e}" for n, e in report.unread.items()]
        raise Exit(
            "wan.verify: DEGRADED: every pair answers, redundancy lost: " + " | ".join(lost),
            code=DEGRADED,
        )


def _verify_tables(report: VerifyReport) -> None:
    columns: list[str] = []
    cells: dict[str, dict[str, str]] = {}
    for probe, ok in report.pings:
        if probe.target_label not in columns:
            columns.append(probe.target_label)
        mark = "[green]ok[/]" if ok else "[red]FAIL[/]"
        cells.setdefault(probe.source_label, {})[probe.target_label] = mark
    matrix = Table(title="wan.verify: reachability (rows ping columns)")
    matrix.add_column("from")
    for column in columns:
        matrix.add_column(column)
    for source, row in cells.items():
        matrix.add_row(source, *(row.get(col, "") for col in columns))
    console.print(matrix)
    ospf = Table(title="wan.verify: OSPF neighbours")
    ospf.add_column("router")
    ospf.add_column("Full")
    ospf.add_column("missing", overflow="fold")
    for name, seen in report.ospf.items():
        full = sorted(rid for rid, (state, _) in seen.neighbours.items() if state == "full")
        ospf.add_row(name, ", ".join(full), "; ".join(seen.problems))
    console.print(ospf)
    if report.lost:
        lost = Table(title="wan.verify: intended OSPF adjacencies not Full")
        for column in ("link", "ends", "cost", "seen"):
            lost.add_column(column, overflow="fold")
        for item in report.lost:
            ends = " - ".join(f"{host} {iface}" for host, iface in item.ends)
            lost.add_row(item.link, ends, str(item.cost), "; ".join(item.seen))
        console.print(lost)
    for name, error in report.errors.items():
        errors.print(f"{name}: {error}", markup=False)


@task(
    help={
        "ticket": TICKET_HELP + "; its saved configs are put back",
        "inventory": INVENTORY_HELP,
        "limit": LIMIT_HELP,
        "revert_in": "seconds after which an unconfirmed commit reverts itself (default 180)",
        "workers": WORKERS_HELP,
        "officer": OFFICER_HELP,
    }
)
def rollback(  # noqa: PLR0917 (Invoke maps parameters to flags)
    c: Context,
    ticket: str,
    inventory: str | None = None,
    limit: str | None = None,
    revert_in: int = 180,
    workers: int | None = None,
    officer: str | None = None,
) -> None:
    """Put back the configs saved before the ticket's change (HQ first, canary last)."""
    ctx = context(c, inventory=inventory, workers=workers, officer=officer)
    names = select_routers(ctx.inventory, limit)
    recorder = _recorder(ctx, ticket)
    saved = _saved(ctx)
    if not set(saved.hosts(ticket)) & set(names):
        raise Exit(f"no configuration was saved before ticket {ticket} on these routers", code=1)
    lock = ctx.settings.path("wan_lock")
    try:
        with run_lock(f"wan.rollback {ticket}", lock), _job(ctx) as job:
            report = job.rollback(names, recorder, saved, _store(ctx), revert_in=revert_in)
    except REFUSALS as exc:
        raise fail(exc) from None
    _apply_summary("wan.rollback", ctx.inventory, report)


@task(
    help={
        "ticket": "record the backup under this open ticket (optional)",
        "inventory": INVENTORY_HELP,
        "limit": LIMIT_HELP,
        "store": "the git repository of backups (default: config_backups, var/config-backups)",
        "workers": WORKERS_HELP,
        "officer": OFFICER_HELP,
    }
)
def backup(  # noqa: PLR0917 (Invoke maps parameters to flags)
    c: Context,
    ticket: str | None = None,
    inventory: str | None = None,
    limit: str | None = None,
    store: str | None = None,
    workers: int | None = None,
    officer: str | None = None,
) -> None:
    """Save every router's running config into the backup repository (a commit only on change)."""
    ctx = context(c, inventory=inventory, workers=workers, officer=officer)
    inv = ctx.inventory
    names = select_routers(inv, limit)
    recorder = _recorder(ctx, ticket) if ticket else None
    repo = _store(ctx, store)
    message = f"wan.backup {ticket}" if ticket else "wan.backup"
    try:
        with _job(ctx) as job:
            rows, saved, _ = job.backup(names, repo, message, recorder=recorder)
    except REFUSALS as exc:
        raise fail(exc) from None
    good = [n for n, r in rows.items() if r.status != "error"]
    _summary("wan.backup", inv, list(rows.values()))
    if saved is not None:
        what = f"{len(saved.changed)} changed" if saved.changed else "nothing changed"
        console.print(f"{repo.path}: commit {saved.commit[:12]} ({what})")
    if len(good) < len(rows):
        raise Exit("wan.backup: some routers could not be backed up", code=1)


ns = Collection("wan")
for _task in (plan, apply, verify, rollback, backup):
    ns.add_task(_task)

"""The pending-updates report: a table per host, written as CSV and Markdown, and the state
that keeps a switched-off PC in the next report until it is patched."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.table import Table

from dzict.patch.outcome import NOT_PATCHED, HostOutcome, RunOutcome

COLUMNS = ("host", "status", "package", "installed", "available", "security", "note")
STATE_FILE = "patch-state.json"


@dataclass(frozen=True)
class HostState:
    """What is known of a host: its status, pending updates and when it was last reached."""

    host: str
    status: str
    pending: list[dict[str, Any]]
    checked: str
    message: str = ""

    @property
    def needs_patching(self) -> bool:
        """True when the host is not known to be up to date."""
        return self.status in NOT_PATCHED or any(u.get("selected") for u in self.pending)


def load_state(folder: Path) -> dict[str, HostState]:
    """The state of every host seen so far (empty on the first run)."""
    path = folder / STATE_FILE
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {name: HostState(host=name, **values) for name, values in data.items()}


def save_state(folder: Path, state: Mapping[str, HostState]) -> Path:
    """Write the state atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / STATE_FILE
    data = {
        name: {"status": s.status, "pending": s.pending, "checked": s.checked, "message": s.message}
        for name, s in sorted(state.items())
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def merge(state: Mapping[str, HostState], run: RunOutcome, now: datetime) -> dict[str, HostState]:
    """The new state: reached hosts take this run's result; others keep their last pending list."""
    merged = dict(state)
    for name, outcome in run.hosts.items():
        if outcome.status in ("unreachable", "not run"):
            before = state.get(name)
            merged[name] = HostState(
                host=name,
                status=outcome.status,
                pending=before.pending if before else [],
                checked=before.checked if before else "",
                message=outcome.message,
            )
            continue
        merged[name] = HostState(
            host=name,
            status=outcome.status,
            pending=[u.as_dict() for u in outcome.remaining],
            checked=now.isoformat(timespec="seconds"),
            message=outcome.message,
        )
    return merged


def _note(state: HostState, update: Mapping[str, Any] | None) -> str:
    if state.status in ("unreachable", "not run"):
        seen = f"last checked {state.checked}" if state.checked else "never checked"
        return f"not patched: {state.status} ({seen})"
    if state.status == "failed":
        return f"failed: {state.message}"
    if update is not None and not update.get("selected", True):
        return f"not selected: {update.get('reason', '')}"
    return ""


def rows(state: Mapping[str, HostState], hosts: Iterable[str]) -> list[dict[str, str]]:
    """One row per pending update, or one row for a host with none."""
    table: list[dict[str, str]] = []
    for name in sorted(hosts):
        host = state[name]
        if not host.pending:
            table.append(
                {
                    "host": name,
                    "status": host.status,
                    "package": "",
                    "installed": "",
                    "available": "",
                    "security": "",
                    "note": _note(host, None),
                }
            )
        for update in host.pending:
            table.append(
                {
                    "host": name,
                    "status": host.status,
                    "package": str(update["name"]),
                    "installed": str(update.get("installed", "")),
                    "available": str(update.get("candidate", "")),
                    "security": "yes" if update.get("security") else "no",
                    "note": _note(host, update),
                }
            )
    return table


def to_csv(table: list[dict[str, str]]) -> str:
    """The table as CSV text."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    return out.getvalue()


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(table: list[dict[str, str]], title: str) -> str:
    """The table as a Markdown page."""
    lines = [
        f"# {title}",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "| " + " | ".join("---" for _ in COLUMNS) + " |",
    ]
    lines += ["| " + " | ".join(_md_cell(r[c]) for c in COLUMNS) + " |" for r in table]
    return "\n".join(lines) + "\n"


def to_rich(table: list[dict[str, str]], title: str) -> Table:
    """The table for the terminal."""
    view = Table(title=title)
    for column in COLUMNS:
        view.add_column(column)
    for row in table:
        view.add_row(*(row[c] for c in COLUMNS))
    return view


def write_report(
    folder: Path, table: list[dict[str, str]], now: datetime, title: str
) -> tuple[Path, Path]:
    """Write CSV and Markdown (dated, and as ``patch-report-latest``); return the dated pair."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y%m%dT%H%M%S")
    csv_text, md_text = to_csv(table), to_markdown(table, title)
    for name in (f"patch-report-{stamp}", "patch-report-latest"):
        (folder / f"{name}.csv").write_text(csv_text, encoding="utf-8")
        (folder / f"{name}.md").write_text(md_text, encoding="utf-8")
    return folder / f"patch-report-{stamp}.csv", folder / f"patch-report-{stamp}.md"


def host_outcome_summary(outcome: HostOutcome) -> dict[str, Any]:
    """What the ticket log keeps of a host's outcome."""
    return {
        "status": outcome.status,
        "upgraded": [f"{u.name} {u.installed} -> {u.candidate}" for u in outcome.upgraded],
        "remaining": [u.name for u in outcome.remaining if u.selected],
        "reboot_required": outcome.reboot_required,
        "rebooted": outcome.rebooted,
        "failed_task": outcome.task,
        "message": outcome.message,
    }

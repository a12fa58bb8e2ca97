"""The asset register: every device with what discovery says of it, as CSV rows.

Uptime changes every second, so the register shows the day the device came up ("up since")
instead; together with "last seen" (the day of the last discovery that reached the device),
a register rebuilt from a new discovery differs only where something really changed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from dzict.docs.topology import Device, Topology
from dzict.exceptions import DocsError

COLUMNS = (
    "host",
    "office",
    "role",
    "platform",
    "vendor",
    "model",
    "serial",
    "os_version",
    "up_since",
    "last_seen",
    "state",
    "pending_updates",
)
PATCH_HOST_KEYS = ("host", "hostname", "inventory_hostname")


NOT_CHECKED = frozenset({"unreachable", "failed", "not run"})


@dataclass(frozen=True)
class PatchReport:
    """Pending updates per host, from the patch report (``patch.report``'s CSV or JSON).

    ``unchecked`` names the hosts the report could not look at, with the report's status.
    """

    source: str
    pending: Mapping[str, int]
    unchecked: Mapping[str, str] = field(default_factory=dict)

    def text(self, host: str) -> str:
        """What the register shows for a host: a count, "not checked (...)", or nothing."""
        if host in self.unchecked and not self.pending.get(host):
            return f"not checked ({self.unchecked[host]})"
        return str(self.pending[host]) if host in self.pending else ""


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def day(text: str | None) -> str:
    """``2026-01-15T06:00:00Z`` becomes ``2026-01-15``."""
    return _parse_time(text).date().isoformat() if text else ""


def up_since(collected_at: str | None, uptime: object) -> str:
    """The day a device came up: collection time minus its uptime."""
    if not collected_at or not isinstance(uptime, int | float) or uptime < 0:
        return ""
    return (_parse_time(collected_at) - timedelta(seconds=float(uptime))).date().isoformat()


def _count_csv(text: str, source: str) -> tuple[dict[str, int], dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows:
        return {}, {}
    key = next((k for k in PATCH_HOST_KEYS if k in rows[0]), None)
    if key is None:
        raise DocsError(f"{source}: no host column (one of {', '.join(PATCH_HOST_KEYS)})")
    counts: dict[str, int] = {}
    unchecked: dict[str, str] = {}
    for row in rows:
        host = row[key]
        if row.get("pending") not in (None, ""):
            counts[host] = counts.get(host, 0) + int(row["pending"] or 0)
        else:
            counts[host] = counts.get(host, 0) + (1 if row.get("package") else 0)
        if row.get("status") in NOT_CHECKED:
            unchecked[host] = str(row["status"])
    return counts, unchecked


def _count_json(data: object, source: str) -> dict[str, int]:
    hosts = data.get("hosts", data) if isinstance(data, dict) else None
    if not isinstance(hosts, dict):
        raise DocsError(f"{source}: expected an object of hosts")
    counts: dict[str, int] = {}
    for host, entry in hosts.items():
        value = entry.get("pending", entry.get("updates", [])) if isinstance(entry, dict) else entry
        counts[str(host)] = len(value) if isinstance(value, list) else int(str(value))
    return counts


def load_patch_report(path: Path | None) -> PatchReport | None:
    """Read the patch report when it exists: CSV (``patch.report``'s: a ``host`` column, one
    row per ``package``, a ``status``; or a ``pending`` count) or JSON (``{host: [updates]}``
    or ``{"hosts": {...}}``)."""
    if path is None or not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    try:
        unchecked: dict[str, str] = {}
        if path.suffix == ".json":
            pending = _count_json(json.loads(text), str(path))
        else:
            pending, unchecked = _count_csv(text, str(path))
    except (ValueError, KeyError, TypeError) as exc:
        raise DocsError(f"{path}: not a patch report ({exc})") from exc
    return PatchReport(source=str(path), pending=pending, unchecked=unchecked)


def row(device: Device, office: str, report: PatchReport | None) -> dict[str, str]:
    """The register row of one device."""
    facts = device.facts
    record = device.record
    pending = report.text(device.name) if report is not None else ""
    return {
        "host": device.name,
        "office": office,
        "role": device.role,
        "platform": device.platform,
        "vendor": str(facts.get("vendor", "") or ""),
        "model": str(facts.get("model", "") or ""),
        "serial": str(facts.get("serial_number", "") or ""),
        "os_version": str(facts.get("os_version", "") or ""),
        "up_since": up_since(record.collected_at, facts.get("uptime"))
        if record is not None and record.reached
        else "",
        "last_seen": day(record.last_seen) if record is not None else "",
        "state": device.state,
        "pending_updates": pending,
    }


def register_rows(topology: Topology, report: PatchReport | None) -> list[dict[str, str]]:
    """One row per device, in the topology's order."""
    names = {s.key: s.name for s in topology.sites}
    return [row(d, names.get(d.site, d.site), report) for d in topology.devices.values()]


def register_csv(rows: list[dict[str, str]]) -> str:
    """The register as CSV text (Unix newlines, fixed columns)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()

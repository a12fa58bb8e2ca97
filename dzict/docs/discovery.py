"""What discovery saw, kept as JSON so that the documentation can be rendered again offline.

A record per device holds the NAPALM getters' output (``get_facts``, ``get_interfaces``,
``get_interfaces_ip``, ``get_lldp_neighbors_detail``) exactly in NAPALM's shapes, whichever way
it was collected. An unreachable device keeps the facts and the ``last_seen`` time of the last
discovery that reached it, so the asset register still knows its serial number.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from dzict.exceptions import DiscoveryFileError

FORMAT = 1
GETTERS = ("facts", "interfaces", "interfaces_ip", "lldp_neighbors_detail")

Status = Literal["ok", "unreachable", "skipped"]


def utc_now() -> str:
    """The current time, as discovery writes it (ISO 8601, UTC, whole seconds)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class DeviceRecord:
    """One device as discovery saw it (or failed to see it).

    ``lldp_neighbors_detail`` is None when the device cannot tell its neighbours (no LLDP
    daemon), which is not the same as an empty dict (LLDP runs, nobody answers).
    """

    name: str
    status: Status
    method: str
    error: str | None = None
    collected_at: str | None = None
    last_seen: str | None = None
    facts: dict[str, Any] | None = None
    interfaces: dict[str, Any] = field(default_factory=dict)
    interfaces_ip: dict[str, Any] = field(default_factory=dict)
    lldp_neighbors_detail: dict[str, list[dict[str, Any]]] | None = None

    @property
    def reached(self) -> bool:
        """True when this discovery reached the device."""
        return self.status == "ok"


@dataclass
class Discovery:
    """A whole discovery run of one Dzongkhag."""

    dzongkhag: str
    started: str
    finished: str
    devices: dict[str, DeviceRecord] = field(default_factory=dict)

    def get(self, name: str) -> DeviceRecord | None:
        """The record of one device, if discovery knows it."""
        return self.devices.get(name)

    def carry_over(self, previous: Discovery) -> None:
        """Keep what an earlier run knew of devices this run could not reach."""
        for name, record in self.devices.items():
            old = previous.devices.get(name)
            if record.reached or old is None:
                continue
            record.last_seen = old.last_seen
            record.facts = record.facts or old.facts

    def to_json(self) -> str:
        """Stable JSON text: sorted keys, two-space indent, trailing newline."""
        data = {
            "format": FORMAT,
            "dzongkhag": self.dzongkhag,
            "started": self.started,
            "finished": self.finished,
            "devices": {name: asdict(self.devices[name]) for name in sorted(self.devices)},
        }
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    def save(self, path: Path) -> Path:
        """Write the discovery to ``path`` (folders created) and return it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json(), encoding="utf-8")
        return path

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "discovery") -> Discovery:
        """Rebuild a discovery from its JSON data; DiscoveryFileError names what is wrong."""
        if data.get("format") != FORMAT:
            raise DiscoveryFileError(f"{source}: format {data.get('format')!r}, expected {FORMAT}")
        try:
            devices = {
                name: DeviceRecord(**{k: v for k, v in raw.items() if k != "name"}, name=name)
                for name, raw in data["devices"].items()
            }
            return cls(
                dzongkhag=str(data["dzongkhag"]),
                started=str(data["started"]),
                finished=str(data["finished"]),
                devices=devices,
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise DiscoveryFileError(f"{source}: not a discovery file ({exc})") from exc

    @classmethod
    def load(cls, path: Path) -> Discovery:
        """Read a discovery file written by ``save``."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise DiscoveryFileError(
                f"{path}: no discovery file (run docs.build without --offline first)"
            ) from exc
        except (OSError, json.JSONDecodeError) as exc:
            raise DiscoveryFileError(f"{path}: cannot read discovery ({exc})") from exc
        if not isinstance(data, dict):
            raise DiscoveryFileError(f"{path}: not a discovery file")
        return cls.from_dict(data, str(path))

"""The WAN plan: per router the intent, the candidate config, the running config it was diffed
against, and the diff. Computed once and carried through the apply.

``wan.plan --out FILE`` writes it as JSON; ``wan.apply --plan FILE`` reads it back and applies
exactly those candidates. The file holds, per router, the candidate, the SHA-256 of the running
config the diff was taken against and the masked diff, and for the whole plan the digest of the
inventory it was made from and the time. The running config's text stays in memory (backups and
rollbacks need it) and never goes into the file. The file is written readable by its owner
only: a candidate may hold secrets (IOS users, SNMP community).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dzict.exceptions import WanPlanError
from dzict.inventory.model import Inventory
from dzict.wan.intent import RouterIntent

#: The file format this module writes and reads.
FORMAT = "dzict-wan-plan/1"
#: What a router's plan says: its config differs, it does not, it could not be planned; or,
#: once checked again before an apply, its running config is no longer the planned one
#: (``stale``: the apply rejects it).
STATUSES = ("changed", "unchanged", "error", "stale")


def inventory_digest(inventory: Inventory) -> str:
    """SHA-256 of the inventory as loaded (every host, site, link and variable, resolved), with
    its folder left out: the same inventory state gives the same digest wherever it lies."""
    text = inventory.model_dump_json(exclude={"root"})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RouterPlan:
    """One router's plan. ``target``: the change is for it (else it is planned only because
    the post-checks of a target need to know whether it already runs its intended config)."""

    host: str
    status: str
    candidate: str = ""
    running_hash: str | None = None
    diff: str = ""
    problems: tuple[str, ...] = ()
    target: bool = True
    running: str | None = field(default=None, repr=False, compare=False)
    intent: RouterIntent | None = field(default=None, repr=False, compare=False)

    @property
    def ready(self) -> bool:
        """True when the router already runs its intended config."""
        return self.status == "unchanged"

    def to_json(self) -> dict[str, Any]:
        """The fields the plan file keeps (no running config text, no intent)."""
        return {
            "status": self.status,
            "target": self.target,
            "running_sha256": self.running_hash,
            "diff": self.diff,
            "problems": list(self.problems),
            "candidate": self.candidate,
        }

    @classmethod
    def from_json(cls, host: str, data: Mapping[str, Any]) -> RouterPlan:
        """A router's plan as the file holds it; WanPlanError when a field is wrong."""
        status = data.get("status")
        if status not in STATUSES or not isinstance(data.get("candidate"), str):
            raise WanPlanError(f"{host}: not a router plan (status {status!r})")
        running_hash = data.get("running_sha256")
        if status != "error" and not isinstance(running_hash, str):
            raise WanPlanError(f"{host}: the plan lacks the running config's sha256")
        return cls(
            host=host,
            status=str(status),
            candidate=str(data["candidate"]),
            running_hash=running_hash,
            diff=str(data.get("diff") or ""),
            problems=tuple(str(p) for p in data.get("problems") or ()),
            target=bool(data.get("target", True)),
        )


@dataclass(frozen=True)
class WanPlan:
    """The plan of one WAN change: every router planned, the inventory state, the time."""

    inventory_digest: str
    created: str
    routers: Mapping[str, RouterPlan]
    inventory: str = ""
    source: str = field(default="", compare=False)

    @property
    def targets(self) -> list[str]:
        """The routers the change is for, sorted."""
        return sorted(name for name, plan in self.routers.items() if plan.target)

    @property
    def ready(self) -> set[str]:
        """Routers already running their intended config."""
        return {name for name, plan in self.routers.items() if plan.ready}

    def updated(self, plans: Iterable[RouterPlan]) -> WanPlan:
        """This plan with some routers' plans replaced."""
        return replace(self, routers={**self.routers, **{p.host: p for p in plans}})

    def require_inventory(self, digest: str) -> None:
        """WanPlanError unless the plan was made from the inventory state ``digest``."""
        if digest != self.inventory_digest:
            raise WanPlanError(
                f"{self.source or 'the plan'} was made for another inventory state (digest "
                f"{self.inventory_digest[:12]}, now {digest[:12]}); nothing changed: "
                "run wan.plan --out again"
            )

    def to_json(self) -> dict[str, Any]:
        """The plan file's content."""
        return {
            "format": FORMAT,
            "created": self.created,
            "inventory": self.inventory,
            "inventory_digest": self.inventory_digest,
            "routers": {name: self.routers[name].to_json() for name in sorted(self.routers)},
        }

    def write(self, path: Path) -> Path:
        """Write the plan file (mode 0600, replaced atomically)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(self.to_json(), fh, indent=2)
            fh.write("\n")
        os.replace(tmp, path)
        return path

    @classmethod
    def read(cls, path: Path) -> WanPlan:
        """A plan file; WanPlanError when it is missing, unreadable or of another format."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise WanPlanError(f"{path}: cannot read the plan: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise WanPlanError(f"{path}: not a plan file (line {exc.lineno}: {exc.msg})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            found = data.get("format") if isinstance(data, dict) else None
            raise WanPlanError(f"{path}: not a plan file of format {FORMAT} (found {found!r})")
        routers = data.get("routers")
        if not isinstance(routers, dict) or not all(isinstance(v, dict) for v in routers.values()):
            raise WanPlanError(f"{path}: the plan has no routers")
        try:
            plans = {name: RouterPlan.from_json(name, value) for name, value in routers.items()}
        except WanPlanError as exc:
            raise WanPlanError(f"{path}: {exc}") from None
        return cls(
            inventory_digest=str(data.get("inventory_digest") or ""),
            created=str(data.get("created") or ""),
            routers=plans,
            inventory=str(data.get("inventory") or ""),
            source=str(path),
        )


def now() -> str:
    """The current time, UTC, ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")

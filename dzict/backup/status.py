"""The backup status record: per host, its last run, last good snapshot and last check.

``backup.run`` and ``backup.check`` write it; ``backup.status`` and the backup-before-change
gate read it. One JSON file (``var/backup-status.json`` by default), replaced atomically under
a lock so that a timer and an officer can write it at the same time::

    {"version": 1,
     "hosts": {"dzlab-hq-app": {
         "last_good": {"time": "2024-05-01T02:00:11+00:00", "snapshot": "5e1f...", "size": 81234},
         "last_run":  {"time": "...", "result": "ok", "message": ""},
         "last_check": {"time": "...", "result": "failed", "message": "pack 3a1b... damaged"}}}}
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dzict.exceptions import BackupStatusError

STATUS_ENV = "DZICT_BACKUP_STATUS"
STATUS_NAME = "backup-status.json"
FORMAT_VERSION = 1
PROJECT_ROOT = Path(__file__).resolve().parents[2]

Result = Literal["ok", "failed"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Snapshot(_Record):
    """A good snapshot: when it was taken, its restic id and its size in bytes."""

    time: datetime
    snapshot: str
    size: int = Field(0, ge=0)


class Outcome(_Record):
    """The outcome of one run or check, with the reason when it failed."""

    time: datetime
    result: Result
    message: str = ""


class HostStatus(_Record):
    """What is known about one host's backups."""

    last_good: Snapshot | None = None
    last_run: Outcome | None = None
    last_check: Outcome | None = None


class StatusFile(_Record):
    """The whole record."""

    version: int = FORMAT_VERSION
    hosts: dict[str, HostStatus] = Field(default_factory=dict)


def default_status_file(given: Path | None = None) -> Path:
    """The status file: argument, then ``DZICT_BACKUP_STATUS``, then ``var/`` of the project."""
    if given is not None:
        return given
    env = os.environ.get(STATUS_ENV)
    if env:
        return Path(env)
    return PROJECT_ROOT / "var" / STATUS_NAME


def now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


def read_status(path: Path | None = None) -> StatusFile:
    """Read the record; a missing file is an empty record, a damaged one an error."""
    path = default_status_file(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return StatusFile()
    try:
        status = StatusFile.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise BackupStatusError(f"{path}: {where}: {first['msg']}") from None
    if status.version != FORMAT_VERSION:
        raise BackupStatusError(f"{path}: version {status.version} (expected {FORMAT_VERSION})")
    return status


@contextmanager
def update_status(path: Path | None = None) -> Iterator[StatusFile]:
    """Lock the record, yield it for changes, and replace the file atomically afterwards."""
    path = default_status_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        status = read_status(path)
        yield status
        data = json.loads(status.model_dump_json())
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2, sort_keys=True)
            out.write("\n")
        os.replace(tmp, path)


def record_run(
    host: str,
    result: Result,
    message: str = "",
    *,
    snapshot: Snapshot | None = None,
    path: Path | None = None,
    when: datetime | None = None,
) -> HostStatus:
    """Record one backup run of ``host``; a good run with a snapshot becomes its last good."""
    with update_status(path) as status:
        entry = status.hosts.setdefault(host, HostStatus())
        entry.last_run = Outcome(time=when or now(), result=result, message=message)
        if result == "ok" and snapshot is not None:
            entry.last_good = snapshot
        return entry


def record_check(
    host: str,
    result: Result,
    message: str = "",
    *,
    path: Path | None = None,
    when: datetime | None = None,
) -> HostStatus:
    """Record one repository check of ``host``."""
    with update_status(path) as status:
        entry = status.hosts.setdefault(host, HostStatus())
        entry.last_check = Outcome(time=when or now(), result=result, message=message)
        return entry


def merge_host(
    host: str,
    last_run: Outcome | None = None,
    last_good: Snapshot | None = None,
    path: Path | None = None,
) -> HostStatus:
    """Take what a host remembers (runs its timer made) into the record; never move back."""
    with update_status(path) as status:
        entry = status.hosts.setdefault(host, HostStatus())
        if last_run is not None and (entry.last_run is None or last_run.time > entry.last_run.time):
            entry.last_run = last_run
        if last_good is not None and (
            entry.last_good is None or last_good.time > entry.last_good.time
        ):
            entry.last_good = last_good
        return entry

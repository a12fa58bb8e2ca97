"""What the backup agent (``dzict-backup`` on each host) and restic print, as typed models."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dzict.exceptions import BackupError


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ResticSnapshot(_Model):
    """One entry of ``restic snapshots --json``."""

    id: str
    short_id: str = ""
    time: datetime
    hostname: str = ""
    paths: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)

    @property
    def kind(self) -> Literal["database", "files", "other"]:
        """A database dump (``--stdin``) or a files snapshot."""
        if "database" in self.tags:
            return "database"
        return "files" if "files" in self.tags else "other"

    @property
    def dump(self) -> str | None:
        """``engine/database`` for a dump snapshot."""
        if self.kind != "database" or not self.paths:
            return None
        return self.paths[0].strip("/").removesuffix(".sql")


class ResticStats(_Model):
    """``restic stats --json``."""

    total_size: int = 0
    total_file_count: int = 0
    snapshots_count: int = 0


class SnapshotFigures(_Model):
    """One snapshot a run made, with restic's summary figures."""

    kind: str
    name: str
    snapshot_id: str
    data_added: int = 0
    total_bytes_processed: int = 0
    total_files_processed: int = 0
    total_duration: float = 0.0


class RunReport(_Model):
    """``dzict-backup run``: what was backed up, and every error met."""

    host: str = ""
    started: datetime | None = None
    finished: datetime | None = None
    result: Literal["ok", "failed"] = "failed"
    snapshots: list[SnapshotFigures] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)

    @property
    def bytes_processed(self) -> int:
        """Bytes read from the sources (dump streams and files)."""
        return sum(s.total_bytes_processed for s in self.snapshots)

    @property
    def bytes_added(self) -> int:
        """Bytes newly stored in the repository (after deduplication, before compression)."""
        return sum(s.data_added for s in self.snapshots)


class Memory(_Model):
    """What a host remembers of its own runs (its timer's included)."""

    last_run: RunReport | None = None
    last_good: RunReport | None = None


class AgentStatus(_Model):
    """``dzict-backup status``: memory, the repository's snapshots, size of the last good run."""

    host: str = ""
    state: Memory = Field(default_factory=Memory)
    snapshots: list[ResticSnapshot] = Field(default_factory=list)
    stats: ResticStats | None = None
    errors: list[str] = Field(default_factory=list)


class TableFingerprint(_Model):
    """A table's row count and content checksum."""

    rows: int
    checksum: str


class DatabaseDrill(_Model):
    """Evidence of one dump restored into a scratch database."""

    engine: str
    database: str
    snapshot: str
    time: datetime | None = None
    restored: dict[str, TableFingerprint] = Field(default_factory=dict)
    source: dict[str, TableFingerprint] = Field(default_factory=dict)
    error: str | None = None


class FileDrill(_Model):
    """A file restored from the files snapshot, with its hash and its source's."""

    path: str
    size: int = 0
    mtime: datetime | None = None
    restored: str | None = None
    source: str | None = None
    source_mtime: datetime | None = None


class FilesDrill(_Model):
    """Evidence of a sample of files restored into a scratch folder."""

    snapshot: str = ""
    time: datetime | None = None
    files: list[FileDrill] = Field(default_factory=list)
    error: str | None = None


class DrillEvidence(_Model):
    """``dzict-backup drill``."""

    host: str = ""
    databases: list[DatabaseDrill] = Field(default_factory=list)
    files: FilesDrill | None = None
    errors: list[str] = Field(default_factory=list)


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], text: str, what: str) -> M:
    """Parse the JSON an agent printed; a garbled answer is a BackupError naming ``what``."""
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise BackupError(f"{what}: unexpected output ({where}: {first['msg']})") from None

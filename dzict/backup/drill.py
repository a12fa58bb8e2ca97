"""``backup.drill``: prove the backups restore.

On each member the agent restores every database's newest dump into a scratch database and
fingerprints every table of the copy and of the source (row count, content checksum); it
restores a random sample of files from the newest files snapshot into a scratch folder and
hashes the copies and their sources. This module judges that evidence:

* a database passes when the copy has exactly the source's tables, each with the same row count
  and checksum;
* a file passes when its copy hashes like its source; a source changed or deleted since the
  snapshot is noted, not failed (the copy cannot be compared with it);
* a member with nothing to compare fails: a drill that proves nothing is no proof.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dzict.backup.models import DatabaseDrill, DrillEvidence, FilesDrill, parse
from dzict.backup.remote import AgentAnswer, run_agent
from dzict.exceptions import BackupError
from dzict.inventory.model import Inventory

__all__ = ["DrillFinding", "backup_drill", "judge_database", "judge_evidence", "judge_files"]


@dataclass
class DrillFinding:
    """One member's drill: passed or not, with a line per database and for the files."""

    host: str
    passed: bool = True
    lines: list[str] = field(default_factory=list)
    databases: int = 0
    tables: int = 0
    rows: int = 0
    files: int = 0

    def fail(self, line: str) -> None:
        """Add a failing line."""
        self.passed = False
        self.lines.append(f"FAIL {line}")

    def note(self, line: str) -> None:
        """Add a passing or informative line."""
        self.lines.append(f"ok   {line}")

    def summary(self) -> dict[str, object]:
        """For the ticket log."""
        return {
            "passed": self.passed,
            "databases": self.databases,
            "tables": self.tables,
            "rows": self.rows,
            "files": self.files,
            "lines": self.lines,
        }


def judge_database(found: DrillFinding, db: DatabaseDrill) -> None:
    """Compare a restored copy with its source, table by table."""
    name = f"{db.engine}/{db.database}"
    if db.error:
        found.fail(f"{name}: {db.error}")
        return
    missing = sorted(set(db.source) - set(db.restored))
    extra = sorted(set(db.restored) - set(db.source))
    if missing:
        found.fail(f"{name}: tables missing from the restored copy: {', '.join(missing)}")
    if extra:
        found.fail(f"{name}: tables only in the restored copy: {', '.join(extra)}")
    bad = 0
    for table in sorted(set(db.source) & set(db.restored)):
        src, copy = db.source[table], db.restored[table]
        if src.rows != copy.rows:
            bad += 1
            found.fail(f"{name}.{table}: {copy.rows} rows restored, {src.rows} in the source")
        elif src.checksum != copy.checksum:
            bad += 1
            found.fail(f"{name}.{table}: content checksum differs ({src.rows} rows)")
    rows = sum(t.rows for t in db.restored.values())
    found.databases += 1
    found.tables += len(db.restored)
    found.rows += rows
    if not db.source:
        found.fail(f"{name}: the source has no tables to compare")
    elif not (missing or extra or bad):
        found.note(f"{name}: {len(db.restored)} tables, {rows} rows identical to the source")


def judge_files(found: DrillFinding, files: FilesDrill) -> None:
    """Compare restored files with their sources."""
    if files.error:
        found.fail(f"files: {files.error}")
        return
    same = changed = gone = 0
    for entry in files.files:
        if entry.restored is None:
            found.fail(f"{entry.path}: not restored")
        elif entry.source is None:
            gone += 1
        elif entry.restored == entry.source:
            same += 1
        elif entry.source_mtime and files.time and entry.source_mtime > files.time:
            changed += 1
        else:
            found.fail(f"{entry.path}: restored copy differs from the unchanged source")
    found.files += same
    if not files.files:
        found.fail("files: the snapshot holds no files to restore")
        return
    extra = []
    if changed:
        extra.append(f"{changed} changed since the backup")
    if gone:
        extra.append(f"{gone} deleted since the backup")
    more = f" ({', '.join(extra)}, not compared)" if extra else ""
    found.note(f"files: {same} of {len(files.files)} sampled files identical to the source{more}")
    if same == 0:
        found.fail("files: no sampled file could be compared with its source")


def judge_evidence(host: str, evidence: DrillEvidence) -> DrillFinding:
    """Judge one member's drill evidence."""
    found = DrillFinding(host)
    for message in evidence.errors:
        found.fail(message)
    for db in evidence.databases:
        judge_database(found, db)
    if evidence.files is not None:
        judge_files(found, evidence.files)
    if not evidence.databases and evidence.files is None:
        found.fail("nothing to drill: no database dump and no files in the backup set")
    return found


def _finding(answer: AgentAnswer) -> DrillFinding:
    if not answer.stdout.strip() or answer.unreachable:
        found = DrillFinding(answer.host)
        found.fail(answer.reason)
        return found
    try:
        evidence = parse(DrillEvidence, answer.stdout, f"{answer.host}: dzict-backup drill")
    except BackupError as exc:
        found = DrillFinding(answer.host)
        found.fail(str(exc))
        return found
    found = judge_evidence(answer.host, evidence)
    if answer.rc != 0 and found.passed:
        found.fail(answer.reason)
    return found


def backup_drill(
    inventory: Inventory,
    members: Sequence[str],
    files: int = 20,
    seed: int | None = None,
    control_dir: Path | None = None,
) -> tuple[int, list[DrillFinding]]:
    """Drill every member; return the sample seed (to repeat the drill) and the findings."""
    seed = random.SystemRandom().randrange(1 << 31) if seed is None else seed
    args = ["drill", "--files", str(files), "--seed", str(seed)]
    answers = run_agent(inventory, dict.fromkeys(members, args), control_dir)
    return seed, [_finding(answers[m]) for m in members]

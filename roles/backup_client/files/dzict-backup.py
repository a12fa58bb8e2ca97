#!/usr/bin/python3
"""Back up this host with restic as its backup set says; restore; gather drill evidence.

Installed as /usr/local/sbin/dzict-backup by the backup_client role and run by its systemd
timer, by ``invoke backup.run`` and, on the control node, from the repository itself.
Standard library only. Every subcommand prints one JSON document on stdout (human-readable
progress goes to stderr) and exits non-zero when anything failed::

    dzict-backup run                    databases (streamed, no dump on disk), files, retention
    dzict-backup restic -- ARGS...      restic with this host's repository, key and password
    dzict-backup fingerprint ENGINE DB  every table's row count and content checksum
    dzict-backup restore-db ENGINE DB [--snapshot ID] [--into DB]
    dzict-backup drill [--files N] [--seed S]

The configuration (``/etc/dzict-backup/config.json``, written by the role) holds the
repository, the paths of the password, key and known_hosts files, the paths and excludes, the
database engines and the retention. Without a password file restic reads RESTIC_PASSWORD.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DEFAULT_CONFIG = "/etc/dzict-backup/config.json"
FILES_TAG = "files"
DB_TAG = "database"
SCRATCH_PREFIX = "dzict_drill_"
SYSTEM_DATABASES = {
    "postgresql": {"postgres"},
    "mariadb": {"information_schema", "performance_schema", "mysql", "sys"},
}
PG_TABLES = (
    "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables"
    " WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
)
PG_DATABASES = (
    "SELECT datname FROM pg_database WHERE NOT datistemplate"
    f" AND datname NOT LIKE '{SCRATCH_PREFIX}%' ORDER BY 1"
)


class Failure(Exception):
    """One thing that went wrong, said in one line."""


def log(message: str) -> None:
    """Progress for the person or the journal, on stderr."""
    print(f"dzict-backup: {message}", file=sys.stderr, flush=True)


def now() -> str:
    """The current time as ISO 8601 in UTC."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def last_line(text: str | bytes) -> str:
    """The last non-empty line of a tool's output: usually the reason it failed."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "(no message)"


def error_lines(text: str) -> str:
    """restic's error lines (a damaged pack, a fatal error), joined; else the last line."""
    words = (
        "error", "fatal", "does not match", "damaged", "invalid", "unable", "wrong",
        "connect to host", "timed out", "refused", "no route", "permission denied",
        "host key", "locked",
    )  # fmt: skip
    hits = [ln.strip() for ln in text.splitlines() if any(w in ln.lower() for w in words)]
    return "; ".join(dict.fromkeys(hits)) if hits else last_line(text)


class Config:
    """This host's backup set and how to reach its repository."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.host: str = data["host"]
        self.repository: str = data["repository"]
        self.password_file: str | None = data.get("password_file")
        self.ssh_key: str | None = data.get("ssh_key")
        self.known_hosts: str | None = data.get("known_hosts")
        self.ssh_port: int = int(data.get("ssh_port", 22))
        self.connect_timeout: int = int(data.get("connect_timeout", 10))
        self.cache_dir: str = data.get("cache_dir", "/var/cache/dzict-backup")
        self.state_file: str = data.get("state_file", "/var/lib/dzict-backup/last-run.json")
        self.lock_file: str = data.get("lock_file", "/run/dzict-backup.lock")
        self.paths: list[str] = list(data.get("paths", []))
        self.excludes: list[str] = list(data.get("excludes", []))
        self.databases: list[str] = list(data.get("databases", []))
        self.retention: dict[str, int] = dict(data.get("retention", {}))
        self.prune: bool = bool(data.get("prune", True))
        self.skip_missing: bool = bool(data.get("skip_missing", False))
        for path in self.paths:
            if not path.startswith("/"):
                raise Failure(f"backup path {path!r} is not absolute")

    @classmethod
    def load(cls, path: str) -> Config:
        """Read the configuration file."""
        try:
            return cls(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError) as exc:
            raise Failure(f"cannot read {path}: {exc}") from None

    def sftp_command(self) -> str | None:
        """The ssh command restic runs for sftp: this host's key, checked host keys."""
        if not self.repository.startswith("sftp:"):
            return None
        target = self.repository[len("sftp:") :].split(":", 1)[0]
        cmd = ["ssh", "-o", "BatchMode=yes", "-o", f"ConnectTimeout={self.connect_timeout}"]
        cmd += ["-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4"]
        cmd += ["-p", str(self.ssh_port)]
        if self.ssh_key:
            cmd += ["-i", self.ssh_key, "-o", "IdentitiesOnly=yes"]
        if self.known_hosts:
            cmd += ["-o", f"UserKnownHostsFile={self.known_hosts}"]
        cmd += ["-o", "StrictHostKeyChecking=yes"]
        return shlex.join([*cmd, target, "-s", "sftp"])

    def restic(self, *args: str) -> list[str]:
        """The restic command line for this repository."""
        cmd = ["restic", "--repo", self.repository, "--cache-dir", self.cache_dir]
        if self.password_file:
            cmd += ["--password-file", self.password_file]
        sftp = self.sftp_command()
        if sftp:
            cmd += ["-o", f"sftp.command={sftp}"]
        return [*cmd, *args]


def run_restic(config: Config, *args: str) -> subprocess.CompletedProcess[str]:
    """Run restic and return its output; raise Failure with restic's reason on error."""
    proc = subprocess.run(config.restic(*args), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise Failure(f"restic {args[0]}: {error_lines(proc.stderr)}")
    return proc


def open_repository(config: Config) -> None:
    """Fail early, with restic's own reason, when the repository cannot be opened."""
    proc = subprocess.run(
        config.restic("cat", "config"), capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise Failure(f"cannot open {config.repository}: {error_lines(proc.stderr)}")


def json_lines(text: str) -> list[dict[str, Any]]:
    """The JSON objects of restic's line-by-line output."""
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                out.append(json.loads(line))
    return out


def summary_of(stdout: str) -> dict[str, Any]:
    """restic backup --json: the summary message (snapshot id, bytes added)."""
    for message in reversed(json_lines(stdout)):
        if message.get("message_type") == "summary":
            return dict(message)
    raise Failure("restic backup printed no summary")


# ------------------------------------------------------------------------------------------
# Databases


def db_client(engine: str, database: str | None, *extra: str) -> list[str]:
    """The command line of the engine's client, as the database superuser."""
    if engine == "postgresql":
        cmd = ["runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"]
        return [*cmd, *extra, *(["-d", database] if database else [])]
    if engine == "mariadb":
        return ["mariadb", *extra, *([database] if database else [])]
    raise Failure(f"unknown database engine {engine!r} (known: postgresql, mariadb)")


def dump_command(engine: str, database: str) -> list[str]:
    """The dump command: plain SQL that drops and recreates every object it holds."""
    if engine == "postgresql":
        return ["runuser", "-u", "postgres", "--", "pg_dump", "--clean", "--if-exists", database]
    return [
        "mariadb-dump", "--single-transaction", "--routines", "--triggers", "--events",
        "--add-drop-table", database,
    ]  # fmt: skip


def query(engine: str, database: str | None, sql: str) -> list[list[str]]:
    """Rows of a query, as lists of strings (tab-separated output of the client)."""
    flags = (
        ["-A", "-t", "-F", "\t", "-c", sql] if engine == "postgresql" else ["-N", "-B", "-e", sql]
    )
    proc = subprocess.run(
        db_client(engine, database, *flags), capture_output=True, text=True, check=False, cwd="/"
    )
    if proc.returncode != 0:
        raise Failure(error_lines(proc.stderr))
    return [line.split("\t") for line in proc.stdout.splitlines() if line]


def databases_of(engine: str) -> list[str]:
    """Every user database of the engine (not system databases, not drill scratch copies)."""
    if engine == "postgresql":
        rows = query(engine, None, PG_DATABASES)
    else:
        rows = query(engine, None, "SHOW DATABASES")
    names = [r[0] for r in rows]
    skip = SYSTEM_DATABASES.get(engine, set())
    return [n for n in names if n not in skip and not n.startswith(SCRATCH_PREFIX)]


def fingerprint(engine: str, database: str) -> dict[str, dict[str, Any]]:
    """Every table's row count and a checksum of its content."""
    if engine == "postgresql":
        tables = [r[0] for r in query(engine, database, PG_TABLES)]
        if not tables:
            return {}
        parts = [
            f"SELECT {quote_literal(t)}, count(*),"
            f" coalesce(md5(string_agg(md5(x::text), '' ORDER BY md5(x::text))), '')"
            f" FROM {t} AS x"
            for t in tables
        ]
        rows = query(engine, database, " UNION ALL ".join(parts))
        return {r[0]: {"rows": int(r[1]), "checksum": r[2]} for r in rows}
    tables = [
        r[0]
        for r in query(
            engine,
            database,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
            " AND table_type = 'BASE TABLE' ORDER BY 1",
        )
    ]
    if not tables:
        return {}
    quoted = ", ".join(f"`{t}`" for t in tables)
    sums = {
        r[0].split(".", 1)[1]: r[1]
        for r in query(engine, database, f"CHECKSUM TABLE {quoted} EXTENDED")
    }
    counts = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM `{t}`" for t in tables)
    return {
        r[0]: {"rows": int(r[1]), "checksum": sums.get(r[0], "")}
        for r in query(engine, database, counts)
    }


def quote_literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def stdin_name(engine: str, database: str) -> str:
    """Where a dump lives inside its snapshot."""
    return f"{engine}/{database}.sql"


def backup_database(config: Config, engine: str, database: str, tags: list[str]) -> dict[str, Any]:
    """Stream one dump into restic; a failed dump never stays as a snapshot."""
    restic_cmd = config.restic(
        "backup", "--json", "--host", config.host, "--stdin",
        "--stdin-filename", stdin_name(engine, database), "--tag", DB_TAG, *tags,
    )  # fmt: skip
    with tempfile.TemporaryFile() as dump_err:
        dump = subprocess.Popen(
            dump_command(engine, database), stdout=subprocess.PIPE, stderr=dump_err, cwd="/"
        )
        assert dump.stdout is not None
        restic = subprocess.Popen(
            restic_cmd, stdin=dump.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        dump.stdout.close()
        out, err = restic.communicate()
        dump.wait()
        dump_err.seek(0)
        dump_message = last_line(dump_err.read())
    snapshot = None
    if restic.returncode == 0:
        snapshot = summary_of(out)
    if dump.returncode != 0:
        if snapshot is not None:
            forget_snapshot(config, snapshot["snapshot_id"])
        raise Failure(f"{engine}/{database}: dump failed: {dump_message}")
    if snapshot is None:
        raise Failure(f"{engine}/{database}: {error_lines(err)}")
    return {"kind": "database", "name": f"{engine}/{database}", **_figures(snapshot)}


def forget_snapshot(config: Config, snapshot_id: str) -> None:
    """Drop the snapshot of a failed dump, so that a partial dump is never taken as good."""
    proc = subprocess.run(
        config.restic("forget", snapshot_id), capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        log(f"could not forget partial snapshot {snapshot_id}: {last_line(proc.stderr)}")


def backup_files(config: Config, paths: list[str], tags: list[str]) -> dict[str, Any]:
    """Back up the paths; unreadable files make the run fail (restic exit 3)."""
    args = ["backup", "--json", "--host", config.host, "--tag", FILES_TAG, *tags]
    for pattern in config.excludes:
        args += ["--exclude", pattern]
    proc = subprocess.run(config.restic(*args, *paths), capture_output=True, text=True, check=False)
    if proc.returncode == 3:
        raise Failure(f"files: some files could not be read: {error_lines(proc.stderr)}")
    if proc.returncode != 0:
        raise Failure(f"files: {error_lines(proc.stderr)}")
    return {"kind": "files", "name": ",".join(paths), **_figures(summary_of(proc.stdout))}


def _figures(summary: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "snapshot_id",
        "data_added",
        "total_bytes_processed",
        "total_files_processed",
        "total_duration",
    )
    return {k: summary.get(k) for k in keys}


def apply_retention(config: Config) -> None:
    """Forget snapshots beyond the retention (per host and path), and prune their data."""
    args = ["forget", "--host", config.host, "--group-by", "host,paths"]
    for period in ("daily", "weekly", "monthly", "yearly"):
        if config.retention.get(period):
            args += [f"--keep-{period}", str(config.retention[period])]
    if len(args) == 5:
        return
    if config.prune:
        args.append("--prune")
    run_restic(config, *args)


@contextlib.contextmanager
def locked(path: str) -> Iterator[None]:
    """One run at a time on this host (the timer and an officer may start one together)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Failure("another backup of this host is running") from None
        yield


def cmd_run(config: Config, args: argparse.Namespace) -> dict[str, Any]:
    """Back up the databases and files, apply retention, record the outcome."""
    report: dict[str, Any] = {"host": config.host, "started": now(), "snapshots": [], "errors": []}
    tags = ["--tag", f"run:{args.run_id}"] if args.run_id else []
    try:
        with locked(config.lock_file):
            open_repository(config)
            for engine in config.databases:
                try:
                    names = databases_of(engine)
                except Failure as exc:
                    report["errors"].append(f"{engine}: cannot list databases: {exc}")
                    continue
                for name in names:
                    log(f"dumping {engine}/{name}")
                    try:
                        report["snapshots"].append(backup_database(config, engine, name, tags))
                    except Failure as exc:
                        report["errors"].append(str(exc))
            paths = [p for p in config.paths if os.path.lexists(p)]
            missing = [p for p in config.paths if p not in paths]
            if config.skip_missing:
                report["skipped"] = missing
            else:
                report["errors"] += [f"files: {p} does not exist" for p in missing]
            if paths:
                log(f"backing up {' '.join(paths)}")
                try:
                    report["snapshots"].append(backup_files(config, paths, tags))
                except Failure as exc:
                    report["errors"].append(str(exc))
            if not report["errors"]:
                try:
                    apply_retention(config)
                except Failure as exc:
                    report["errors"].append(f"retention: {exc}")
    except Failure as exc:
        report["errors"].append(str(exc))
    if not report["snapshots"] and not report["errors"]:
        report["errors"].append("the backup set is empty: no paths and no databases")
    report["finished"] = now()
    report["result"] = "failed" if report["errors"] else "ok"
    write_state(config.state_file, report)
    return report


def read_state(path: str) -> dict[str, Any]:
    """The last run and the last good run, as this host remembers them."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_state(path: str, report: dict[str, Any]) -> None:
    """Remember this run (and, when it was good, as the last good run) for backup.status."""
    state = read_state(path)
    state["last_run"] = report
    if report["result"] == "ok":
        state["last_good"] = report
    with contextlib.suppress(OSError):
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
        tmp.replace(target)


def cmd_status(config: Config, args: argparse.Namespace) -> dict[str, Any]:
    """The remembered runs, the repository's snapshots and the size of the last good run."""
    report: dict[str, Any] = {"host": config.host, "state": read_state(config.state_file)}
    report["errors"] = []
    try:
        report["snapshots"] = snapshots(config)
        good = report["state"].get("last_good") or {}
        ids = [s["snapshot_id"] for s in good.get("snapshots", [])]
        known = {s["short_id"] for s in report["snapshots"]} | {
            s["id"] for s in report["snapshots"]
        }
        missing = [i for i in ids if i not in known]
        if missing:
            report["errors"].append(f"snapshots of the last good run are gone: {' '.join(missing)}")
        elif ids:
            proc = run_restic(config, "stats", "--json", "--mode", "restore-size", *ids)
            report["stats"] = json.loads(proc.stdout)
    except Failure as exc:
        report["errors"].append(str(exc))
    return report


# ------------------------------------------------------------------------------------------
# Restore and drill


def snapshots(config: Config, *filters: str) -> list[dict[str, Any]]:
    """This host's snapshots, oldest first."""
    proc = run_restic(config, "snapshots", "--json", "--host", config.host, *filters)
    data: list[dict[str, Any]] = json.loads(proc.stdout or "[]")
    return data


def which_dump(config: Config, name: str, snapshot: str | None) -> tuple[str, str, str]:
    """(engine, database, snapshot id) of the dump named ``db`` or ``engine/db``: the newest,
    or the one in ``snapshot``. Two engines holding the same name must be told apart."""
    found = snapshots(config, *([snapshot] if snapshot else ["--tag", DB_TAG]))
    dumps = []
    for snap in found:
        if DB_TAG not in snap.get("tags", []) or not snap.get("paths"):
            continue
        engine, _, file = snap["paths"][0].strip("/").partition("/")
        database = file.removesuffix(".sql")
        if name in (database, f"{engine}/{database}"):
            dumps.append((engine, database, str(snap["id"])))
    engines = sorted({d[0] for d in dumps})
    if not dumps:
        where = f"snapshot {snapshot}" if snapshot else "the repository"
        raise Failure(f"no dump of {name} in {where}")
    if len(engines) > 1:
        choices = " or ".join(f"{e}/{name}" for e in engines)
        raise Failure(f"{name} is in the {' and '.join(engines)} dumps: say {choices}")
    return dumps[-1]


def load_dump(config: Config, engine: str, database: str, snapshot: str, into: str) -> None:
    """Stream a dump from the repository into a database, in one transaction for PostgreSQL."""
    extra = ["--single-transaction"] if engine == "postgresql" else []
    dump = subprocess.Popen(
        config.restic("dump", snapshot, "/" + stdin_name(engine, database)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert dump.stdout is not None
    load = subprocess.run(
        db_client(engine, into, *extra),
        stdin=dump.stdout,
        capture_output=True,
        check=False,
        cwd="/",
    )
    dump.stdout.close()
    dump_err = dump.stderr.read() if dump.stderr else b""
    dump.wait()
    if dump.returncode != 0:
        raise Failure(f"restic dump: {error_lines(dump_err.decode('utf-8', 'replace'))}")
    if load.returncode != 0:
        raise Failure(f"loading {engine}/{database} into {into}: {last_line(load.stderr)}")


def cmd_restore_db(config: Config, args: argparse.Namespace) -> dict[str, Any]:
    """Load a database's dump back into it (or into another database)."""
    engine, database, snapshot = which_dump(config, args.database, args.snapshot)
    into = args.into or database
    log(f"restoring {engine}/{database} from {snapshot[:8]} into {into}")
    load_dump(config, engine, database, snapshot, into)
    tables = fingerprint(engine, into)
    return {
        "engine": engine,
        "database": database,
        "into": into,
        "snapshot": snapshot,
        "tables": tables,
    }


def cmd_restore_path(config: Config, args: argparse.Namespace) -> dict[str, Any]:
    """Restore a file or folder from the newest files snapshot (or the one named)."""
    path = "/" + args.path.strip("/")
    snapshot = args.snapshot
    if not snapshot:
        found = snapshots(config, "--tag", FILES_TAG)
        if not found:
            raise Failure("no files snapshot in the repository")
        snapshot = str(found[-1]["id"])
    nodes = run_restic(config, "ls", "--json", "--recursive", snapshot, path).stdout
    listed = [n for n in json_lines(nodes) if n.get("struct_type") == "node"]
    inside = [n for n in listed if n["path"] == path or n["path"].startswith(path + "/")]
    if not inside:
        raise Failure(f"{path} is not in snapshot {snapshot[:8]}")
    log(f"restoring {path} from {snapshot[:8]} into {args.target}")
    run_restic(config, "restore", snapshot, "--target", args.target, "--include", path)
    restored = Path(args.target) / path.lstrip("/")
    if not restored.exists():
        raise Failure(f"restic restored nothing at {restored}")
    files = [n for n in inside if n.get("type") == "file"]
    return {
        "snapshot": snapshot,
        "path": path,
        "target": args.target,
        "files": len(files),
        "bytes": sum(int(n.get("size", 0)) for n in files),
    }


def create_scratch(engine: str, name: str) -> None:
    """An empty scratch database (dropped first if a previous drill left it)."""
    drop_scratch(engine, name)
    query(engine, None, f"CREATE DATABASE {name}")


def drop_scratch(engine: str, name: str) -> None:
    """Remove a scratch database."""
    if not name.startswith(SCRATCH_PREFIX):
        raise Failure(f"refusing to drop {name}: not a scratch database")
    query(engine, None, f"DROP DATABASE IF EXISTS {name}")


def drill_database(config: Config, snap: dict[str, Any]) -> dict[str, Any]:
    """Restore one dump into a scratch database; fingerprint it and its source."""
    engine, file = snap["paths"][0].strip("/").split("/", 1)
    database = file.removesuffix(".sql")
    scratch = SCRATCH_PREFIX + database
    result: dict[str, Any] = {
        "engine": engine,
        "database": database,
        "snapshot": snap["id"],
        "time": snap["time"],
    }
    try:
        create_scratch(engine, scratch)
        try:
            load_dump(config, engine, database, snap["id"], scratch)
            result["restored"] = fingerprint(engine, scratch)
        finally:
            drop_scratch(engine, scratch)
        result["source"] = fingerprint(engine, database)
    except Failure as exc:
        result["error"] = str(exc)
    return result


def sha256(path: Path) -> str:
    """The SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_nodes(config: Config, snapshot: str) -> list[dict[str, Any]]:
    """The regular files of a snapshot, as ``restic ls --json`` lists them."""
    proc = run_restic(config, "ls", "--json", snapshot)
    return [
        n
        for n in json_lines(proc.stdout)
        if n.get("struct_type") == "node" and n.get("type") == "file"
    ]


def drill_files(config: Config, count: int, seed: int) -> dict[str, Any]:
    """Restore a sample of files from the newest files snapshot; hash them and their sources."""
    found = snapshots(config, "--tag", FILES_TAG)
    if not found:
        return {"error": "no files snapshot in the repository"}
    snap = found[-1]
    nodes = file_nodes(config, snap["id"])
    sample = random.Random(seed).sample(nodes, min(count, len(nodes)))
    result: dict[str, Any] = {"snapshot": snap["id"], "time": snap["time"], "files": []}
    if not sample:
        return result
    scratch = Path(tempfile.mkdtemp(prefix="dzict-drill-"))
    try:
        includes = [a for n in sample for a in ("--include", n["path"])]
        run_restic(config, "restore", snap["id"], "--target", str(scratch), *includes)
        for node in sample:
            restored = scratch / node["path"].lstrip("/")
            source = Path(node["path"])
            entry: dict[str, Any] = {
                "path": node["path"],
                "size": node.get("size", 0),
                "mtime": node.get("mtime"),
            }
            entry["restored"] = sha256(restored) if restored.is_file() else None
            if source.is_file():
                entry["source"] = sha256(source)
                entry["source_mtime"] = datetime.fromtimestamp(
                    source.stat().st_mtime, UTC
                ).isoformat()
            else:
                entry["source"] = None
            result["files"].append(entry)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return result


def cmd_drill(config: Config, args: argparse.Namespace) -> dict[str, Any]:
    """Evidence for a restore drill: fingerprints of restored and source data."""
    report: dict[str, Any] = {"host": config.host, "started": now(), "databases": [], "errors": []}
    with locked(config.lock_file):
        latest: dict[str, dict[str, Any]] = {}
        for snap in snapshots(config, "--tag", DB_TAG):
            latest[snap["paths"][0]] = snap
        for path in sorted(latest):
            log(f"drill: restoring {path} into a scratch database")
            report["databases"].append(drill_database(config, latest[path]))
        if config.paths:
            log(f"drill: restoring a sample of {args.files} files")
            try:
                report["files"] = drill_files(config, args.files, args.seed)
            except Failure as exc:
                report["files"] = {"error": str(exc)}
    report["finished"] = now()
    return report


def cmd_fingerprint(config: Config, args: argparse.Namespace) -> dict[str, Any]:
    """Row counts and checksums of one database."""
    return {
        "engine": args.engine,
        "database": args.database,
        "tables": fingerprint(args.engine, args.database),
    }


def cmd_restic(config: Config, args: argparse.Namespace) -> None:
    """Hand over to restic, configured for this host."""
    rest = args.args[1:] if args.args[:1] == ["--"] else args.args
    os.execvp("restic", config.restic(*rest))


def parse(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="dzict-backup", description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=os.environ.get("DZICT_BACKUP_CONFIG", DEFAULT_CONFIG))
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="back up this host now")
    run.add_argument("--run-id", default="", help="tag the snapshots with run:ID")
    sub.add_parser("status", help="last runs, snapshots and size of the last good run")
    res = sub.add_parser("restic", help="run restic against this host's repository")
    res.add_argument("args", nargs=argparse.REMAINDER)
    finger = sub.add_parser("fingerprint", help="row counts and checksums of a database")
    finger.add_argument("engine", choices=sorted(SYSTEM_DATABASES))
    finger.add_argument("database")
    rdb = sub.add_parser("restore-db", help="load a database dump back (DB or ENGINE/DB)")
    rdb.add_argument("database")
    rdb.add_argument("--snapshot")
    rdb.add_argument("--into")
    rpath = sub.add_parser("restore-path", help="restore a file or folder")
    rpath.add_argument("path")
    rpath.add_argument("--target", required=True)
    rpath.add_argument("--snapshot")
    drill = sub.add_parser("drill", help="gather restore drill evidence")
    drill.add_argument("--files", type=int, default=20)
    drill.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


COMMANDS = {
    "run": cmd_run,
    "status": cmd_status,
    "restore-db": cmd_restore_db,
    "restore-path": cmd_restore_path,
    "drill": cmd_drill,
    "fingerprint": cmd_fingerprint,
}


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; print its JSON; exit 1 on failure."""
    args = parse(sys.argv[1:] if argv is None else argv)
    try:
        config = Config.load(args.config)
        if args.command == "restic":
            cmd_restic(config, args)
            return 0
        report = COMMANDS[args.command](config, args)
    except Failure as exc:
        print(json.dumps({"result": "failed", "errors": [str(exc)]}))
        log(str(exc))
        return 1
    print(json.dumps(report, indent=2))
    failed = report.get("result") == "failed" or bool(report.get("errors"))
    for message in report.get("errors", []):
        log(message)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

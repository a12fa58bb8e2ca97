"""Lab images, built locally with no registry: debootstrap, apt inside a chroot, podman import.

One BASE root file system is bootstrapped once and cached; each role image is a copy of it
with the role's packages installed by apt inside the chroot, the files of
``overlay/common`` and ``overlay/<role>`` laid over it, and the role's hook run. The image is
then imported as ``localhost/dzict-<role>:<tag>``, the tag being a hash of the whole recipe:
a changed recipe builds a new image, an unchanged one is taken from podman's store.

    >>> ensure_image("router")          # builds on first use, cached afterwards
    'localhost/dzict-router:3f0c9a1b2d4e'

Every image boots systemd as PID 1 through ``/usr/local/sbin/dzict-lab-init``, which first
makes the container's own SSH host keys, writes root's authorized_keys and brings up the
LAN address given in the environment (see that script).
"""

from __future__ import annotations

import ast
import contextlib
import fcntl
import hashlib
import inspect
import json
import os
import re
import shutil
import subprocess
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dzict.exceptions import ImageBuildError
from dzict.lab import debs, sampledata
from dzict.lab.podman import REPO_ROOT, Podman, require

#: Bump when the build procedure changes in a way the recipe fields below do not show.
BUILD_VERSION = 1
SUITE = "bookworm"
ROLES = ("router", "ap", "pc", "server", "backup", "mirror")
OVERLAY = Path(__file__).with_name("overlay")
IMAGE_PREFIX = "localhost/dzict-"
ENTRYPOINT = "/usr/local/sbin/dzict-lab-init"

BASE_PACKAGES = (
    "systemd",
    "systemd-sysv",
    "dbus",
    "openssh-server",
    "openssh-sftp-server",
    "python3",
    "python3-apt",
    "iproute2",
    "iputils-ping",
    "lldpd",
    "procps",
    "sudo",
    "ca-certificates",
    "less",
    "tcpdump",
    "netbase",
    "traceroute",
)
#: Timers and units a lab container must not run on its own.
BASE_DISABLED = (
    "apt-daily.timer",
    "apt-daily-upgrade.timer",
    "dpkg-db-backup.timer",
    "e2scrub_all.timer",
    "fstrim.timer",
)

Log = Callable[[str], None]
Hook = Callable[["BuildContext"], None]


def _code(obj: object) -> str:
    """The code of a function or module as its syntax tree: formatting and comments do not count."""
    return ast.dump(ast.parse(textwrap.dedent(inspect.getsource(obj))))  # type: ignore[arg-type]


@dataclass(frozen=True)
class BuildContext:
    """What a role hook gets: the chroot, a way to run commands inside it, and a log."""

    root: Path
    cache: Path
    log: Log

    def chroot(self, *cmd: str, input_text: str | None = None) -> str:
        """Run ``cmd`` inside the chroot; raise ImageBuildError with its output on failure."""
        return _chroot(self.root, list(cmd), input_text=input_text)


@dataclass(frozen=True)
class Recipe:
    """How one role image is made on top of the base."""

    role: str
    packages: tuple[str, ...] = ()
    enable: tuple[str, ...] = ()
    local_debs: tuple[debs.DebSpec, ...] = ()
    hook: Hook | None = None
    #: Functions and modules the hook uses: their code is part of the image's tag.
    uses: tuple[object, ...] = ()


# ---------------------------------------------------------------------------------------------
# Role hooks: everything a role needs that a package list and overlay files cannot say.


def _router_hook(ctx: BuildContext) -> None:
    daemons = ctx.root / "etc/frr/daemons"
    text = re.sub(r"^ospfd=no$", "ospfd=yes", daemons.read_text(), flags=re.M)
    daemons.write_text(text)
    ctx.chroot("chown", "frr:frr", "/etc/frr/frr.conf", "/etc/frr/vtysh.conf")
    ctx.chroot("chmod", "640", "/etc/frr/frr.conf")


def _server_hook(ctx: BuildContext) -> None:
    ctx.log("server: seeding PostgreSQL")
    _seed_postgresql(ctx)
    ctx.log("server: seeding MariaDB")
    _seed_mariadb(ctx)
    files = ctx.root / "srv/files"
    count = sampledata.write_office_files(files)
    ctx.log(f"server: {count} office files under /srv/files")


def _seed_postgresql(ctx: BuildContext) -> None:
    versions = sorted(p.name for p in (ctx.root / "etc/postgresql").iterdir())
    cluster = [versions[-1], "main"]
    ctx.chroot("pg_ctlcluster", *cluster, "start")
    try:
        db = sampledata.DATABASE
        ctx.chroot("su", "postgres", "-c", f"createuser {db} && createdb -O {db} {db}")
        ctx.chroot(
            "su",
            "postgres",
            "-c",
            f"psql -q -v ON_ERROR_STOP=1 -U postgres -d {db}",
            input_text=f"SET ROLE {db};\n" + sampledata.schema_and_rows("postgresql"),
        )
    finally:
        ctx.chroot("pg_ctlcluster", *cluster, "stop")


def _seed_mariadb(ctx: BuildContext) -> None:
    sock = "/run/mysqld/mysqld.sock"
    ctx.chroot("install", "-d", "-o", "mysql", "-g", "mysql", "/run/mysqld")
    server = subprocess.Popen(
        [
            "chroot",
            str(ctx.root),
            "/usr/sbin/mariadbd",
            "--user=mysql",
            "--skip-networking",
            f"--socket={sock}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_CHROOT_ENV,
    )
    try:
        for _ in range(120):
            ok = subprocess.run(
                ["chroot", str(ctx.root), "mariadb-admin", f"--socket={sock}", "ping"],
                capture_output=True,
                check=False,
                env=_CHROOT_ENV,
            )
            if ok.returncode == 0:
                break
            time.sleep(0.5)
        else:
            raise ImageBuildError("server: MariaDB did not start inside the chroot")
        db = sampledata.DATABASE
        sql = (
            f"CREATE DATABASE {db};\nCREATE USER '{db}'@'localhost' IDENTIFIED VIA unix_socket;\n"
            f"GRANT ALL ON {db}.* TO '{db}'@'localhost';\nUSE {db};\n"
            + sampledata.schema_and_rows("mariadb")
        )
        ctx.chroot("mariadb", f"--socket={sock}", input_text=sql)
        ctx.chroot("mariadb-admin", f"--socket={sock}", "shutdown")
        server.wait(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def _install_local_debs(ctx: BuildContext, specs: tuple[debs.DebSpec, ...]) -> None:
    staging = ctx.root / "tmp/dzict-debs"
    paths = [debs.build_deb(spec, staging) for spec in specs]
    ctx.chroot("dpkg", "-i", *(f"/tmp/dzict-debs/{p.name}" for p in paths))
    shutil.rmtree(staging)


def _mirror_hook(ctx: BuildContext) -> None:
    repo = ctx.root / "srv/mirror/debian"
    for spec in debs.PACKAGES:
        debs.build_deb(spec, repo / "pool/main" / spec.name[0] / spec.name)
    for suite in debs.SUITES:
        specs = [s for s in debs.PACKAGES if s.suite == suite]
        binary = repo / "dists" / suite / "main/binary-amd64"
        binary.mkdir(parents=True)
        # Index each suite's own files only, paths relative to the repository root.
        listing = ctx.chroot(
            "sh", "-c", "cd /srv/mirror/debian && apt-ftparchive packages pool/main"
        )
        (binary / "Packages").write_text(_only(listing, {s.filename for s in specs}))
        ctx.chroot("gzip", "-9kn", f"/srv/mirror/debian/dists/{suite}/main/binary-amd64/Packages")
        release = ctx.chroot(
            "apt-ftparchive",
            "-o",
            f"APT::FTPArchive::Release::Origin={debs.MIRROR_ORIGIN}",
            "-o",
            f"APT::FTPArchive::Release::Label={debs.MIRROR_ORIGIN} {suite}",
            "-o",
            f"APT::FTPArchive::Release::Suite={suite}",
            "-o",
            f"APT::FTPArchive::Release::Codename={suite}",
            "-o",
            "APT::FTPArchive::Release::Architectures=amd64 all",
            "-o",
            "APT::FTPArchive::Release::Components=main",
            "release",
            f"/srv/mirror/debian/dists/{suite}",
        )
        (repo / "dists" / suite / "Release").write_text(release)


def _only(packages_index: str, filenames: set[str]) -> str:
    """Keep the stanzas of a Packages index whose Filename is one of ``filenames``."""
    keep = []
    for stanza in packages_index.strip().split("\n\n"):
        match = re.search(r"^Filename: .*/([^/\n]+)$", stanza, flags=re.M)
        if match and match.group(1) in filenames:
            keep.append(stanza)
    return "\n\n".join(keep) + "\n"


def _pc_hook(ctx: BuildContext) -> None:
    _install_local_debs(ctx, debs.INSTALLED_AT_START)


def _server_with_debs_hook(ctx: BuildContext) -> None:
    _install_local_debs(ctx, debs.INSTALLED_AT_START)
    _server_hook(ctx)


RECIPES: dict[str, Recipe] = {
    "router": Recipe(
        "router", ("frr", "frr-pythontools", "nftables"), enable=("frr.service",), hook=_router_hook
    ),
    "ap": Recipe("ap", ("hostapd", "iw", "bridge-utils")),
    "pc": Recipe("pc", (), hook=_pc_hook, uses=(_install_local_debs,)),
    "server": Recipe(
        "server",
        ("postgresql", "mariadb-server", "restic", "python3-psycopg2", "python3-pymysql", "gzip"),
        enable=("postgresql.service", "mariadb.service"),
        hook=_server_with_debs_hook,
        uses=(_install_local_debs, _server_hook, _seed_postgresql, _seed_mariadb, sampledata),
    ),
    "backup": Recipe("backup", ()),
    "mirror": Recipe(
        "mirror",
        ("apt-utils",),
        enable=("dzict-mirror-http.service",),
        hook=_mirror_hook,
        uses=(_only,),
    ),
}


# ---------------------------------------------------------------------------------------------
# Recipe hashes and image names


def _tree_digest(path: Path) -> list[tuple[str, str, bool]]:
    if not path.is_dir():
        return []
    return [
        (
            str(p.relative_to(path)),
            hashlib.sha256(p.read_bytes()).hexdigest(),
            bool(p.stat().st_mode & 0o111),
        )
        for p in sorted(path.rglob("*"))
        if p.is_file()
    ]


def base_tag() -> str:
    """The hash of the base root file system's recipe."""
    data = {
        "v": BUILD_VERSION,
        "suite": SUITE,
        "packages": BASE_PACKAGES,
        "disabled": BASE_DISABLED,
        "common": _tree_digest(OVERLAY / "common"),
        "finish": _code(_finish),
        "prepare": _code(_prepare_base),
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]


def image_tag(role: str) -> str:
    """The hash of ``role``'s whole recipe, base included: the image's tag."""
    recipe = _recipe(role)
    data = {
        "base": base_tag(),
        "role": role,
        "packages": recipe.packages,
        "enable": recipe.enable,
        "overlay": _tree_digest(OVERLAY / role),
        "hook": _code(recipe.hook) if recipe.hook else "",
        "uses": [_code(u) for u in recipe.uses],
        "build": _code(_build_role),
        "debs": _code(debs),
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]


def image_ref(role: str) -> str:
    """``localhost/dzict-ROLE:TAG`` for the current recipe (whether built yet or not)."""
    return f"{IMAGE_PREFIX}{role}:{image_tag(role)}"


def _recipe(role: str) -> Recipe:
    try:
        return RECIPES[role]
    except KeyError:
        raise ImageBuildError(
            f"no lab image for role {role!r}; roles: {', '.join(ROLES)}"
        ) from None


def cache_dir(path: str | Path | None = None) -> Path:
    """Where root file systems and downloaded packages are cached: argument,
    ``DZICT_LAB_CACHE``, then ``var/lab`` in the repository."""
    return Path(path or os.environ.get("DZICT_LAB_CACHE") or REPO_ROOT / "var" / "lab")


# ---------------------------------------------------------------------------------------------
# The Debian mirror apt on this machine uses


def host_mirrors(sources_dir: Path = Path("/etc/apt")) -> tuple[str, str | None]:
    """(Debian mirror, security mirror or None) as configured for apt on this machine."""
    entries: list[tuple[str, list[str]]] = []
    for path in sorted((sources_dir / "sources.list.d").glob("*.sources")):
        for stanza in path.read_text().split("\n\n"):
            fields = dict(
                line.split(":", 1)
                for line in stanza.splitlines()
                if ":" in line and not line.startswith("#")
            )
            uris = fields.get("URIs", "").split()
            suites = fields.get("Suites", "").split()
            entries += [(uri, suites) for uri in uris]
    lists = [sources_dir / "sources.list", *sorted((sources_dir / "sources.list.d").glob("*.list"))]
    for path in lists:
        if path.is_file():
            for line in path.read_text().splitlines():
                words = re.sub(r"\[.*?\]", "", line).split()
                if len(words) >= 3 and words[0] == "deb":
                    entries.append((words[1], [words[2]]))
    main = next((uri for uri, suites in entries if SUITE in suites), None)
    security = next((uri for uri, suites in entries if f"{SUITE}-security" in suites), None)
    if main is None:
        raise ImageBuildError(f"no Debian {SUITE} mirror in apt's sources on this machine")
    return main.rstrip("/"), security.rstrip("/") if security else None


# ---------------------------------------------------------------------------------------------
# chroot plumbing

_CHROOT_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "DEBIAN_FRONTEND": "noninteractive",
    "LC_ALL": "C.UTF-8",
    "HOME": "/root",
}


def _run(cmd: list[str], input_text: str | None = None, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        cmd, input=input_text, capture_output=True, text=True, check=False, env=env
    )
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise ImageBuildError(f"{' '.join(cmd[:6])} failed ({proc.returncode}):\n{tail}")
    return proc.stdout


def _chroot(root: Path, cmd: list[str], input_text: str | None = None) -> str:
    return _run(["chroot", str(root), *cmd], input_text=input_text, env=_CHROOT_ENV)


def _mounts_under(root: Path) -> list[str]:
    prefix = str(root.resolve())
    found = []
    for line in Path("/proc/self/mounts").read_text().splitlines():
        point = line.split()[1].replace("\\040", " ")
        if point == prefix or point.startswith(prefix + "/"):
            found.append(point)
    return found


def _umount_all(root: Path) -> None:
    for point in sorted(_mounts_under(root), key=len, reverse=True):
        if subprocess.run(["umount", point], capture_output=True, check=False).returncode:
            subprocess.run(["umount", "-l", point], capture_output=True, check=False)


def _remove_tree(path: Path) -> None:
    """Remove a build tree, unmounting first and never crossing into another file system."""
    if path.exists():
        _umount_all(path)
        _run(["rm", "-rf", "--one-file-system", str(path)])


@contextlib.contextmanager
def _mounted(root: Path, apt_cache: Path) -> Iterator[None]:
    apt_cache.mkdir(parents=True, exist_ok=True)
    (root / "dev/shm").mkdir(parents=True, exist_ok=True)
    try:
        _run(["mount", "-t", "proc", "proc", str(root / "proc")])
        _run(["mount", "-t", "tmpfs", "tmpfs", str(root / "dev/shm")])
        _run(["mount", "--bind", str(apt_cache), str(root / "var/cache/apt/archives")])
        yield
    finally:
        _umount_all(root)


@contextlib.contextmanager
def _lock(cache: Path) -> Iterator[None]:
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / "build.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


# ---------------------------------------------------------------------------------------------
# Building


def _prepare_base(root: Path, mirror: str, security: str | None) -> None:
    """Point apt at the build mirror, keep daemons from starting, keep images small."""
    lines = [f"Types: deb\nURIs: {mirror}\nSuites: {SUITE} {SUITE}-updates\nComponents: main\n"]
    if security:
        lines.append(f"Types: deb\nURIs: {security}\nSuites: {SUITE}-security\nComponents: main\n")
    (root / "etc/apt/sources.list").unlink(missing_ok=True)
    (root / "etc/apt/sources.list.d/debian.sources").write_text("\n".join(lines))
    policy = root / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\n# No daemon starts while the image is built.\nexit 101\n")
    policy.chmod(0o755)
    (root / "etc/apt/apt.conf.d/90dzict-lab").write_text(
        'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n'
    )
    (root / "etc/dpkg/dpkg.cfg.d/90dzict-lab-nodoc").write_text(
        "path-exclude=/usr/share/doc/*\npath-include=/usr/share/doc/*/copyright\n"
        "path-exclude=/usr/share/man/*\npath-exclude=/usr/share/locale/*\n"
        "path-include=/usr/share/locale/locale.alias\n"
    )


def _overlay(name: str, root: Path) -> None:
    if (OVERLAY / name).is_dir():
        shutil.copytree(OVERLAY / name, root, dirs_exist_ok=True, symlinks=True)


def _finish(root: Path) -> None:
    """Leave nothing container-specific or build-specific in the image."""
    _chroot(root, ["apt-get", "clean"])
    for pattern in (
        "var/lib/apt/lists/*",
        "etc/ssh/ssh_host_*",
        "tmp/*",
        "var/log/*.log",
        "var/cache/debconf/*-old",
    ):
        for path in root.glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
    (root / "usr/sbin/policy-rc.d").unlink(missing_ok=True)
    (root / "etc/machine-id").write_text("")
    (root / "etc/hostname").write_text("localhost\n")
    (root / "etc/apt/sources.list.d/debian.sources").unlink(missing_ok=True)
    (root / "etc/apt/sources.list.d/dzict-lab.sources").write_text(debs.sources_deb822())


def build_base(cache: Path, log: Log = print) -> Path:
    """The cached base root file system for the current recipe, bootstrapped if missing."""
    tag = base_tag()
    final = cache / "rootfs" / f"base-{tag}"
    if final.is_dir():
        return final
    require("debootstrap", "chroot")
    mirror, security = host_mirrors()
    tmp = cache / "rootfs" / f".base-{tag}.tmp"
    _remove_tree(tmp)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    log(f"base: debootstrap {SUITE} from {mirror}")
    debcache = cache / "debs"
    debcache.mkdir(parents=True, exist_ok=True)
    _run(
        [
            "debootstrap",
            "--variant=minbase",
            f"--cache-dir={debcache}",
            f"--include={','.join(BASE_PACKAGES)}",
            SUITE,
            str(tmp),
            mirror,
        ]
    )
    _prepare_base(tmp, mirror, security)
    _overlay("common", tmp)
    with _mounted(tmp, debcache):
        _chroot(tmp, ["apt-get", "update", "-q"])
        _chroot(tmp, ["apt-get", "-y", "-q", "dist-upgrade"])
        _chroot(tmp, ["systemctl", "disable", *BASE_DISABLED])
        _chroot(tmp, ["apt-get", "clean"])
    tmp.rename(final)
    log(f"base: ready in {time.monotonic() - started:.0f} s")
    for old in [*(cache / "rootfs").glob("base-*"), *(cache / "rootfs").glob(".*.tmp")]:
        if old != final:  # older bases, and trees of builds that were killed
            _remove_tree(old)
    return final


def _build_role(role: str, ref: str, cache: Path, podman: Podman, log: Log) -> None:
    recipe = _recipe(role)
    base = build_base(cache, log)
    tmp = cache / "rootfs" / f".{role}-{ref.rsplit(':', 1)[1]}.tmp"
    _remove_tree(tmp)
    started = time.monotonic()
    log(f"{role}: copying the base")
    _run(["cp", "-a", "--reflink=auto", str(base), str(tmp)])
    try:
        ctx = BuildContext(tmp, cache, log)
        with _mounted(tmp, cache / "debs"):
            if recipe.packages:
                log(f"{role}: apt-get install {' '.join(recipe.packages)}")
                _chroot(tmp, ["apt-get", "update", "-q"])
                _chroot(
                    tmp,
                    [
                        "apt-get",
                        "install",
                        "-y",
                        "-q",
                        "-o",
                        "Dpkg::Options::=--force-confold",
                        *recipe.packages,
                    ],
                )
            # Overlay files win over what the packages installed.
            _overlay(role, tmp)
            if recipe.enable:
                _chroot(tmp, ["systemctl", "enable", *recipe.enable])
            if recipe.hook:
                recipe.hook(ctx)
            _finish(tmp)
        log(f"{role}: podman import {ref}")
        tar = subprocess.Popen(
            ["tar", "--numeric-owner", "--xattrs", "-C", str(tmp), "-c", "."],
            stdout=subprocess.PIPE,
        )
        try:
            podman.import_tar(
                tar.stdout,
                ref,
                [
                    f'ENTRYPOINT ["{ENTRYPOINT}"]',
                    "STOPSIGNAL SIGRTMIN+3",
                    f"LABEL dzict.image={role}",
                    f"LABEL dzict.recipe={ref.rsplit(':', 1)[1]}",
                ],
            )
        finally:
            if tar.stdout:
                tar.stdout.close()
            if tar.wait() != 0:
                raise ImageBuildError(f"{role}: tar of the root file system failed")
        log(f"{role}: built in {time.monotonic() - started:.0f} s")
    finally:
        _remove_tree(tmp)


def ensure_image(
    role: str,
    podman: Podman | None = None,
    cache: str | Path | None = None,
    log: Log = print,
) -> str:
    """Return ``localhost/dzict-ROLE:TAG``, building the image first if podman lacks it."""
    ref = image_ref(role)
    podman = podman or Podman()
    if not podman.ok("image", "exists", ref):
        require("podman", "debootstrap", "chroot", "tar", "dpkg-deb")
        where = cache_dir(cache)
        with _lock(where):
            if not podman.ok("image", "exists", ref):  # someone may have built it meanwhile
                _build_role(role, ref, where, podman, log)
    # ``:latest`` follows the current recipe, for tools that take a fixed name (molecule).
    podman.run("tag", ref, f"{IMAGE_PREFIX}{role}:latest")
    return ref


def ensure_images(
    roles: tuple[str, ...] = ROLES,
    podman: Podman | None = None,
    cache: str | Path | None = None,
    log: Log = print,
) -> dict[str, str]:
    """``ensure_image`` for several roles; returns role -> image reference."""
    podman = podman or Podman()
    return {role: ensure_image(role, podman, cache, log) for role in roles}


def image_sizes(podman: Podman | None = None) -> dict[str, int]:
    """Size in bytes of every current role image that exists."""
    podman = podman or Podman()
    sizes = {}
    for role in ROLES:
        ref = image_ref(role)
        if podman.ok("image", "exists", ref):
            sizes[role] = int(
                podman.run("image", "inspect", "--format", "{{.Size}}", ref).stdout.strip()
            )
    return sizes

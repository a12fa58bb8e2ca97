"""Role hooks: what a role image needs beyond its packages and overlay files, run inside the
chroot of the image being built (FRR's daemons, seeded databases, the mirror's repository)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time

from dzict.exceptions import ImageBuildError
from dzict.lab import debs, sampledata
from dzict.lab.chroot import CHROOT_ENV, BuildContext


def router_hook(ctx: BuildContext) -> None:
    daemons = ctx.root / "etc/frr/daemons"
    text = re.sub(r"^(ospfd|bgpd)=no$", r"\1=yes", daemons.read_text(), flags=re.M)
    daemons.write_text(text)
    ctx.chroot("chown", "frr:frr", "/etc/frr/frr.conf", "/etc/frr/vtysh.conf")
    ctx.chroot("chmod", "640", "/etc/frr/frr.conf")


def server_hook(ctx: BuildContext) -> None:
    ctx.log("server: seeding PostgreSQL")
    seed_postgresql(ctx)
    ctx.log("server: seeding MariaDB")
    seed_mariadb(ctx)
    files = ctx.root / "srv/files"
    count = sampledata.write_office_files(files)
    ctx.log(f"server: {count} office files under /srv/files")


def seed_postgresql(ctx: BuildContext) -> None:
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


def seed_mariadb(ctx: BuildContext) -> None:
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
        env=CHROOT_ENV,
    )
    try:
        for _ in range(120):
            ok = subprocess.run(
                ["chroot", str(ctx.root), "mariadb-admin", f"--socket={sock}", "ping"],
                capture_output=True,
                check=False,
                env=CHROOT_ENV,
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


def install_local_debs(ctx: BuildContext, specs: tuple[debs.DebSpec, ...]) -> None:
    staging = ctx.root / "tmp/dzict-debs"
    paths = [debs.build_deb(spec, staging) for spec in specs]
    ctx.chroot("dpkg", "-i", *(f"/tmp/dzict-debs/{p.name}" for p in paths))
    shutil.rmtree(staging)


def mirror_hook(ctx: BuildContext) -> None:
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
        (binary / "Packages").write_text(only_files(listing, {s.filename for s in specs}))
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


def only_files(packages_index: str, filenames: set[str]) -> str:
    """Keep the stanzas of a Packages index whose Filename is one of ``filenames``."""
    keep = []
    for stanza in packages_index.strip().split("\n\n"):
        match = re.search(r"^Filename: .*/([^/\n]+)$", stanza, flags=re.M)
        if match and match.group(1) in filenames:
            keep.append(stanza)
    return "\n\n".join(keep) + "\n"


def pc_hook(ctx: BuildContext) -> None:
    install_local_debs(ctx, debs.INSTALLED_AT_START)


def server_with_debs_hook(ctx: BuildContext) -> None:
    install_local_debs(ctx, debs.INSTALLED_AT_START)
    server_hook(ctx)

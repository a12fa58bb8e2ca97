"""The base root file system of every lab image: debootstrap from the Debian mirror apt on this
machine uses, apt pointed at it, daemons kept from starting, the common overlay laid over it."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

from dzict.exceptions import ImageBuildError
from dzict.lab.chroot import chroot, mounted, remove_tree, run
from dzict.lab.logs import Log
from dzict.lab.podman import require
from dzict.lab.recipes import BASE_DISABLED, BASE_PACKAGES, OVERLAY, SUITE


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


def prepare_base(root: Path, mirror: str, security: str | None) -> None:
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


def overlay(name: str, root: Path) -> None:
    """Lay the files of ``overlay/NAME`` over the tree (they win over what packages installed)."""
    if (OVERLAY / name).is_dir():
        shutil.copytree(OVERLAY / name, root, dirs_exist_ok=True, symlinks=True)


def build_base(cache: Path, tag: str, log: Log = print) -> Path:
    """The cached base root file system of recipe ``tag``, bootstrapped if missing."""
    final = cache / "rootfs" / f"base-{tag}"
    if final.is_dir():
        return final
    require("debootstrap", "chroot")
    mirror, security = host_mirrors()
    tmp = cache / "rootfs" / f".base-{tag}.tmp"
    remove_tree(tmp)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    log(f"base: debootstrap {SUITE} from {mirror}")
    debcache = cache / "debs"
    debcache.mkdir(parents=True, exist_ok=True)
    run(
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
    prepare_base(tmp, mirror, security)
    overlay("common", tmp)
    with mounted(tmp, debcache):
        chroot(tmp, ["apt-get", "update", "-q"])
        chroot(tmp, ["apt-get", "-y", "-q", "dist-upgrade"])
        chroot(tmp, ["systemctl", "disable", *BASE_DISABLED])
        chroot(tmp, ["apt-get", "clean"])
    tmp.rename(final)
    log(f"base: ready in {time.monotonic() - started:.0f} s")
    for old in [*(cache / "rootfs").glob("base-*"), *(cache / "rootfs").glob(".*.tmp")]:
        if old != final:  # older bases, and trees of builds that were killed
            remove_tree(old)
    return final

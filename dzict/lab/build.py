"""One role image: a copy of the base with the role's packages, overlay and hook, cleaned of
anything container-specific, and imported into podman with its entry point and labels."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from dzict.exceptions import ImageBuildError
from dzict.lab import debs
from dzict.lab.chroot import BuildContext, chroot, mounted, remove_tree, run
from dzict.lab.logs import Log
from dzict.lab.podman import Podman
from dzict.lab.recipes import Recipe
from dzict.lab.rootfs import overlay

ENTRYPOINT = "/usr/local/sbin/dzict-lab-init"


def finish(root: Path) -> None:
    """Leave nothing container-specific or build-specific in the image."""
    chroot(root, ["apt-get", "clean"])
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


def build_role(
    recipe: Recipe, ref: str, base: Path, cache: Path, *, podman: Podman, log: Log
) -> None:
    """Build ``recipe``'s image on a copy of ``base`` and import it into podman as ``ref``."""
    role = recipe.role
    tmp = cache / "rootfs" / f".{role}-{ref.rsplit(':', 1)[1]}.tmp"
    remove_tree(tmp)
    started = time.monotonic()
    log(f"{role}: copying the base")
    run(["cp", "-a", "--reflink=auto", str(base), str(tmp)])
    try:
        ctx = BuildContext(tmp, cache, log)
        with mounted(tmp, cache / "debs"):
            if recipe.packages:
                log(f"{role}: apt-get install {' '.join(recipe.packages)}")
                chroot(tmp, ["apt-get", "update", "-q"])
                chroot(
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
            overlay(role, tmp)
            if recipe.enable:
                chroot(tmp, ["systemctl", "enable", *recipe.enable])
            if recipe.hook:
                recipe.hook(ctx)
            finish(tmp)
        log(f"{role}: podman import {ref}")
        import_tree(tmp, role, ref, podman)
        log(f"{role}: built in {time.monotonic() - started:.0f} s")
    finally:
        remove_tree(tmp)


def import_tree(root: Path, role: str, ref: str, podman: Podman) -> None:
    """``podman import`` the tree as ``ref``, booting systemd through the lab's entry point."""
    tar = subprocess.Popen(
        ["tar", "--numeric-owner", "--xattrs", "-C", str(root), "-c", "."],
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

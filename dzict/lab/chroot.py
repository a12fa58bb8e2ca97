"""chroot plumbing of the image build: commands inside the tree, its mounts, its removal."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dzict.exceptions import ImageBuildError
from dzict.lab.logs import Log

CHROOT_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "DEBIAN_FRONTEND": "noninteractive",
    "LC_ALL": "C.UTF-8",
    "HOME": "/root",
}


@dataclass(frozen=True)
class BuildContext:
    """What a role hook gets: the chroot, a way to run commands inside it, and a log."""

    root: Path
    cache: Path
    log: Log

    def chroot(self, *cmd: str, input_text: str | None = None) -> str:
        """Run ``cmd`` inside the chroot; raise ImageBuildError with its output on failure."""
        return chroot(self.root, list(cmd), input_text=input_text)


def run(cmd: list[str], input_text: str | None = None, env: dict[str, str] | None = None) -> str:
    """Run a build command; raise ImageBuildError with the tail of its output on failure."""
    proc = subprocess.run(
        cmd, input=input_text, capture_output=True, text=True, check=False, env=env
    )
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise ImageBuildError(f"{' '.join(cmd[:6])} failed ({proc.returncode}):\n{tail}")
    return proc.stdout


def chroot(root: Path, cmd: list[str], input_text: str | None = None) -> str:
    """Run ``cmd`` inside the tree ``root`` with a clean, non-interactive environment."""
    return run(["chroot", str(root), *cmd], input_text=input_text, env=CHROOT_ENV)


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


def remove_tree(path: Path) -> None:
    """Remove a build tree, unmounting first and never crossing into another file system."""
    if path.exists():
        _umount_all(path)
        run(["rm", "-rf", "--one-file-system", str(path)])


@contextlib.contextmanager
def mounted(root: Path, apt_cache: Path) -> Iterator[None]:
    """/proc, /dev/shm and apt's package cache mounted in the tree while apt and hooks run."""
    apt_cache.mkdir(parents=True, exist_ok=True)
    (root / "dev/shm").mkdir(parents=True, exist_ok=True)
    try:
        run(["mount", "-t", "proc", "proc", str(root / "proc")])
        run(["mount", "-t", "tmpfs", "tmpfs", str(root / "dev/shm")])
        run(["mount", "--bind", str(apt_cache), str(root / "var/cache/apt/archives")])
        yield
    finally:
        _umount_all(root)

"""Every podman call of the lab, always with the project's own containers.conf.

podman 4.3 on Debian only works here with the settings in ``lab/containers.conf``;
nothing global is edited: the file is handed to podman through ``CONTAINERS_CONF``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dzict.exceptions import LabPrerequisiteError, PodmanError

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONTAINERS_CONF = REPO_ROOT / "lab" / "containers.conf"

#: What to install when a tool is missing (Debian package names).
INSTALL_HINTS = {
    "podman": "apt-get install podman runc",
    "runc": "apt-get install runc",
    "debootstrap": "apt-get install debootstrap",
    "dpkg-deb": "apt-get install dpkg",
    "tar": "apt-get install tar",
}


def containers_conf(path: str | Path | None = None) -> Path:
    """The containers.conf to use: the argument, then ``DZICT_CONTAINERS_CONF``, then the repo's."""
    chosen = Path(path or os.environ.get("DZICT_CONTAINERS_CONF") or DEFAULT_CONTAINERS_CONF)
    if not chosen.is_file():
        raise LabPrerequisiteError(
            f"{chosen} is missing: the lab needs the project's containers.conf"
        )
    return chosen


def require(*tools: str, root: bool = True) -> None:
    """Raise one clear line when not root or when a needed tool is not installed."""
    if root and os.geteuid() != 0:
        raise LabPrerequisiteError("the lab needs root: run it as root (sudo -E invoke ...)")
    for tool in tools:
        if shutil.which(tool) is None:
            hint = INSTALL_HINTS.get(tool, f"apt-get install {tool}")
            raise LabPrerequisiteError(f"{tool} is not installed: {hint}")


class Podman:
    """A thin wrapper: ``Podman().run("ps", "-a")`` is podman with the lab's containers.conf."""

    def __init__(self, conf: str | Path | None = None, binary: str = "podman") -> None:
        self.conf = containers_conf(conf)
        self.binary = binary

    @property
    def env(self) -> dict[str, str]:
        """The environment of every podman call."""
        return {**os.environ, "CONTAINERS_CONF": str(self.conf)}

    def run(
        self,
        *args: str,
        check: bool = True,
        stdin: Any = None,
        input_text: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run podman; on failure with ``check`` raise PodmanError carrying podman's own words."""
        cmd = [self.binary, *args]
        proc = subprocess.run(
            cmd,
            env=self.env,
            stdin=stdin,
            input=input_text,
            capture_output=True,
            text=True,
            check=False,
        )
        if check and proc.returncode != 0:
            raise PodmanError(cmd, proc.returncode, proc.stderr)
        return proc

    def json(self, *args: str) -> Any:
        """Run a podman command that prints JSON and return it parsed."""
        out = self.run(*args).stdout.strip()
        return json.loads(out) if out else []

    def ok(self, *args: str) -> bool:
        """True when the podman command exits 0 (``image exists``, ``container exists``...)."""
        return self.run(*args, check=False).returncode == 0

    def import_tar(self, stream: Any, ref: str, changes: Sequence[str]) -> str:
        """``podman import`` a tar stream as ``ref`` with Dockerfile-style ``changes``."""
        args = ["import", "--quiet"]
        for change in changes:
            args += ["--change", change]
        return self.run(*args, "-", ref, stdin=stream).stdout.strip()

    # Containers -----------------------------------------------------------------
    def containers(self, label: str | None = None) -> list[dict[str, Any]]:
        """Every container (running or not), optionally only those with ``label``."""
        args = ["ps", "-a", "--format", "json"]
        if label:
            args += ["--filter", f"label={label}"]
        return list(self.json(*args))

    def networks(self, label: str | None = None) -> list[dict[str, Any]]:
        """Every network, optionally only those with ``label``."""
        args = ["network", "ls", "--format", "json"]
        if label:
            args += ["--filter", f"label={label}"]
        return list(self.json(*args))

    def require_backend(self, wanted: str = "netavark") -> None:
        """Raise one clear line when podman does not use the network backend the lab needs."""
        backend = self.run("info", "--format", "{{.Host.NetworkBackend}}").stdout.strip()
        if backend != wanted:
            raise LabPrerequisiteError(
                f"podman uses the {backend or 'unknown'} network backend, the lab needs {wanted}:"
                f" apt-get install netavark aardvark-dns, and {self.conf} must say"
                f' network_backend = "{wanted}"'
            )

    def exec(
        self, container: str, *cmd: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run a command inside a running container."""
        return self.run("exec", container, *cmd, check=check)

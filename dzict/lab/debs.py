"""The project's own Debian packages, served by the lab mirror in two versions each.

PCs and servers start with the old versions installed and the lab mirror as their only
apt source, so patching has real updates to apply: ``dzict-agent`` 1.1 is published in the
``lab-security`` suite, ``dzict-baseline`` 1.1 in ``lab-updates`` (and asks for a reboot
through ``/run/reboot-required`` the way Debian's kernel packages do).
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from dzict.exceptions import ImageBuildError

#: The name the lab's apt sources use for the mirror; ``lab up`` maps it to its LAN address.
MIRROR_HOSTNAME = "mirror.dzict.internal"
#: The apt repository suites and the Release ``Origin`` they carry.
MIRROR_ORIGIN = "dzict"
SUITES = ("lab", "lab-updates", "lab-security")


@dataclass(frozen=True)
class DebSpec:
    """One binary package: its control fields, its files and an optional postinst."""

    name: str
    version: str
    suite: str
    description: str
    files: dict[str, str] = field(default_factory=dict)
    executables: frozenset[str] = frozenset()
    conffiles: tuple[str, ...] = ()
    postinst: str | None = None

    @property
    def filename(self) -> str:
        """The file name dpkg-deb gives it."""
        return f"{self.name}_{self.version}_all.deb"

    def control(self) -> str:
        """The DEBIAN/control text."""
        return (
            f"Package: {self.name}\nVersion: {self.version}\nArchitecture: all\n"
            "Maintainer: Dzongkhag ICT Services Unit <ict@dzongkhag.invalid>\n"
            "Section: admin\nPriority: optional\n"
            f"Description: {self.description}\n"
        )


def _agent(version: str) -> str:
    return (
        "#!/bin/sh\n# Reports this host's facts to the ICT Services Unit as one JSON line.\n"
        f'printf \'{{"agent": "{version}", "host": "%s", "kernel": "%s"}}\\n\' '
        '"$(hostname)" "$(uname -r)"\n'
    )


def _baseline(version: str, max_auth_tries: int) -> str:
    return (
        f"# dzict baseline {version}: settings every unit-managed host shares.\n"
        f"baseline_version={version}\nssh_max_auth_tries={max_auth_tries}\n"
    )


REBOOT_POSTINST = """#!/bin/sh
set -e
if [ "$1" = configure ]; then
    echo '*** System restart required ***' > /run/reboot-required
    echo dzict-baseline >> /run/reboot-required.pkgs
fi
"""

PACKAGES: tuple[DebSpec, ...] = (
    DebSpec(
        "dzict-agent",
        "1.0",
        "lab",
        "ICT Services Unit host agent",
        files={"usr/bin/dzict-agent": _agent("1.0")},
        executables=frozenset({"usr/bin/dzict-agent"}),
    ),
    DebSpec(
        "dzict-agent",
        "1.1",
        "lab-security",
        "ICT Services Unit host agent (security fix)",
        files={"usr/bin/dzict-agent": _agent("1.1")},
        executables=frozenset({"usr/bin/dzict-agent"}),
    ),
    DebSpec(
        "dzict-baseline",
        "1.0",
        "lab",
        "ICT Services Unit host baseline settings",
        files={"etc/dzict/baseline.conf": _baseline("1.0", 6)},
        conffiles=("/etc/dzict/baseline.conf",),
    ),
    DebSpec(
        "dzict-baseline",
        "1.1",
        "lab-updates",
        "ICT Services Unit host baseline settings",
        files={"etc/dzict/baseline.conf": _baseline("1.1", 3)},
        conffiles=("/etc/dzict/baseline.conf",),
        postinst=REBOOT_POSTINST,
    ),
)

#: What PCs and servers have installed when they first start.
INSTALLED_AT_START = tuple(p for p in PACKAGES if p.version == "1.0")


def build_deb(spec: DebSpec, outdir: Path) -> Path:
    """Build ``spec`` with dpkg-deb into ``outdir`` and return the .deb's path."""
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"{spec.name}-") as tmp:
        root = Path(tmp)
        (root / "DEBIAN").mkdir()
        (root / "DEBIAN" / "control").write_text(spec.control())
        if spec.conffiles:
            (root / "DEBIAN" / "conffiles").write_text("\n".join(spec.conffiles) + "\n")
        if spec.postinst:
            (root / "DEBIAN" / "postinst").write_text(spec.postinst)
            (root / "DEBIAN" / "postinst").chmod(0o755)
        for rel, text in spec.files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            path.chmod(0o755 if rel in spec.executables else 0o644)
        out = outdir / spec.filename
        proc = subprocess.run(
            ["dpkg-deb", "--root-owner-group", "--build", str(root), str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise ImageBuildError(f"dpkg-deb {spec.filename}: {proc.stderr.strip()}")
    return out


def sources_deb822() -> str:
    """The apt source every lab image ends with: the lab mirror only, unsigned."""
    return (
        "# The lab mirror is the only apt source. It is unsigned: trusted only inside the lab.\n"
        f"Types: deb\nURIs: http://{MIRROR_HOSTNAME}/debian\nSuites: {' '.join(SUITES)}\n"
        "Components: main\nTrusted: yes\n"
    )

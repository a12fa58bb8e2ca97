"""Write a local apt repository of the lab's own packages, one flat repository per suite.

Molecule scenarios copy it into the test container in place of the lab mirror, so that a role
meets real pending updates (``dzict-agent`` 1.1 in ``lab-security``, ``dzict-baseline`` 1.1 in
``lab-updates``) without any network. Usage: ``python lab_repo.py DEST``.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from dzict.lab.debs import MIRROR_ORIGIN, PACKAGES, build_deb


def stanza(deb: Path) -> str:
    """The Packages stanza of one .deb: its control fields, file name, size and digest."""
    control = subprocess.run(
        ["dpkg-deb", "-f", str(deb)], capture_output=True, text=True, check=True
    ).stdout.strip()
    data = deb.read_bytes()
    return (
        f"{control}\nFilename: ./{deb.name}\nSize: {len(data)}\n"
        f"SHA256: {hashlib.sha256(data).hexdigest()}\n"
    )


def write_suite(dest: Path, suite: str) -> None:
    """Build the suite's packages and write its Packages and Release files."""
    folder = dest / suite
    debs = [build_deb(spec, folder) for spec in PACKAGES if spec.suite == suite]
    packages = "\n".join(stanza(d) for d in debs).encode()
    (folder / "Packages").write_bytes(packages)
    digest = hashlib.sha256(packages).hexdigest()
    (folder / "Release").write_text(
        f"Origin: {MIRROR_ORIGIN}\nLabel: {MIRROR_ORIGIN}\nSuite: {suite}\nCodename: {suite}\n"
        f"SHA256:\n {digest} {len(packages)} Packages\n"
    )


def main(dest: Path) -> None:
    """Write every suite of the lab mirror into ``dest``."""
    for suite in sorted({spec.suite for spec in PACKAGES}):
        write_suite(dest, suite)


if __name__ == "__main__":
    main(Path(sys.argv[1]))

"""Lab images, built locally with no registry: debootstrap, apt inside a chroot, podman import.

One BASE root file system is bootstrapped once and cached (``dzict.lab.rootfs``); each role
image is a copy of it with the role's packages installed by apt inside the chroot, the files of
``overlay/common`` and ``overlay/<role>`` laid over it, and the role's hook run
(``dzict.lab.build``, ``dzict.lab.recipes``, ``dzict.lab.hooks``). The image is then imported as
``localhost/dzict-<role>:<tag>``, the tag being a hash of the whole recipe: a changed recipe
builds a new image, an unchanged one is taken from podman's store.

    >>> ensure_image("router")          # builds on first use, cached afterwards
    'localhost/dzict-router:3f0c9a1b2d4e'

The recipe hashed is the recipe's values, the overlay files, and the code of every build step
as a syntax tree (formatting and comments do not count): the modules in ``BASE_STEPS`` for the
base, those in ``ROLE_STEPS`` and the role's hook and what it uses for a role.

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
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from dzict.lab import build, chroot, debs, rootfs
from dzict.lab.logs import Log
from dzict.lab.podman import REPO_ROOT, Podman, require
from dzict.lab.recipes import (
    BASE_DISABLED,
    BASE_PACKAGES,
    BUILD_VERSION,
    OVERLAY,
    ROLES,
    SUITE,
    recipe,
)

IMAGE_PREFIX = "localhost/dzict-"
#: The build steps of the base root file system: their code is part of every tag.
BASE_STEPS: tuple[ModuleType, ...] = (rootfs, chroot)
#: The build steps of a role image on top of the base: their code is part of every role's tag.
ROLE_STEPS: tuple[ModuleType, ...] = (build, debs)


def code_of(obj: object) -> str:
    """The code of a function or module as its syntax tree: formatting and comments do not count."""
    return ast.dump(ast.parse(textwrap.dedent(inspect.getsource(obj))))  # type: ignore[arg-type]


def tree_digest(path: Path) -> list[tuple[str, str, bool]]:
    """(relative path, SHA-256, executable) of every file under ``path`` (overlay files)."""
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
        "common": tree_digest(OVERLAY / "common"),
        "steps": [code_of(module) for module in BASE_STEPS],
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]


def image_tag(role: str) -> str:
    """The hash of ``role``'s whole recipe, base included: the image's tag."""
    wanted = recipe(role)
    data = {
        "base": base_tag(),
        "role": role,
        "packages": wanted.packages,
        "enable": wanted.enable,
        "overlay": tree_digest(OVERLAY / role),
        "hook": code_of(wanted.hook) if wanted.hook else "",
        "uses": [code_of(u) for u in wanted.uses],
        "steps": [code_of(module) for module in ROLE_STEPS],
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]


def image_ref(role: str) -> str:
    """``localhost/dzict-ROLE:TAG`` for the current recipe (whether built yet or not)."""
    return f"{IMAGE_PREFIX}{role}:{image_tag(role)}"


def cache_dir(path: str | Path | None = None) -> Path:
    """Where root file systems and downloaded packages are cached: argument,
    ``DZICT_LAB_CACHE``, then ``var/lab`` in the repository."""
    return Path(path or os.environ.get("DZICT_LAB_CACHE") or REPO_ROOT / "var" / "lab")


@contextlib.contextmanager
def build_lock(cache: Path) -> Iterator[None]:
    """One image build at a time on this machine (they share the cache)."""
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / "build.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


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
        with build_lock(where):
            if not podman.ok("image", "exists", ref):  # someone may have built it meanwhile
                base = rootfs.build_base(where, base_tag(), log)
                build.build_role(recipe(role), ref, base, where, podman=podman, log=log)
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

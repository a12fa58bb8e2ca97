"""The recipes of the lab images: the base's packages, and for each role its packages, the
services it enables and the hook that does what a package list and overlay files cannot say.

A recipe's values, the overlay files and the code of its hook are part of the image's tag
(``dzict.lab.images``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dzict.exceptions import ImageBuildError
from dzict.lab import hooks, sampledata
from dzict.lab.chroot import BuildContext

Hook = Callable[[BuildContext], None]


#: Bump when the build procedure changes in a way the recipe fields below do not show.
BUILD_VERSION = 1
SUITE = "bookworm"
ROLES = ("router", "ap", "pc", "server", "backup", "mirror")
OVERLAY = Path(__file__).with_name("overlay")

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


@dataclass(frozen=True)
class Recipe:
    """How one role image is made on top of the base."""

    role: str
    packages: tuple[str, ...] = ()
    enable: tuple[str, ...] = ()
    hook: Hook | None = None
    #: Functions and modules the hook uses: their code is part of the image's tag.
    uses: tuple[object, ...] = ()


RECIPES: dict[str, Recipe] = {
    "router": Recipe(
        "router",
        # chrony and snmpd: the host services that carry NTP and SNMP beside FRR
        ("frr", "frr-pythontools", "nftables", "chrony", "snmpd"),
        enable=("frr.service",),
        hook=hooks.router_hook,
    ),
    "ap": Recipe("ap", ("hostapd", "iw", "bridge-utils")),
    "pc": Recipe("pc", (), hook=hooks.pc_hook, uses=(hooks.install_local_debs,)),
    "server": Recipe(
        "server",
        ("postgresql", "mariadb-server", "restic", "python3-psycopg2", "python3-pymysql", "gzip"),
        enable=("postgresql.service", "mariadb.service"),
        hook=hooks.server_with_debs_hook,
        uses=(
            hooks.install_local_debs,
            hooks.server_hook,
            hooks.seed_postgresql,
            hooks.seed_mariadb,
            sampledata,
        ),
    ),
    "backup": Recipe("backup", ()),
    "mirror": Recipe(
        "mirror",
        ("apt-utils",),
        enable=("dzict-mirror-http.service",),
        hook=hooks.mirror_hook,
        uses=(hooks.only_files,),
    ),
}


def recipe(role: str) -> Recipe:
    """The recipe of a role; ImageBuildError naming the roles for any other."""
    try:
        return RECIPES[role]
    except KeyError:
        raise ImageBuildError(
            f"no lab image for role {role!r}; roles: {', '.join(ROLES)}"
        ) from None

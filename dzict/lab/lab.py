"""The lab's life: up, status, down, fault. The inventory says what the lab holds.

``up`` computes a plan from the inventory (one management network, one network per WAN link
and per office LAN, one container per host), compares it with what podman has under the lab's
label, removes what is stale, creates what is missing, and waits until every host answers SSH
with the host key it made at its first start. Running it twice changes nothing the second time.

Every object the lab creates carries the label ``dzict.lab=PREFIX``; ``down`` removes exactly
those. A container or network that has a lab name but not the label is someone else's: it is
refused, never deleted.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

import paramiko

from dzict.exceptions import LabClashError, LabError
from dzict.inventory import Host, Inventory
from dzict.lab import debs, images
from dzict.lab.podman import REPO_ROOT, Podman, require

LABEL = "dzict.lab"
MGMT_INTERFACE = "mgmt0"
DEFAULT_LAN_INTERFACE = "lan0"
LLDP_GROUP_FWD_MASK = 1 << 14  # lets the bridge pass LLDP frames (01:80:c2:00:00:0e)
ROUTER_CAPS = "NET_ADMIN,NET_RAW,SYS_ADMIN"
HOST_CAPS = "NET_ADMIN,NET_RAW"
SSH_TIMEOUT = 180.0

Log = Callable[[str], None]


def _quiet(_: str) -> None:
    """A log that says nothing."""


# ---------------------------------------------------------------------------------------------
# The plan: what the inventory asks podman to hold


@dataclass(frozen=True)
class NetworkSpec:
    """One podman network of the lab."""

    name: str
    kind: str  # mgmt, wan or lan
    subnet: IPv4Network | None = None
    host_address: IPv4Address | None = None

    def digest(self) -> str:
        """What makes two networks the same: a changed digest means remove and create again."""
        return _digest([self.name, self.kind, str(self.subnet), str(self.host_address)])

    def create_args(self, prefix: str) -> list[str]:
        """``podman network create`` arguments."""
        args = ["network", "create", "--internal", "--disable-dns"]
        args += ["--label", f"{LABEL}={prefix}", "--label", f"dzict.kind={self.kind}"]
        args += ["--label", f"dzict.spec={self.digest()}"]
        if self.subnet is None:
            args += ["--ipam-driver", "none"]
        else:
            args += ["--subnet", str(self.subnet)]
        return [*args, self.name]


@dataclass(frozen=True)
class Attachment:
    """A container's interface on a network, named as the inventory names it."""

    network: str
    interface: str
    ip: IPv4Address | None = None

    def option(self) -> str:
        """The ``--network`` option value."""
        opts = [f"interface_name={self.interface}"]
        if self.ip is not None:
            opts.insert(0, f"ip={self.ip}")
        return f"{self.network}:{','.join(opts)}"


@dataclass(frozen=True)
class ContainerSpec:
    """One lab host as a podman container."""

    name: str
    host: str
    role: str
    site: str
    image: str
    mgmt_address: IPv4Address
    attachments: tuple[Attachment, ...]
    env: tuple[tuple[str, str], ...] = ()
    add_hosts: tuple[tuple[str, str], ...] = ()
    network_digests: tuple[str, ...] = ()

    @property
    def is_router(self) -> bool:
        """Routers get more capabilities and IP forwarding."""
        return self.role == "router"

    def digest(self) -> str:
        """What makes two containers the same: image, interfaces, environment, networks."""
        return _digest(
            [
                self.name,
                self.host,
                self.image,
                [a.option() for a in self.attachments],
                self.env,
                self.add_hosts,
                self.network_digests,
            ]
        )

    def create_args(self, prefix: str) -> list[str]:
        """``podman create`` arguments."""
        args = ["create", "--name", self.name, "--hostname", self.host, "--systemd=always"]
        for key, value in (
            (LABEL, prefix),
            ("dzict.kind", "host"),
            ("dzict.host", self.host),
            ("dzict.role", self.role),
            ("dzict.site", self.site),
            ("dzict.spec", self.digest()),
        ):
            args += ["--label", f"{key}={value}"]
        args += ["--cap-add", ROUTER_CAPS if self.is_router else HOST_CAPS]
        if self.is_router:
            args += ["--sysctl", "net.ipv4.ip_forward=1"]
        args += ["--stop-timeout", "10"]
        for attachment in self.attachments:
            args += ["--network", attachment.option()]
        for key, value in self.env:
            args += ["--env", f"{key}={value}"]
        for name, address in self.add_hosts:
            args += ["--add-host", f"{name}:{address}"]
        return [*args, self.image]


@dataclass(frozen=True)
class LabPlan:
    """Everything ``up`` makes for one inventory."""

    prefix: str
    state_dir: Path
    mgmt: NetworkSpec
    networks: tuple[NetworkSpec, ...]
    containers: tuple[ContainerSpec, ...]

    @property
    def all_networks(self) -> tuple[NetworkSpec, ...]:
        """The management network first, then WAN links and LANs."""
        return (self.mgmt, *self.networks)


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def lab_settings(inv: Inventory) -> tuple[str, Path]:
    """(prefix, state folder) of a lab inventory; raise LabError for any other inventory."""
    first = next(iter(inv.hosts.values()), None)
    lab = first.vars.get("lab") if first else None
    if not inv.dzongkhag.lab or not isinstance(lab, dict) or "prefix" not in lab:
        raise LabError(f"{inv.root} is not a lab inventory (dzongkhag.lab and `lab.prefix` unset)")
    prefix = str(lab["prefix"])
    state = lab.get("state_dir") or REPO_ROOT / "var" / "lab" / prefix
    return prefix, Path(str(state))


def container_name(prefix: str, host: str) -> str:
    """The container of a host: its own name when it starts with the prefix, else PREFIX-HOST."""
    return host if host.startswith(prefix + "-") else f"{prefix}-{host}"


def _mgmt_network(inv: Inventory, prefix: str) -> NetworkSpec:
    subnet = inv.dzongkhag.addressing.management
    used = {h.mgmt_address for h in inv.hosts.values()}
    free = next((a for a in reversed(list(subnet.hosts())) if a not in used), None)
    if free is None:
        raise LabError(f"management network {subnet} has no address left for the control node")
    return NetworkSpec(f"{prefix}-mgmt", "mgmt", subnet, free)


def lan_interface(host: Host, vlan: int) -> str:
    """The name of a host's interface on a VLAN of its site: ``lan0.20``.

    This machine's kernel has no 802.1Q support (CONFIG_VLAN_8021Q is not set), so the lab
    cannot tag frames: each VLAN of a site is a podman network of its own, and the interface
    on it is named as the VLAN subinterface of the host's LAN port would be.
    """
    return f"{host.lan_interface or DEFAULT_LAN_INTERFACE}.{vlan}"


def _host_env(host: Host, authorized_key: str) -> tuple[tuple[str, str], ...]:
    env = [("DZICT_AUTHORIZED_KEYS", authorized_key)]
    if host.role != "router" and host.lan_address is not None and host.lan_vlan is not None:
        env += [
            ("DZICT_LAN_IF", lan_interface(host, host.lan_vlan)),
            ("DZICT_LAN_VLAN", ""),  # the interface above is the VLAN already
            ("DZICT_LAN_ADDRESS", str(host.lan_address)),
            ("DZICT_LAN_GATEWAY", "" if host.lan_gateway is None else str(host.lan_gateway)),
        ]
    return tuple(env)


def networks(
    inv: Inventory,
) -> tuple[NetworkSpec, dict[str, NetworkSpec], dict[tuple[str, int], NetworkSpec]]:
    """(management network, WAN link networks by link name, VLAN networks by (site, VLAN))."""
    prefix, _ = lab_settings(inv)
    wans = {link.name: NetworkSpec(f"{prefix}-{link.name}", "wan") for link in inv.links}
    lans = {
        (key, vlan.id): NetworkSpec(f"{prefix}-lan-{key}-v{vlan.id}", "lan")
        for key, site in sorted(inv.sites.items())
        for vlan in site.vlans
    }
    return _mgmt_network(inv, prefix), wans, lans


def _lan_vlans(inv: Inventory, host: Host) -> list[int]:
    """The VLANs a host has a port on: routers and access points all of their site's (a
    trunk), other hosts their own."""
    if host.role in ("router", "ap"):
        return [v.id for v in inv.sites[host.site].vlans]
    return [host.lan_vlan] if host.lan_vlan is not None else []


def plan(inv: Inventory, refs: dict[str, str], authorized_key: str) -> LabPlan:
    """The lab for an inventory, given the image of each role and the lab's public key."""
    prefix, state_dir = lab_settings(inv)
    mgmt, wans, lans = networks(inv)
    mirror = next((h.lan_address for h in inv.by_role("mirror") if h.lan_address), None)
    add_hosts = ((debs.MIRROR_HOSTNAME, str(mirror.ip)),) if mirror else ()
    containers = []
    for host in sorted(inv.hosts.values(), key=lambda h: h.name):
        attach = [Attachment(mgmt.name, MGMT_INTERFACE, host.mgmt_address)]
        nets = [mgmt]
        for link in inv.links:
            for end in (link.a, link.b):
                if end.host == host.name:
                    attach.append(Attachment(wans[link.name].name, end.interface))
                    nets.append(wans[link.name])
        for vlan in _lan_vlans(inv, host):
            net = lans[(host.site, vlan)]
            attach.append(Attachment(net.name, lan_interface(host, vlan)))
            nets.append(net)
        containers.append(
            ContainerSpec(
                name=container_name(prefix, host.name),
                host=host.name,
                role=host.role,
                site=host.site,
                image=refs[host.role],
                mgmt_address=host.mgmt_address,
                attachments=tuple(attach),
                env=_host_env(host, authorized_key),
                add_hosts=add_hosts,
                network_digests=tuple(n.digest() for n in nets),
            )
        )
    return LabPlan(prefix, state_dir, mgmt, (*wans.values(), *lans.values()), tuple(containers))


# ---------------------------------------------------------------------------------------------
# State folder: the lab's key pair and known_hosts


def key_pair(state_dir: Path) -> tuple[Path, str]:
    """The lab's SSH key (made once with ssh-keygen) and its public line."""
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = state_dir / "id_ed25519"
    if not key.is_file():
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "dzict-lab", "-f", str(key)],
            check=True,
            capture_output=True,
        )
    return key, key.with_suffix(".pub").read_text().strip()


def known_hosts_path(state_dir: Path) -> Path:
    """Where the lab's known_hosts lives."""
    return state_dir / "known_hosts"


LOCK_DIR = Path("/run/lock")


@contextlib.contextmanager
def lab_lock(prefix: str, kind: str = "lock", wait: float = 0.0) -> Iterator[None]:
    """Hold the machine-wide lock of lab ``prefix`` (``kind`` "lock" for one command,
    "session" for a test session); wait up to ``wait`` seconds for it, then refuse."""
    LOCK_DIR.mkdir(parents=True, exist_ok=True)
    with (LOCK_DIR / f"dzict-lab-{prefix}.{kind}").open("w") as fh:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LabError(f"another lab command is running on lab {prefix!r}") from None
                time.sleep(1)
        yield


# ---------------------------------------------------------------------------------------------
# What podman holds


def _labels(obj: dict[str, Any]) -> dict[str, str]:
    return dict(obj.get("Labels") or obj.get("labels") or {})


def _cname(obj: dict[str, Any]) -> str:
    names = obj.get("Names") or [obj.get("Name", "")]
    return str(names[0])


def _nname(obj: dict[str, Any]) -> str:
    return str(obj.get("name") or obj.get("Name"))


def check_clashes(lab: LabPlan, podman: Podman) -> None:
    """Refuse when a container or network with a lab name is not labelled as this lab's."""
    wanted_c = {c.name for c in lab.containers}
    wanted_n = {n.name for n in lab.all_networks}
    foreign = [
        f"container {_cname(c)}"
        for c in podman.containers()
        if _cname(c) in wanted_c and _labels(c).get(LABEL) != lab.prefix
    ]
    foreign += [
        f"network {_nname(n)}"
        for n in podman.networks()
        if _nname(n) in wanted_n and _labels(n).get(LABEL) != lab.prefix
    ]
    if foreign:
        raise LabClashError(
            f"{', '.join(sorted(foreign))} exist(s) but not as part of lab {lab.prefix!r}: "
            "refused; rename or remove them yourself, or choose another lab prefix"
        )


def bridge_of(network: str, podman: Podman) -> str:
    """The Linux bridge podman made for a network."""
    data = podman.json("network", "inspect", network)
    return str(data[0]["network_interface"])


def _write(path: Path, value: str) -> None:
    path.write_text(value + "\n")


def setup_bridges(nets: tuple[NetworkSpec, ...], podman: Podman) -> None:
    """Give the management bridge the control node's address (and no forwarding out of it);
    let WAN and LAN bridges pass LLDP. Repeated at every ``up``: podman makes a bridge anew
    when its first container joins, and the settings go with the old one."""
    for net in nets:
        bridge = bridge_of(net.name, podman)
        sysfs = Path("/sys/class/net") / bridge
        if not sysfs.exists():
            continue  # no container on it yet
        if net.kind == "mgmt" and net.subnet and net.host_address:
            subprocess.run(
                [
                    "ip",
                    "addr",
                    "replace",
                    f"{net.host_address}/{net.subnet.prefixlen}",
                    "dev",
                    bridge,
                ],
                check=True,
                capture_output=True,
            )
            _write(Path("/proc/sys/net/ipv4/conf") / bridge / "forwarding", "0")
        else:
            _write(sysfs / "bridge" / "group_fwd_mask", str(LLDP_GROUP_FWD_MASK))


def _host_keys(name: str, podman: Podman) -> list[str]:
    out = podman.exec(name, "sh", "-c", "cat /etc/ssh/ssh_host_*_key.pub").stdout
    return [" ".join(line.split()[:2]) for line in out.splitlines() if line.strip()]


def _wait_port(address: str, deadline: float) -> bool:
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((address, 22), timeout=2) as s:
            s.settimeout(5)
            if s.recv(4).startswith(b"SSH-"):
                return True
        time.sleep(0.5)
    return False


def ssh_check(address: str, key: Path, known_hosts: Path, timeout: float = 10.0) -> str | None:
    """Log in as root with the lab key and the host key checked; None when fine, else why not."""
    client = paramiko.SSHClient()
    try:
        client.load_host_keys(str(known_hosts))
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        client.connect(
            address,
            username="root",
            key_filename=str(key),
            timeout=timeout,
            banner_timeout=timeout,
            auth_timeout=timeout,
            look_for_keys=False,
            allow_agent=False,
        )
        _, stdout, _ = client.exec_command("true", timeout=timeout)
        status = stdout.channel.recv_exit_status()
        return None if status == 0 else f"exit status {status}"
    except (OSError, paramiko.SSHException) as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        client.close()


# ---------------------------------------------------------------------------------------------
# up


@dataclass
class UpReport:
    """What ``up`` did."""

    created: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    started: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """False when the lab was already as the inventory says."""
        return bool(self.created or self.removed or self.started)


def up(inv: Inventory, podman: Podman | None = None, log: Log = _quiet) -> UpReport:
    """Bring the lab to what the inventory says and wait for SSH on every host."""
    require("podman", "ssh-keygen")
    podman = podman or Podman()
    podman.require_backend()
    started = time.monotonic()
    prefix, state_dir = lab_settings(inv)
    with lab_lock(prefix):
        roles = tuple(sorted({h.role for h in inv.hosts.values()}))
        refs = images.ensure_images(roles, podman, log=log)
        key, public = key_pair(state_dir)
        lab = plan(inv, refs, public)
        check_clashes(lab, podman)
        raise_inotify_limit(log)
        report = UpReport()
        try:
            _converge(lab, podman, report, log)
            setup_bridges(lab.all_networks, podman)
            write_known_hosts(lab, podman, key)
        except BaseException:
            _undo(report, podman, log)
            raise
    report.seconds = time.monotonic() - started
    return report


INOTIFY_INSTANCES = Path("/proc/sys/fs/inotify/max_user_instances")
#: systemd in every container takes inotify instances, all counted against root on the host;
#: Debian's default of 128 is used up by about twenty lab containers.
MIN_INOTIFY_INSTANCES = 4096


def raise_inotify_limit(log: Log = _quiet) -> None:
    """Raise the kernel's per-user inotify instance limit when below what a lab needs (runtime
    only, lost at reboot; never lowered). Without it systemd in the containers stalls."""
    current = int(INOTIFY_INSTANCES.read_text())
    if current < MIN_INOTIFY_INSTANCES:
        INOTIFY_INSTANCES.write_text(f"{MIN_INOTIFY_INSTANCES}\n")
        log(f"raised fs.inotify.max_user_instances from {current} to {MIN_INOTIFY_INSTANCES}")


def _converge(lab: LabPlan, podman: Podman, report: UpReport, log: Log) -> None:
    wanted_c = {c.name: c for c in lab.containers}
    wanted_n = {n.name: n for n in lab.all_networks}
    have_c = {_cname(c): c for c in podman.containers(f"{LABEL}={lab.prefix}")}
    have_n = {_nname(n): n for n in podman.networks(f"{LABEL}={lab.prefix}")}
    stale_c = [
        n
        for n, c in have_c.items()
        if n not in wanted_c or _labels(c).get("dzict.spec") != wanted_c[n].digest()
    ]
    stale_n = [
        n
        for n, net in have_n.items()
        if n not in wanted_n or _labels(net).get("dzict.spec") != wanted_n[n].digest()
    ]
    if stale_c:
        log(f"removing {len(stale_c)} stale container(s)")
        remove_containers(podman, stale_c)
        report.removed += stale_c
    for name in stale_n:
        podman.run("network", "rm", name)
        report.removed.append(name)
    for net in lab.all_networks:
        if net.name not in have_n or net.name in stale_n:
            podman.run(*net.create_args(lab.prefix))
            report.created.append(net.name)
    for spec in lab.containers:
        if spec.name not in have_c or spec.name in stale_c:
            podman.run(*spec.create_args(lab.prefix))
            report.created.append(spec.name)
    running = {
        _cname(c) for c in podman.containers(f"{LABEL}={lab.prefix}") if c.get("State") == "running"
    }
    to_start = [c.name for c in lab.containers if c.name not in running]
    if to_start:
        log(f"starting {len(to_start)} container(s)")
        podman.run("start", *to_start)
        report.started += to_start


def _undo(report: UpReport, podman: Podman, log: Log) -> None:
    """After a failure half-way: remove what this run created, nothing else."""
    made = set(report.created)
    containers = [c for c in made if podman.ok("container", "exists", c)]
    if containers:
        remove_containers(podman, containers, timeout=0)
    for name in made - set(containers):
        if podman.ok("network", "exists", name):
            podman.run("network", "rm", name, check=False)
    if made:
        log(f"removed what this run had created: {', '.join(sorted(made))}")


def write_known_hosts(
    lab: LabPlan, podman: Podman, key: Path, timeout: float = SSH_TIMEOUT
) -> None:
    """Wait for SSH on every host, write known_hosts from the keys each container made, and
    log in once to each with host key checking on."""
    deadline = time.monotonic() + timeout

    def one(spec: ContainerSpec) -> list[str]:
        if not _wait_port(str(spec.mgmt_address), deadline):
            raise LabError(f"{spec.host}: no SSH on {spec.mgmt_address} after {timeout:.0f} s")
        names = f"{spec.mgmt_address},{spec.host}"
        return [f"{names} {k}" for k in _host_keys(spec.name, podman)]

    with ThreadPoolExecutor(max_workers=16) as pool:
        lines = [line for chunk in pool.map(one, lab.containers) for line in chunk]
    path = known_hosts_path(lab.state_dir)
    path.write_text("\n".join(lines) + "\n")
    with ThreadPoolExecutor(max_workers=16) as pool:
        failures = list(
            pool.map(lambda s: (s.host, ssh_check(str(s.mgmt_address), key, path)), lab.containers)
        )
    bad = [f"{host} ({why})" for host, why in failures if why]
    if bad:
        raise LabError(f"SSH with checked host keys failed: {', '.join(bad)}")


@dataclass(frozen=True)
class RunningLab:
    """The session's lab: its inventory and how to reach its hosts over SSH (keys checked)."""

    path: Path
    inventory: Inventory
    prefix: str
    state_dir: Path
    up_report: UpReport

    @property
    def key(self) -> Path:
        """The lab's private key."""
        return self.state_dir / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        """The lab's known_hosts, written by lab up from each container's own host keys."""
        return self.state_dir / "known_hosts"

    def ssh(self, host: str, command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``command`` on a lab host as root over SSH with strict host key checking."""
        address = str(self.inventory.hosts[host].mgmt_address)
        return subprocess.run(
            [
                "ssh",
                "-i",
                str(self.key),
                "-o",
                f"UserKnownHostsFile={self.known_hosts}",
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "BatchMode=yes",
                "-o",
                "ConnectTimeout=10",
                f"root@{address}",
                command,
            ],
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )


# ---------------------------------------------------------------------------------------------
# status, down, fault


@dataclass(frozen=True)
class HostStatus:
    """One line of ``lab status``."""

    host: str
    role: str
    site: str
    container: str
    state: str
    mgmt_address: str
    ssh: str  # "ok" or why not


def status(inv: Inventory, podman: Podman | None = None) -> list[HostStatus]:
    """Every host of the inventory: its container's state and whether SSH works."""
    require("podman")
    podman = podman or Podman()
    prefix, state_dir = lab_settings(inv)
    have = {_cname(c): c for c in podman.containers(f"{LABEL}={prefix}")}
    key, known = state_dir / "id_ed25519", known_hosts_path(state_dir)

    def one(host: Host) -> HostStatus:
        name = container_name(prefix, host.name)
        state = str(have[name].get("State", "?")) if name in have else "absent"
        if state != "running":
            ssh = "-"
        elif not (key.is_file() and known.is_file()):
            ssh = "no lab key or known_hosts"
        else:
            ssh = ssh_check(str(host.mgmt_address), key, known, timeout=5) or "ok"
        return HostStatus(host.name, host.role, host.site, name, state, str(host.mgmt_address), ssh)

    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(one, sorted(inv.hosts.values(), key=lambda h: (h.site, h.name))))


def down(prefix: str, state_dir: Path | None = None, podman: Podman | None = None) -> list[str]:
    """Remove every container, network and volume labelled as lab ``prefix``; nothing else."""
    require("podman")
    podman = podman or Podman()
    with lab_lock(prefix, wait=60):
        return _down(prefix, state_dir, podman)


def remove_containers(podman: Podman, names: list[str], timeout: int = 2) -> None:
    """``podman rm --force`` with retries: podman 4.3 sometimes refuses a container caught
    between running and exited ("container state improper"); a moment later it goes."""
    for attempt in range(5):
        left = [n for n in names if podman.ok("container", "exists", n)]
        if not left:
            return
        proc = podman.run("rm", "--force", "--time", str(timeout), *left, check=attempt == 4)
        if proc.returncode == 0:
            return
        time.sleep(1 + attempt)


def _down(prefix: str, state_dir: Path | None, podman: Podman) -> list[str]:
    removed = [_cname(c) for c in podman.containers(f"{LABEL}={prefix}")]
    remove_containers(podman, removed)
    for net in podman.networks(f"{LABEL}={prefix}"):
        podman.run("network", "rm", _nname(net))
        removed.append(_nname(net))
    volumes = podman.json("volume", "ls", "--format", "json", "--filter", f"label={LABEL}={prefix}")
    for vol in volumes:
        podman.run("volume", "rm", str(vol.get("Name")))
        removed.append(str(vol.get("Name")))
    if state_dir is not None:
        known_hosts_path(state_dir).unlink(missing_ok=True)
    return removed


def _ours(prefix: str, kind: str, name: str, podman: Podman) -> None:
    labels = podman.json(kind, "inspect", name)[0]
    found = labels.get("labels") or labels.get("Config", {}).get("Labels") or {}
    if found.get(LABEL) != prefix:
        raise LabClashError(f"{kind} {name} is not part of lab {prefix!r}")


def fault_link(inv: Inventory, link: str, cut: bool, podman: Podman | None = None) -> str:
    """Cut (carrier down at every end) or restore a WAN link (``wan3`` or ``3``) or a VLAN of
    an office (``lan-guma-v20``) by setting the bridge ports of its network down or up.
    Returns the network."""
    require("podman")
    podman = podman or Podman()
    prefix, _ = lab_settings(inv)
    name = f"{prefix}-wan{link}" if link.isdigit() else f"{prefix}-{link}"
    if not podman.ok("network", "exists", name):
        raise LabError(
            f"no lab network {name}: links are wan1..wan{len(inv.links)}, lan-SITE-vVLAN"
        )
    _ours(prefix, "network", name, podman)
    bridge = bridge_of(name, podman)
    ports = sorted(p.name for p in (Path("/sys/class/net") / bridge / "brif").glob("*"))
    if not ports:
        raise LabError(f"{name} has no container attached (is the lab up?)")
    for port in ports:
        subprocess.run(
            ["ip", "link", "set", port, "down" if cut else "up"], check=True, capture_output=True
        )
    return name


def fault_host(
    inv: Inventory, host: str, stop: bool, podman: Podman | None = None, log: Log = _quiet
) -> str:
    """Stop a host's container, or start it again and wait until it answers SSH."""
    require("podman")
    podman = podman or Podman()
    if host not in inv.hosts:
        raise LabError(f"no host {host} in {inv.root}")
    prefix, state_dir = lab_settings(inv)
    name = container_name(prefix, host)
    if not podman.ok("container", "exists", name):
        raise LabError(f"{host} has no container {name} (is the lab up?)")
    _ours(prefix, "container", name, podman)
    if stop:
        podman.run("stop", "--time", "10", name)
        return name
    podman.run("start", name)
    key, _ = key_pair(state_dir)
    mgmt, wans, lans = networks(inv)
    setup_bridges((mgmt, *wans.values(), *lans.values()), podman)
    deadline = time.monotonic() + SSH_TIMEOUT
    addr = str(inv.hosts[host].mgmt_address)
    if not _wait_port(addr, deadline):
        raise LabError(f"{host}: no SSH on {addr} after start")
    why = ssh_check(addr, key, known_hosts_path(state_dir))
    if why:
        raise LabError(f"{host}: SSH with checked host key failed after start: {why}")
    log(f"{host} is back")
    return name


def memory_bytes(prefix: str, podman: Podman | None = None) -> dict[str, int]:
    """Memory in use by each running container of the lab (cgroup accounting)."""
    podman = podman or Podman()
    out: dict[str, int] = {}
    for c in podman.containers(f"{LABEL}={prefix}"):
        if c.get("State") != "running":
            continue
        name = _cname(c)
        usage = podman.run(
            "stats", "--no-stream", "--no-reset", "--format", "{{.MemUsage}}", name, check=False
        ).stdout
        out[name] = _parse_size(usage.split("/")[0].strip()) if usage else 0
    return out


def _parse_size(text: str) -> int:
    units = {
        "B": 1,
        "kB": 1000,
        "KB": 1000,
        "MB": 1000**2,
        "GB": 1000**3,
        "KiB": 1024,
        "MiB": 1024**2,
        "GiB": 1024**3,
    }
    number = "".join(ch for ch in text if ch.isdigit() or ch == ".")
    unit = text[len(number) :].strip() or "B"
    return int(float(number or 0) * units.get(unit, 1))

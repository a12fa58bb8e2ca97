"""What the access point tasks do on the device, over one SSH shell.

Files travel as tar archives (GNU tar on Debian, busybox tar on OpenWrt): one round trip reads or
writes every file with its mode. Live state is read as JSON where the tool has it
(``ip -j``, ``lldpcli -f json``).
"""

from __future__ import annotations

import difflib
import hashlib
import io
import json
import re
import shlex
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dzict.ap.hostapd_check import CHECK_SCRIPT, CheckResult, verdict
from dzict.ap.intent import ApIntent
from dzict.ap.render import VLAN_SCRIPT, ApFile
from dzict.exceptions import ApCommandError
from dzict.ssh import Completed, Shell

#: Settings whose values are secrets: diffs show a short digest instead of the value.
SECRET_KEYS = re.compile(
    r"^(\s*(?:wpa_passphrase|sae_password|auth_server_shared_secret|option key|option auth_secret)"
    r"[= ])(.*)$"
)
BRIDGE_PREFIX = "br-vlan"


@dataclass(frozen=True)
class Stored:
    """A file as the access point holds it."""

    text: str
    mode: int


def run(shell: Shell, command: str, stdin: bytes | str | None = None) -> Completed:
    """Run a command; raise ApCommandError when it fails."""
    done = shell.run_bytes(command, stdin)
    if done.exit_status != 0:
        raise ApCommandError(shell.hostname, command, done.exit_status, done.error)
    return done


def read_files(shell: Shell, paths: list[str]) -> dict[str, Stored | None]:
    """The current content and mode of each path (None where the file does not exist)."""
    quoted = " ".join(shlex.quote(p) for p in paths)
    command = (
        f'set --; for f in {quoted}; do [ -f "$f" ] && set -- "$@" "$f"; done; '
        '[ "$#" -eq 0 ] || tar -cf - "$@" 2>/dev/null'
    )
    done = run(shell, command)
    found: dict[str, Stored | None] = dict.fromkeys(paths)
    if done.stdout:
        with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
            for member in archive.getmembers():
                handle = archive.extractfile(member)
                if handle is not None:
                    text = handle.read().decode("utf-8", errors="replace")
                    found["/" + member.name.lstrip("/")] = Stored(text, member.mode & 0o7777)
    return found


def _archive(files: dict[str, Stored]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for path, stored in sorted(files.items()):
            data = stored.text.encode("utf-8")
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size, info.mode, info.uid, info.gid = len(data), stored.mode, 0, 0
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def write_files(shell: Shell, files: Mapping[str, Stored | None]) -> None:
    """Write each file (with its mode and parent folders); delete those given as None."""
    present = {p: s for p, s in files.items() if s is not None}
    absent = [p for p, s in files.items() if s is None]
    if present:
        folders = sorted({p.rsplit("/", 1)[0] for p in present})
        run(shell, "mkdir -p " + " ".join(shlex.quote(f) for f in folders))
        run(
            shell, "tar -xf - -C / --no-same-owner 2>/dev/null || tar -xf - -C /", _archive(present)
        )
    if absent:
        run(shell, "rm -f " + " ".join(shlex.quote(p) for p in absent))


def intended(files: dict[str, ApFile]) -> dict[str, Stored]:
    """The rendered files as the access point should hold them."""
    return {path: Stored(f.text, f.mode) for path, f in files.items()}


def _mask(text: str) -> list[str]:
    lines = []
    for line in text.splitlines(keepends=True):
        match = SECRET_KEYS.match(line.rstrip("\n"))
        if match:
            digest = hashlib.sha256(match.group(2).encode()).hexdigest()[:8]
            lines.append(f"{match.group(1)}<secret sha256:{digest}>\n")
        else:
            lines.append(line)
    return lines


def diff(current: dict[str, Stored | None], wanted: dict[str, Stored]) -> str:
    """A unified diff of every file that differs (content or mode); secrets shown as digests."""
    parts: list[str] = []
    for path, want in sorted(wanted.items()):
        have = current.get(path)
        before = _mask(have.text) if have else []
        after = _mask(want.text)
        parts += difflib.unified_diff(
            before, after, fromfile=f"{path} (access point)" if have else "/dev/null",
            tofile=f"{path} (intended)",
        )  # fmt: skip
        if have is not None and have.text == want.text and have.mode != want.mode:
            parts.append(f"mode {path}: {have.mode:o} -> {want.mode:o}\n")
        if have is not None and have.text != want.text and before == after:
            parts.append(f"secret changed in {path}\n")
    return "".join(parts)


def differs(current: dict[str, Stored | None], wanted: dict[str, Stored]) -> bool:
    """True when any file's content or mode is not as intended."""
    return any(current.get(p) != s for p, s in wanted.items())


def check_hostapd(shell: Shell, text: str) -> CheckResult:
    """hostapd's own verdict on a configuration (see ``dzict.ap.hostapd_check``)."""
    return verdict(shell.run(CHECK_SCRIPT, text).stdout)


def parse_links(text: str) -> dict[str, dict[str, Any]]:
    """``ip -j -d link show`` output by interface name."""
    return {str(link["ifname"]): link for link in json.loads(text or "[]")}


def links(shell: Shell) -> dict[str, dict[str, Any]]:
    """Every network interface of the access point, from ``ip -j -d link show``."""
    return parse_links(run(shell, "ip -j -d link show").text)


def bridge_problems(intent: ApIntent, live: dict[str, dict[str, Any]]) -> list[str]:
    """How the live VLAN bridges differ from the intended ones (empty: as intended)."""
    problems = []
    for b in intent.bridges:
        bridge, port = live.get(b.bridge), live.get(b.port)
        if bridge is None or bridge.get("linkinfo", {}).get("info_kind") != "bridge":
            problems.append(f"bridge {b.bridge} is missing")
            continue
        if "UP" not in bridge.get("flags", []):
            problems.append(f"bridge {b.bridge} is down")
        if port is None:
            problems.append(f"{b.kind} interface {b.port} is missing")
            continue
        info = port.get("linkinfo", {})
        wrong = info.get("info_kind") != b.kind or info.get("info_data", {}).get("id") != b.vlan
        if b.kind != "interface" and (wrong or (b.kind == "vlan" and port.get("link") != b.trunk)):
            problems.append(f"{b.port} is not VLAN {b.vlan} ({b.kind}) on {b.trunk}")
        if port.get("master") != b.bridge:
            problems.append(f"{b.port} is not a port of {b.bridge}")
    wanted = {b.bridge for b in intent.bridges}
    for name in sorted(live):
        if name.startswith(BRIDGE_PREFIX) and name not in wanted:
            problems.append(f"bridge {name} is no longer wanted")
    return problems


def converge_bridges(shell: Shell, intent: ApIntent) -> None:
    """Make the VLAN bridges as intended: run the rendered script, delete unwanted ones."""
    run(shell, f"sh {VLAN_SCRIPT}")
    wanted = {b.bridge for b in intent.bridges}
    ports = {b.port for b in intent.bridges}
    for name, link in sorted(links(shell).items()):
        stale_bridge = name.startswith(BRIDGE_PREFIX) and name not in wanted
        stale_port = (
            link.get("master", "").startswith(BRIDGE_PREFIX)
            and name not in ports
            and link.get("linkinfo", {}).get("info_kind") in ("vlan", "vxlan")
        )
        if stale_bridge or stale_port:
            run(shell, f"ip link del {shlex.quote(name)}")


def parse_lldp(text: str, key: str = "interface") -> dict[str, dict[str, Any]]:
    """``lldpcli -f json show neighbors`` as {local interface: {name, descr}};
    ``show chassis`` (key ``local-chassis``) as {"": {name, descr}}."""
    data = json.loads(text or "{}")
    found: dict[str, dict[str, Any]] = {}
    if key == "local-chassis":
        entries = [{"": data.get("local-chassis", {})}]
    else:
        entries = data.get("lldp", {}).get("interface", [])
        if isinstance(entries, dict):  # lldpcli writes a single interface as an object
            entries = [{k: v} for k, v in entries.items()]
    for entry in entries:
        for ifname, detail in entry.items():
            chassis = detail.get("chassis", {})
            for name, value in chassis.items():
                if isinstance(value, dict):
                    found[ifname] = {"name": name, "descr": value.get("descr", "")}
                    break
    return found


def lldp_neighbours(shell: Shell) -> dict[str, str]:
    """LLDP neighbours as {local interface: neighbour system name}."""
    seen = parse_lldp(run(shell, "lldpcli -f json show neighbors").text)
    return {ifname: str(info["name"]) for ifname, info in seen.items()}


def lldp_description(shell: Shell) -> str:
    """The system description this access point sends in LLDP."""
    mine = parse_lldp(run(shell, "lldpcli -f json show chassis").text, "local-chassis")
    return str(mine.get("", {}).get("descr", ""))


def radio_present(shell: Shell, interface: str) -> bool:
    """True when the radio's network interface exists (a real access point; not the lab)."""
    return shell.run(f"test -e /sys/class/net/{shlex.quote(interface)}").exit_status == 0


#: Files saved before a change besides the rendered ones (OpenWrt: the live UCI packages).
BACKUP_EXTRA = {"openwrt": ["/etc/config/wireless", "/etc/config/network"]}
LLDP_CONF = "/etc/lldpd.d/dzict-ap.conf"
OPENWRT_ACTIVATE = r"""set -e
for s in $(uci -q show wireless | sed -n 's/^wireless\.\([^.=]*\)=wifi-iface$/\1/p'); do
    uci delete "wireless.$s"
done
uci -m import wireless < /etc/dzict/wireless.uci
for s in $(sed -n "s/^config [a-z-]* '\(.*\)'$/\1/p" /etc/dzict/network.uci); do
    uci -q delete "network.$s" || true
done
uci -m import network < /etc/dzict/network.uci
uci commit wireless
uci commit network
/etc/init.d/network reload
wifi reload
"""


def save_backup(folder: Path, host: str, files: dict[str, Stored | None]) -> Path:
    """Keep the files as they were before a change: ``FOLDER/HOST/STAMP.tar`` (+ absent list)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    target = folder / host / f"{stamp}.tar"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(_archive({p: s for p, s in files.items() if s is not None}))
    absent = sorted(p for p, s in files.items() if s is None)
    target.with_suffix(".absent.json").write_text(json.dumps(absent, indent=1) + "\n")
    target.chmod(0o600)
    return target


def _hostapd_restart(shell: Shell, intent: ApIntent) -> list[str]:
    notes = []
    for radio in intent.radios:
        unit = f"hostapd@{radio.interface}.service"
        if radio_present(shell, radio.interface):
            run(shell, f"systemctl enable --quiet {unit} && systemctl restart {unit}")
            notes.append(f"restarted {unit}")
        else:
            notes.append(f"no radio {radio.interface}: {unit} not started")
    return notes


def activate(shell: Shell, intent: ApIntent) -> list[str]:
    """Make the written files take effect; return what was done, one line each."""
    if intent.platform == "openwrt":
        run(shell, OPENWRT_ACTIVATE)
        return ["uci import, network reload, wifi reload"]
    converge_bridges(shell, intent)
    run(shell, "systemctl daemon-reload && systemctl enable --quiet dzict-wifi-vlans.service")
    run(shell, f"lldpcli -c {LLDP_CONF}")
    return ["VLAN bridges converged", "lldpd description set", *_hostapd_restart(shell, intent)]


def restore(shell: Shell, intent: ApIntent, before: dict[str, Stored | None]) -> None:
    """Roll back: the saved files again, then the bridges and daemons they describe."""
    write_files(shell, before)
    if intent.platform == "openwrt":
        run(shell, "uci commit; /etc/init.d/network reload; wifi reload")
        return
    script = before.get(VLAN_SCRIPT)
    keep = set(re.findall(r"ip link add (\S+) type bridge", script.text)) if script else set()
    if script:
        run(shell, f"sh {VLAN_SCRIPT}")
    for name in sorted(links(shell)):
        if name.startswith(BRIDGE_PREFIX) and name not in keep:
            run(shell, f"ip link del {shlex.quote(name)}")
    run(shell, "systemctl daemon-reload")
    if before.get(LLDP_CONF):
        run(shell, f"lldpcli -c {LLDP_CONF}")
    _hostapd_restart(shell, intent)

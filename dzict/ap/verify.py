"""Post-checks of an access point: does it run what was intended?

Shared by ``ap.verify`` and by ``ap.apply`` (which rolls back when a check fails).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from dzict.ap import device
from dzict.ap.intent import ApIntent
from dzict.ap.render import ApFile
from dzict.ssh import Shell


@dataclass(frozen=True)
class Check:
    """One post-check: what was checked, whether it holds, and what was seen."""

    name: str
    ok: bool
    detail: str


def files_check(shell: Shell, files: dict[str, ApFile]) -> Check:
    """Every file holds the intended content and mode."""
    wanted = device.intended(files)
    current = device.read_files(shell, list(wanted))
    wrong = [p for p, s in wanted.items() if current.get(p) != s]
    return Check("files as intended", not wrong, ", ".join(wrong) or f"{len(wanted)} files")


def hostapd_check(shell: Shell, files: dict[str, ApFile]) -> Check:
    """hostapd's own parser accepts the installed files (read back from the AP)."""
    paths = [p for p in files if p.startswith("/etc/hostapd/")]
    stored = device.read_files(shell, paths)
    rejected = []
    for path in paths:
        held = stored.get(path)
        result = device.check_hostapd(shell, held.text if held else "")
        if not result.accepted:
            rejected.append(f"{path}: {'; '.join(result.messages)}")
    return Check("hostapd parser accepts the installed files", not rejected,
                 "; ".join(rejected) or ", ".join(paths))  # fmt: skip


def bridges_check(shell: Shell, intent: ApIntent) -> Check:
    """One bridge per SSID VLAN, up, its port the tagged VLAN on the trunk; no stale ones."""
    problems = device.bridge_problems(intent, device.links(shell))
    names = ", ".join(f"{b.bridge}({b.port})" for b in intent.bridges)
    return Check("VLAN bridges present", not problems, "; ".join(problems) or names)


def lldp_check(shell: Shell, intent: ApIntent) -> Check:
    """The LLDP neighbour on the uplink (the trunk, or the management VLAN's port) is the router."""
    neighbours = device.lldp_neighbours(shell)
    seen = neighbours.get(intent.uplink)
    ok = intent.router is not None and seen == intent.router
    return Check(
        "LLDP neighbour is the office router",
        ok,
        f"{intent.uplink}: {seen or 'no neighbour'} (expected {intent.router})",
    )


def lldp_description_check(shell: Shell, intent: ApIntent) -> Check:
    """LLDP tells the router this access point's name and location."""
    seen = device.lldp_description(shell)
    return Check("LLDP description is name and location", seen == intent.lldp_description, seen)


def hostapd_running(shell: Shell, intent: ApIntent) -> list[Check]:
    """hostapd is active on each radio that exists; a missing radio is said, not hidden."""
    checks = []
    for radio in intent.radios:
        unit = f"hostapd@{radio.interface}"
        if not device.radio_present(shell, radio.interface):
            checks.append(
                Check(f"{unit} running", True, f"no radio {radio.interface} here: not started")
            )
            continue
        state = shell.run(f"systemctl is-active {shlex.quote(unit)}").stdout.strip()
        checks.append(Check(f"{unit} running", state == "active", state))
    return checks


def verify(shell: Shell, intent: ApIntent, files: dict[str, ApFile]) -> list[Check]:
    """Every post-check of one access point."""
    checks = [files_check(shell, files)]
    if intent.platform == "hostapd":
        checks += [
            hostapd_check(shell, files),
            bridges_check(shell, intent),
            lldp_check(shell, intent),
            lldp_description_check(shell, intent),
            *hostapd_running(shell, intent),
        ]
    return checks

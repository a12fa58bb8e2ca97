#!/usr/bin/python
"""What patching would do on a Debian host: pending upgrades, holds, reboot need, checks."""

from __future__ import annotations

import os
import subprocess
import time
from fnmatch import fnmatchcase

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
---
module: patch_linux_status
short_description: Report pending apt upgrades, held packages, reboot need, services and free space
description:
  - Reads the apt cache with python3-apt (nothing is changed) and tells which installed packages
    have a newer candidate, which of them patching would install (after the security-only,
    allow and deny filters and the holds), whether C(/var/run/reboot-required) exists,
    whether named services are active and how much space is free.
version_added: "1.0.0"
options:
  security_only:
    description: Select only upgrades whose candidate comes from a security suite.
    type: bool
    default: false
  security_suites:
    description: Shell patterns of apt suites (archive names) that hold security updates.
    type: list
    elements: str
    default: ["*-security"]
  allow:
    description: Shell patterns of package names that may be upgraded; empty allows all.
    type: list
    elements: str
    default: []
  deny:
    description: Shell patterns of package names that are never upgraded.
    type: list
    elements: str
    default: []
  services:
    description: Services whose state is reported (systemd units or SysV services).
    type: list
    elements: str
    default: []
  free_space_paths:
    description: Paths whose free space is reported in MiB.
    type: list
    elements: str
    default: []
  cache_valid_time:
    description:
      - Refresh the package indexes (C(apt-get update)) when the newest is older than this many
        seconds, or when a source has none; a refresh that failed leaves them old, so the next
        run tries again. C(-1) never refreshes. No refresh in check mode.
    type: int
    default: 600
requirements:
  - python3-apt on the managed host
author:
  - Dzongkhag ICT Services Unit
"""

EXAMPLES = r"""
- name: Read what patching would do
  patch_linux_status:
    security_only: true
    deny: ["postgresql*"]
    services: [postgresql]
    free_space_paths: [/, /var]
  register: patch_linux_state
"""

RETURN = r"""
pending:
  description: Every installed package with a newer candidate, selected or not, and why not.
  type: list
  elements: dict
  returned: always
selected:
  description: The upgrades patching installs (name, installed, candidate, suite, security).
  type: list
  elements: dict
  returned: always
install_specs:
  description: The selected upgrades as apt C(name=version) strings.
  type: list
  elements: str
  returned: always
held:
  description: Packages held with dpkg/apt-mark.
  type: list
  elements: str
  returned: always
reboot_required:
  description: Whether /var/run/reboot-required exists.
  type: bool
  returned: always
reboot_packages:
  description: The packages named in /var/run/reboot-required.pkgs.
  type: list
  elements: str
  returned: always
cache_updated:
  description: Whether the package indexes were refreshed by this call.
  type: bool
  returned: always
container:
  description: Whether the host is a container (never rebooted by patching).
  type: bool
  returned: always
services:
  description: For each named service, whether it is active.
  type: dict
  returned: always
free_mb:
  description: Free space in MiB for each path of free_space_paths.
  type: dict
  returned: always
"""


REBOOT_FLAG = "/var/run/reboot-required"
STAMP = "/var/lib/apt/periodic/update-success-stamp"
CONTAINER_FLAGS = ("/run/.containerenv", "/.dockerenv")


def select(pending, security_only, allow, deny, held):
    """Mark each pending upgrade selected or not, with the reason; return (marked, selected)."""
    marked = []
    for item in sorted(pending, key=lambda p: p["name"]):
        reason = None
        if item["name"] in held:
            reason = "held"
        elif any(fnmatchcase(item["name"], pattern) for pattern in deny):
            reason = "denied"
        elif allow and not any(fnmatchcase(item["name"], pattern) for pattern in allow):
            reason = "not allowed"
        elif security_only and not item["security"]:
            reason = "not a security update"
        marked.append(dict(item, selected=reason is None, reason=reason or ""))
    return marked, [m for m in marked if m["selected"]]


def is_security(suites, patterns):
    """True when one of the candidate's suites matches a security pattern."""
    return any(fnmatchcase(suite, pattern) for suite in suites for pattern in patterns)


def missing_indexes():
    """The configured sources (suites) of which apt holds no package index at all.

    A refresh that could not reach the mirror leaves them missing while the cache still looks
    fresh: reporting "up to date" from it would be wrong.
    """
    import apt_pkg

    apt_pkg.init()
    sources = apt_pkg.SourceList()
    sources.read_main_list()
    missing = []
    for meta in sources.list:
        packages = [i for i in meta.index_files if "Packages" in i.describe]
        if packages and not any(i.exists for i in packages):
            missing.append(f"{meta.uri} {meta.dist}")
    return sorted(missing)


def indexes_age(now):
    """Seconds since the last refresh that reached every source (None when unknown).

    The index files keep the mirror's own dates, so the age comes from the success stamp that
    apt's own cache_valid_time reads too; only a refresh that fetched everything touches it.
    """
    try:
        return now - os.path.getmtime(STAMP)
    except OSError:
        return None


def refresh(module):
    """apt-get update; touch the success stamp only when every source answered."""
    rc, out, err = module.run_command(["apt-get", "update", "-q"])
    if rc == 0 and "Failed to fetch" not in out + err and not missing_indexes():
        os.makedirs(os.path.dirname(STAMP), exist_ok=True)
        with open(STAMP, "a", encoding="utf-8"):
            os.utime(STAMP)


def needs_refresh(age, valid_time, missing):
    """Refresh when asked to and the indexes are missing or older than the valid time."""
    if valid_time < 0:
        return False
    return bool(missing) or age is None or age > valid_time


def read_pending(security_patterns):
    """Installed packages with a newer candidate, and the held packages, from the apt cache."""
    import apt_pkg

    apt_pkg.init()
    cache = apt_pkg.Cache(progress=None)
    depcache = apt_pkg.DepCache(cache)
    pending, held = [], set()
    for pkg in cache.packages:
        current = pkg.current_ver
        if current is None:
            continue
        if pkg.selected_state == apt_pkg.SELSTATE_HOLD:
            held.add(pkg.name)
        candidate = depcache.get_candidate_ver(pkg)
        if candidate is None or apt_pkg.version_compare(candidate.ver_str, current.ver_str) <= 0:
            continue
        suites = sorted({pf.archive for pf, _ in candidate.file_list if pf.archive != "now"})
        pending.append(
            {
                "name": pkg.name,
                "installed": current.ver_str,
                "candidate": candidate.ver_str,
                "suites": suites,
                "security": is_security(suites, security_patterns),
            }
        )
    return pending, held


def service_active(name):
    """Whether a service runs: systemd when it is PID 1, else the SysV service script."""
    if os.path.isdir("/run/systemd/system"):
        cmd = ["systemctl", "is-active", "--quiet", name]
    else:
        cmd = ["service", name, "status"]
    return subprocess.run(cmd, capture_output=True, check=False).returncode == 0


def free_mb(path):
    """Free space of the file system holding path, in MiB, as root sees it."""
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize // (1024 * 1024)


def reboot_packages():
    """Packages that asked for the reboot."""
    try:
        with open(REBOOT_FLAG + ".pkgs", encoding="utf-8") as handle:
            return sorted({line.strip() for line in handle if line.strip()})
    except OSError:
        return []


def main():
    """Run the module."""
    module = AnsibleModule(
        argument_spec={
            "security_only": {"type": "bool", "default": False},
            "security_suites": {"type": "list", "elements": "str", "default": ["*-security"]},
            "allow": {"type": "list", "elements": "str", "default": []},
            "deny": {"type": "list", "elements": "str", "default": []},
            "services": {"type": "list", "elements": "str", "default": []},
            "free_space_paths": {"type": "list", "elements": "str", "default": []},
            "cache_valid_time": {"type": "int", "default": 600},
        },
        supports_check_mode=True,
    )
    params = module.params
    updated = False
    try:
        missing = missing_indexes()
        age = indexes_age(time.time())
        if needs_refresh(age, params["cache_valid_time"], missing) and not module.check_mode:
            refresh(module)
            updated = True
            missing = missing_indexes()
        pending, held = read_pending(params["security_suites"])
    except ImportError:
        module.fail_json(msg="python3-apt is not installed on this host (apt install python3-apt)")
    if missing:
        module.fail_json(
            msg="apt has no package index for: "
            + "; ".join(missing)
            + " (the mirror cannot be reached)",
            missing_indexes=missing,
        )
    marked, selected = select(
        pending, params["security_only"], params["allow"], params["deny"], held
    )
    module.exit_json(
        changed=False,
        cache_updated=updated,
        pending=marked,
        selected=selected,
        install_specs=[f"{s['name']}={s['candidate']}" for s in selected],
        held=sorted(held),
        reboot_required=os.path.exists(REBOOT_FLAG),
        reboot_packages=reboot_packages(),
        container=any(os.path.exists(flag) for flag in CONTAINER_FLAGS),
        services={name: service_active(name) for name in params["services"]},
        free_mb={path: free_mb(path) for path in params["free_space_paths"]},
    )


if __name__ == "__main__":
    main()

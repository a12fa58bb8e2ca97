"""Read an inventory through Ansible's own inventory and variable managers.

Both engines stand on this: the inventory model and the Nornir plugin take every host's
variables from here, so group_vars, host_vars and vault values resolve exactly as Ansible
resolves them for a playbook.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dzict.exceptions import Problem
from dzict.inventory.sources import (
    VAULT_HEADER,
    Scope,
    SourceIndex,
    inventory_files,
    parse_yaml,
    relative,
    vars_files,
)

VAULT_PASSWORD_FILE = "vault-password"
# The inventory's address plan is templated by the project's Ansible filter plugins
# (``dzict.ansible_plugins``, which import this package). Ansible loads them from their folder,
# as ansible.cfg's ``filter_plugins`` does; this package never imports them.
FILTER_DIR = Path(__file__).resolve().parents[1] / "ansible_plugins" / "filter"
SKIP_GROUPS = frozenset({"all", "ungrouped"})
UNDEFINED = re.compile(r"'([A-Za-z_][A-Za-z0-9_]*)' is undefined")


@dataclass
class HostView:
    """One host as Ansible sees it: its groups and its fully templated variables.

    ``chain`` lists where a variable of this host can come from, strongest first: the host
    itself, then its groups in the reverse of Ansible's precedence order, ``all`` last.
    """

    name: str
    groups: list[str]
    vars: dict[str, Any]
    chain: list[Scope] = field(default_factory=list)


@dataclass(frozen=True)
class TemplateFailure:
    """A variable of a host that Ansible could not template; ``undefined`` names what it lacked."""

    host: str
    key: str
    message: str
    undefined: str | None = None


@dataclass
class AnsibleView:
    """What Ansible makes of an inventory folder, with the problems met on the way."""

    root: Path
    index: SourceIndex
    hosts: dict[str, HostView] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    failures: list[TemplateFailure] = field(default_factory=list)

    def chain(self, host: str | None) -> list[Scope]:
        """The scopes of a host, strongest first; for no host, the ``all`` group alone."""
        view = self.hosts.get(host) if host else None
        return view.chain if view else [("group", "all")]


def vault_password_file(root: Path, given: Path | None = None) -> Path | None:
    """The vault password file: argument, then ANSIBLE_VAULT_PASSWORD_FILE, then beside it."""
    if given is not None:
        return given
    env = os.environ.get("ANSIBLE_VAULT_PASSWORD_FILE")
    if env:
        return Path(env)
    beside = root / VAULT_PASSWORD_FILE
    return beside if beside.is_file() else None


def _vault_secret(password_file: Path | None) -> list[tuple[str, Any]]:
    from ansible.parsing.vault import VaultSecret

    if password_file is None:
        return []
    return [("default", VaultSecret(password_file.read_bytes().strip()))]


def _read(path: Path, root: Path, secrets: list[tuple[str, Any]]) -> tuple[Any, Problem | None]:
    """Read one YAML file, decrypting it first when it is a vault file."""
    from ansible.errors import AnsibleError
    from ansible.parsing.vault import VaultLib

    raw = path.read_bytes()
    if raw.lstrip().startswith(VAULT_HEADER.encode()):
        if not secrets:
            return None, Problem(
                relative(path, root), "(vault)", "vault file but no vault password"
            )
        try:
            raw = VaultLib(secrets).decrypt(raw)
        except AnsibleError:
            return None, Problem(
                relative(path, root),
                "(vault)",
                "cannot decrypt: wrong vault password or damaged vault file",
            )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, Problem(relative(path, root), "(file)", "not UTF-8 text")
    return parse_yaml(path, text, root)


def _walk_hosts_file(data: Any, path: Path, index: SourceIndex, group: str = "all") -> None:
    if not isinstance(data, dict):
        return
    index.add("group", group, data.get("vars") or {}, path)
    for host, hostvars in (data.get("hosts") or {}).items():
        index.host_entries.setdefault(str(host), []).append(group)
        index.add("host", str(host), hostvars or {}, path)
    for child, child_data in (data.get("children") or {}).items():
        _walk_hosts_file(child_data or {}, path, index, str(child))


def scan_files(root: Path, password_file: Path | None) -> tuple[SourceIndex, list[Problem]]:
    """Parse every file once: syntax and vault problems, and which file sets which key."""
    index = SourceIndex(root)
    problems: list[Problem] = []
    secrets = _vault_secret(password_file)
    parsed: dict[Path, Any] = {}
    for path in inventory_files(root):
        data, problem = _read(path, root, secrets)
        if problem is not None:
            problems.append(problem)
        parsed[path] = data
    hosts_file = root / "hosts.yml"
    if not hosts_file.is_file():
        problems.append(Problem(relative(hosts_file, root), "(file)", "missing hosts file"))
        return index, problems
    top = parsed.get(hosts_file) or {}
    _walk_hosts_file(top.get("all", {}) if isinstance(top, dict) else {}, hosts_file, index)
    for kind, scope in (("group_vars", "group"), ("host_vars", "host")):
        folder = root / kind
        if not folder.is_dir():
            continue
        names = {p.name.split(".")[0] if p.is_file() else p.name for p in folder.iterdir()}
        for name in sorted(names):
            for path in vars_files(folder, name):
                index.add(scope, name, parsed.get(path), path)
    return index, problems


def _wanted_keys(index: SourceIndex, chain: list[Scope]) -> set[str]:
    scopes = set(chain)
    return {key for (scope, name, key) in index.keys if (scope, name) in scopes}


def _chain(host: Any) -> list[Scope]:
    """Where a host's variables come from, strongest first (Ansible's own group ordering)."""
    from ansible.inventory.helpers import sort_groups

    groups = [("group", str(g.name)) for g in reversed(sort_groups(host.get_groups()))]
    return [("host", str(host.name)), *groups]


def load(root: Path, password_file: Path | None = None) -> AnsibleView:
    """Load ``root`` with Ansible; template every inventory variable of every host."""
    from ansible.errors import AnsibleError, AnsibleUndefinedVariable
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.loader import filter_loader
    from ansible.template import Templar
    from ansible.vars.manager import VariableManager

    root = root.resolve()
    password_file = vault_password_file(root, password_file)
    index, problems = scan_files(root, password_file)
    view = AnsibleView(root=root, index=index, problems=problems)
    if problems:
        return view
    filter_loader.add_directory(str(FILTER_DIR))
    _forget_vars_files()
    loader = DataLoader()
    loader.set_vault_secrets(_vault_secret(password_file))
    inventory = InventoryManager(loader=loader, sources=[str(root / "hosts.yml")])
    if not inventory.get_hosts():
        view.problems.append(
            Problem(index.hosts_file(), "all", "Ansible read no host from this hosts file")
        )
        return view
    manager = VariableManager(loader=loader, inventory=inventory)
    for group in sorted(inventory.groups):
        if group not in SKIP_GROUPS:
            members = inventory.groups[group].get_hosts()
            view.groups[group] = sorted(h.name for h in members)
    for host in sorted(inventory.get_hosts(), key=lambda h: h.name):
        groups = sorted(g.name for g in host.get_groups() if g.name not in SKIP_GROUPS)
        try:
            allvars = manager.get_vars(host=host, include_hostvars=False)
        except AnsibleError as exc:
            view.problems.append(Problem(index.hosts_file(), host.name, str(exc).splitlines()[0]))
            continue
        chain = _chain(host)
        templar = Templar(loader=loader, variables=allvars)
        values: dict[str, Any] = {}
        for key in sorted(_wanted_keys(index, chain) & set(allvars)):
            try:
                values[key] = _plain(templar.template(allvars[key]))
            except AnsibleUndefinedVariable as exc:
                message, missing = _undefined(exc)
                view.failures.append(TemplateFailure(host.name, key, message, missing))
            except AnsibleError as exc:
                first = str(exc).splitlines()[0]
                view.failures.append(TemplateFailure(host.name, key, first))
        view.hosts[host.name] = HostView(host.name, groups, values, chain)
    return view


def _forget_vars_files() -> None:
    """Drop Ansible's per-process list of group_vars/host_vars files found so far.

    Ansible lists those folders once per process; an inventory edited and loaded again in the
    same process (a generated lab, a test) would otherwise be read with its old file list.
    """
    from ansible.plugins.vars import host_group_vars

    for cache in (getattr(host_group_vars, "FOUND", None), getattr(host_group_vars, "NAK", None)):
        if isinstance(cache, dict | set):
            cache.clear()


def _undefined(exc: Exception) -> tuple[str, str | None]:
    """Ansible's undefined-variable error as one line, and the variable it names."""
    text = str(exc).splitlines()[0]
    for word in text.replace("'", " ").replace('"', " ").split():
        if word.startswith("vault_"):
            return f"required vault variable {word} is missing (not in any vault file)", word
    named = UNDEFINED.search(text)
    return text, named.group(1) if named else None


def _plain(value: Any) -> Any:  # noqa: PLR0911 - one return per plain type
    """Strip Ansible's tagged types down to plain Python values (dict, list, str, int, ...)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return value

"""Which file of an inventory defines which key, so that every problem can name its file.

Ansible merges group_vars, host_vars and the hosts file into one dictionary per host; the
officer needs to know where to fix a value. This module reads the same files and remembers,
for every host and group, which file set each top-level key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dzict.exceptions import Problem

YAML_SUFFIXES = (".yml", ".yaml")
VAULT_HEADER = "$ANSIBLE_VAULT"


_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """A safe loader that accepts Ansible's ``!vault`` and ``!unsafe`` tags.

    It uses libyaml when present, as Ansible does, so both reject the same files.
    """


def _tagged(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    return None


class DuplicateKeyError(yaml.MarkedYAMLError):
    """A mapping names the same key twice (YAML would silently keep the last one)."""


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise DuplicateKeyError(
                problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor("!vault", _tagged)
_Loader.add_constructor("!unsafe", _tagged)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def parse_yaml(path: Path, text: str, root: Path) -> tuple[Any, Problem | None]:
    """Parse YAML text; on a syntax error return a problem naming the file and line."""
    try:
        return yaml.load(text, Loader=_Loader), None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}" if mark else "?"
        what = exc.problem or "syntax error"
        if isinstance(exc, DuplicateKeyError):
            return None, Problem(relative(path, root), line, str(what))
        return None, Problem(relative(path, root), line, f"YAML syntax error: {what}")
    except yaml.YAMLError as exc:
        return None, Problem(relative(path, root), "?", f"YAML syntax error: {exc}")


def relative(path: Path, root: Path) -> str:
    """Path of an inventory file as the officer knows it (relative to the working folder)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        try:
            return str(Path(root.name) / path.resolve().relative_to(root.resolve()))
        except ValueError:
            return str(path)


def vars_files(folder: Path, name: str) -> list[Path]:
    """The files Ansible reads for group or host ``name`` under ``group_vars``/``host_vars``."""
    found = [folder / f"{name}{suffix}" for suffix in ("", *YAML_SUFFIXES)]
    files = [p for p in found if p.is_file()]
    directory = folder / name
    if directory.is_dir():
        files += sorted(
            p for p in directory.rglob("*") if p.is_file() and p.suffix in YAML_SUFFIXES
        )
    return files


def inventory_files(root: Path) -> Iterator[Path]:
    """Every YAML file of an inventory folder, in a stable order."""
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in YAML_SUFFIXES:
            yield path


Scope = tuple[str, str]
"""("host", name) or ("group", name): where in an inventory a variable can be set."""

TEMPLATE_MARKS = ("{{", "{%")
REFERENCE = re.compile(r"^\s*\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}\s*$")
MAX_REFERENCES = 8


def is_template(value: Any) -> bool:
    """True when the value (or anything inside it) is a Jinja template Ansible will render."""
    if isinstance(value, str):
        return any(mark in value for mark in TEMPLATE_MARKS)
    if isinstance(value, dict):
        return any(is_template(v) for v in value.values())
    if isinstance(value, list):
        return any(is_template(v) for v in value)
    return False


def top_key(key: str) -> str:
    """The top-level variable of a key path such as ``wan_links[0].a.host``."""
    return key.split(".", 1)[0].split("[", 1)[0]


@dataclass
class SourceIndex:
    """Which file sets which top-level key for each host and group, and the value written there.

    Ansible merges the hosts file, group_vars and host_vars into one dictionary per host; this
    index keeps where each value came from, so that a problem names the file to edit: the host's
    own file when the host sets the value, never the shared file whose default it overrides.
    """

    root: Path
    keys: dict[tuple[str, str, str], str] = field(default_factory=dict)
    values: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    scope_files: dict[Scope, list[str]] = field(default_factory=dict)
    host_entries: dict[str, list[str]] = field(default_factory=dict)

    def add(self, scope: str, name: str, data: Any, path: Path) -> None:
        """Remember every top-level key of ``data`` as set by ``path`` for that scope."""
        file = relative(path, self.root)
        files = self.scope_files.setdefault((scope, name), [])
        if file not in files:
            files.append(file)
        if isinstance(data, dict):
            for key, value in data.items():
                # files are added in Ansible's order (hosts file, group_vars, host_vars):
                # the last one to set a key is the one whose value Ansible uses
                self.keys[(scope, name, str(key))] = file
                self.values[(scope, name, str(key))] = value

    def origin(self, key: str, chain: Sequence[Scope]) -> Scope | None:
        """The scope whose value of ``key`` Ansible uses (``chain``: scopes, strongest first)."""
        top = top_key(key)
        return next(((s, n) for s, n in chain if (s, n, top) in self.keys), None)

    def raw(self, key: str, chain: Sequence[Scope]) -> Any:
        """The value of ``key`` as written in the file that sets it (None when nobody does)."""
        found = self.origin(key, chain)
        return None if found is None else self.values[(*found, top_key(key))]

    def explicit(self, key: str, chain: Sequence[Scope]) -> bool:
        """True when the value is written out (not derived by a template) in the inventory."""
        found = self.origin(key, chain)
        return found is not None and not is_template(self.values[(*found, top_key(key))])

    def resolve(self, key: str, chain: Sequence[Scope]) -> tuple[str, Scope | None]:
        """The key whose written value to blame, following plain ``{{ other }}`` references.

        ``ansible_host: "{{ mgmt_address }}"`` in group_vars/all with ``mgmt_address`` set in a
        host's file resolves to the host's ``mgmt_address``.
        """
        found = self.origin(key, chain)
        for _ in range(MAX_REFERENCES):
            if found is None:
                break
            value = self.values[(*found, top_key(key))]
            match = REFERENCE.match(value) if isinstance(value, str) else None
            target = self.origin(match.group(1), chain) if match else None
            if match is None or target is None:
                break
            key, found = match.group(1), target
        return key, found

    def derived(self, key: str, chain: Sequence[Scope], marker: str) -> bool:
        """True when the value of ``key`` comes from a template calling ``marker`` (a filter)."""
        resolved, found = self.resolve(key, chain)
        value = None if found is None else self.values[(*found, top_key(resolved))]
        return isinstance(value, str) and marker in value

    def own_file(self, scope: Scope) -> str:
        """The file of a host's or group's own variables (else the hosts file, which names it)."""
        files = [f for f in self.scope_files.get(scope, []) if f != self.hosts_file()]
        return files[0] if len(files) == 1 else self.hosts_file()

    def file_of(self, key: str, chain: Sequence[Scope]) -> str:
        """The file that gives ``key`` its value (the first scope's own file when none does)."""
        found = self.origin(key, chain)
        if found is None:
            return self.own_file(chain[0]) if chain else self.hosts_file()
        return self.keys[(*found, top_key(key))]

    def hosts_file(self) -> str:
        """The inventory's hosts file."""
        return relative(self.root / "hosts.yml", self.root)

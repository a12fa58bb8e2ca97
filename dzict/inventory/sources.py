"""Which file of an inventory defines which key, so that every problem can name its file.

Ansible merges group_vars, host_vars and the hosts file into one dictionary per host; the
officer needs to know where to fix a value. This module reads the same files and remembers,
for every host and group, which file set each top-level key.
"""

from __future__ import annotations

from collections.abc import Iterator
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


@dataclass
class SourceIndex:
    """Maps ("host", name) or ("group", name) and a top-level key to the file that set it."""

    root: Path
    keys: dict[tuple[str, str, str], str] = field(default_factory=dict)
    host_entries: dict[str, list[str]] = field(default_factory=dict)

    def add(self, scope: str, name: str, data: Any, path: Path) -> None:
        """Remember every top-level key of ``data`` as set by ``path`` for that scope."""
        if isinstance(data, dict):
            for key in data:
                # files are added in Ansible's order (hosts file, group_vars, host_vars):
                # the last one to set a key is the one whose value Ansible uses
                self.keys[(scope, name, str(key))] = relative(path, self.root)

    def file_of(self, key: str, host: str | None = None, groups: list[str] | None = None) -> str:
        """The file that gives ``key`` its value for a host (host first, then its groups)."""
        top = key.split(".", 1)[0].split("[", 1)[0]
        if host is not None:
            found = self.keys.get(("host", host, top))
            if found:
                return found
        for group in [*(groups or []), "all"]:
            found = self.keys.get(("group", group, top))
            if found:
                return found
        return self.hosts_file()

    def hosts_file(self) -> str:
        """The inventory's hosts file."""
        return relative(self.root / "hosts.yml", self.root)

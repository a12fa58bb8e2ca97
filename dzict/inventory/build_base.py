"""The inventory builder's core: collecting problems and typing data against the models.

``BuilderBase.typed`` validates data with pydantic and reports each error under the key of the
inventory it came from; the builder's other parts (build_keys, build_pieces, build_checks) add
their problems through it.
"""

from __future__ import annotations

import types
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from dzict.exceptions import Problem
from dzict.inventory import variables
from dzict.inventory.findings import Findings
from dzict.inventory.loader import AnsibleView

M = TypeVar("M", bound=BaseModel)


def _loc(base: str, loc: Iterable[int | str]) -> str:
    text = base
    for part in loc:
        if part == "[key]":  # pydantic's marker for a bad dictionary key
            continue
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _unwrap(annotation: Any) -> Any:
    """``X | None`` to ``X``."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _fields_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The field names of the model found at ``loc`` inside ``model`` (for suggestions)."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            current = field.annotation if field else None
        elif get_origin(current) in (list, dict):
            current = get_args(current)[-1]
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


class BuilderBase:
    """The view being built, the problems found so far, and typing with error reporting."""

    def __init__(self, view: AnsibleView) -> None:
        self.view = view
        self.found = Findings(view, problems=list(view.problems))
        self.failed: dict[str, set[str]] = defaultdict(set)
        for failure in view.failures:
            self.failed[failure.host].add(failure.key)
        self.site_of: dict[str, str] = {}

    @property
    def problems(self) -> list[Problem]:
        """Every problem found so far, one line each."""
        return self.found.all()

    def problem(
        self, key: str, message: str, host: str | None = None, group: str | None = None
    ) -> None:
        """Record a problem in the file that sets ``key`` for that host or group."""
        self.found.add(key, message, host=host, group=group)

    def skipped(self, host: str | None = None, group: str | None = None) -> set[str]:
        """Keys whose absence is already explained: not templated, or misspelt (suggested)."""
        chain = self.found.chain(host, group)
        owner = chain[0][1] if chain and chain[0][0] == "host" else ""
        suggested = {k for scope in chain for k in self.found.suggested.get(scope, set())}
        return self.failed.get(owner, set()) | suggested

    def typed(
        self,
        model: type[M],
        data: Any,
        keys: dict[str, str] | None = None,
        *,
        host: str | None = None,
        group: str | None = None,
        prefix: str = "",
    ) -> M | None:
        """Validate ``data`` as ``model``; report each error under the key it came from.

        An unknown key is reported with the nearest known one; an error of that known key (it
        is missing, or a rule needs it) is then left out: it is the same mistake.
        """
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            errors = exc.errors()
        hinted: set[tuple[int | str, ...]] = set()
        hints: dict[tuple[int | str, ...], str | None] = {}
        for error in errors:
            loc = tuple(error["loc"])
            if error["type"] == "extra_forbidden" and loc:
                hint = variables.suggest(str(loc[-1]), _fields_at(model, loc[:-1]))
                hints[loc] = hint
                if hint:
                    hinted.add((*loc[:-1], hint))
        skip = self.skipped(host, group)
        for error in errors:
            loc = tuple(error["loc"])
            if loc not in hints and any(loc[: len(h)] == h for h in hinted):
                continue
            names = keys or {}
            field = str(loc[0]) if loc else ""
            top = names.get(field, field)
            if error["type"] == "missing" and len(loc) == 1 and top in skip:
                continue
            key = _loc(prefix, loc) if prefix else _loc(top, loc[1:])
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["type"] == "missing":
                message = "required key is missing"
            if loc in hints:
                message = variables.unknown_message(str(loc[-1]), hints[loc])
            self.found.add(key, message, host=host, group=group)
        return None

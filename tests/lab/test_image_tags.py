"""An image's tag covers the code of every step that builds it, without podman.

Variants of the build modules are written to a temporary folder with one step changed and
loaded in place of the real ones; the tag must follow, except for comments and formatting.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import inspect
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import FunctionType, ModuleType

import pytest

from dzict.lab import build, hooks, images, podman, recipes, rootfs

#: Called by the build but not shaping the image: the container engine and its errors.
NOT_CONTENT = ("dzict.lab.podman", "dzict.exceptions")


def _variant(module: ModuleType, folder: Path, change: Callable[[str], str]) -> ModuleType:
    """A copy of ``module`` with its source changed, loaded from ``folder``."""
    source = inspect.getsource(module)
    changed = change(source)
    assert changed != source
    path = folder / f"variant_{module.__name__.replace('.', '_')}.py"
    path.write_text(changed)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def _tags() -> dict[str, str]:
    return {"base": images.base_tag(), **{role: images.image_tag(role) for role in recipes.ROLES}}


def test_changing_a_base_step_changes_every_tag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _tags()
    changed = _variant(rootfs, tmp_path, lambda s: s.replace("exit 101", "exit 100"))
    monkeypatch.setattr(images, "BASE_STEPS", (changed, *images.BASE_STEPS[1:]))
    after = _tags()
    assert all(after[name] != tag for name, tag in before.items())


def test_changing_a_role_step_changes_the_role_tags_not_the_base(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _tags()
    changed = _variant(build, tmp_path, lambda s: s.replace('"tmp/*",', '"tmp/*", "root/*",'))
    monkeypatch.setattr(images, "ROLE_STEPS", (changed, *images.ROLE_STEPS[1:]))
    after = _tags()
    assert after["base"] == before["base"]
    assert all(after[role] != before[role] for role in recipes.ROLES)


def test_comments_and_formatting_do_not_change_a_tag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _tags()
    reformatted = _variant(
        build, tmp_path, lambda s: s.replace("def finish(", "# a comment\n\n\ndef finish(")
    )
    monkeypatch.setattr(images, "ROLE_STEPS", (reformatted, *images.ROLE_STEPS[1:]))
    assert _tags() == before


def test_changing_a_hook_changes_only_its_role(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _tags()
    changed = _variant(hooks, tmp_path, lambda s: s.replace('"640"', '"600"'))
    router = dataclasses.replace(recipes.RECIPES["router"], hook=changed.router_hook)
    monkeypatch.setitem(recipes.RECIPES, "router", router)
    after = _tags()
    assert {name for name, tag in after.items() if tag != before[name]} == {"router"}


def _unannotated(obj: object) -> ast.AST:
    """The syntax tree of a function or class without its annotations (types, not steps)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(obj)))  # type: ignore[arg-type]
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            node.annotation = None
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            node.returns = None
        elif isinstance(node, ast.AnnAssign):
            node.annotation = ast.Constant(None)
    return tree


def _members(obj: object) -> list[object]:
    """A function itself; a class's own methods (not those a dataclass generates)."""
    if isinstance(obj, type):
        return [
            f
            for f in vars(obj).values()
            if isinstance(f, FunctionType)
            and not inspect.unwrap(f).__code__.co_filename.startswith("<")
        ]
    return [obj]


def _reached(start: object) -> set[object]:
    """Every function and class of dzict that ``start`` calls or names, followed through."""
    seen: set[object] = set()
    todo = [start]
    while todo:
        for member in _members(todo.pop()):
            names = getattr(member, "__globals__", {})
            for node in ast.walk(_unannotated(member)):
                target = None
                if isinstance(node, ast.Name):
                    target = names.get(node.id)
                elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                    owner = names.get(node.value.id)
                    target = getattr(owner, node.attr, None) if inspect.ismodule(owner) else None
                module = getattr(target, "__module__", "") or ""
                is_code = inspect.isfunction(target) or inspect.isclass(target)
                if is_code and module.startswith("dzict.") and target not in seen:
                    seen.add(target)
                    todo.append(target)
    return seen


def _uncovered(
    start: object, modules: tuple[ModuleType, ...], extra: tuple[object, ...]
) -> set[str]:
    """What ``start`` reaches that is neither in ``modules`` nor ``extra`` (objects or modules)."""
    covered = {m.__name__ for m in modules} | {m.__name__ for m in extra if inspect.ismodule(m)}
    return {
        f"{obj.__module__}.{obj.__qualname__}"  # type: ignore[attr-defined]
        for obj in _reached(start)
        if obj.__module__ not in covered  # type: ignore[attr-defined]
        and not obj.__module__.startswith(NOT_CONTENT)  # type: ignore[attr-defined]
        and obj not in extra
    }


def test_the_base_tag_covers_every_step_of_the_base() -> None:
    reached = _reached(rootfs.build_base)
    assert rootfs.prepare_base in reached
    assert podman.require in reached
    assert _uncovered(rootfs.build_base, images.BASE_STEPS, ()) == set()


def test_a_role_tag_covers_every_step_of_the_role() -> None:
    steps = (*images.BASE_STEPS, *images.ROLE_STEPS)
    assert build.finish in _reached(build.build_role)
    assert _uncovered(build.build_role, steps, ()) == set()


@pytest.mark.parametrize("role", [r for r in recipes.ROLES if recipes.RECIPES[r].hook])
def test_a_role_tag_covers_its_hook_and_what_the_hook_uses(role: str) -> None:
    recipe = recipes.RECIPES[role]
    steps = (*images.BASE_STEPS, *images.ROLE_STEPS)
    assert _uncovered(recipe.hook, steps, (recipe.hook, *recipe.uses)) == set()


def test_an_uncovered_step_is_found() -> None:
    hook = recipes.RECIPES["server"].hook
    assert "dzict.lab.hooks.seed_mariadb" in _uncovered(
        hook, images.BASE_STEPS, (hook, hooks.server_hook)
    )

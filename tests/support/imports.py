"""Who imports which module of the repository: production code, or only tests and benchmarks.

    python tests/support/imports.py     # the dzict modules that only tests/ and bench/ import

Imports are read from the syntax tree of every Python file of the repository (``import a.b``,
``from a import b``, relative imports, and a string naming a module, as ``importlib`` takes it).
Production is every file outside ``tests/`` and ``bench/``.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEST_SIDE = ("tests", "bench")
SKIP = (".venv", "var", ".git", "build")
#: Modules loaded by name or path rather than imported: Invoke collections (found with
#: pkgutil by ``dzict.tasks.main``) and Ansible plugins (folders named in ansible.cfg).
LOADED_BY_PATH = ("dzict.tasks.", "dzict.ansible_plugins.")


def module_name(path: Path, root: Path = ROOT) -> str:
    """``dzict/lab/specs.py`` -> ``dzict.lab.specs``; a package is named by its folder."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def python_files(root: Path = ROOT) -> Iterator[Path]:
    """Every Python file of the repository (not the virtual environment or run state)."""
    for path in sorted(root.rglob("*.py")):
        if path.relative_to(root).parts[0] not in SKIP:
            yield path


def is_test_side(path: Path, root: Path = ROOT) -> bool:
    """True for a file of the tests or the benchmarks."""
    return path.relative_to(root).parts[0] in TEST_SIDE


def _base(node: ast.ImportFrom, current: str, is_package: bool) -> str:
    """The module a ``from ... import`` reads from, relative imports resolved."""
    if not node.level:
        return node.module or ""
    parts = current.split(".")
    keep = len(parts) - node.level + (1 if is_package else 0)
    return ".".join([*parts[:keep], *([node.module] if node.module else [])])


def imported_by(path: Path, known: set[str], root: Path = ROOT) -> set[str]:
    """The modules of ``known`` that the file at ``path`` imports or names."""
    tree = ast.parse(path.read_text(), filename=str(path))
    current, is_package = module_name(path, root), path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _base(node, current, is_package)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add(node.value)
    return found & known


def importers(root: Path = ROOT, package: str = "dzict") -> dict[str, set[Path]]:
    """Each module of ``package``: the files that import it (itself left out)."""
    known = {
        module_name(p, root) for p in python_files(root) if module_name(p, root).startswith(package)
    }
    result: dict[str, set[Path]] = defaultdict(set)
    for path in python_files(root):
        for module in imported_by(path, known, root) - {module_name(path, root)}:
            result[module].add(path)
    return {module: result[module] for module in sorted(known)}


def modules_only_for_tests(root: Path = ROOT) -> list[str]:
    """Modules of dzict that tests or benchmarks import and no production file does."""
    found = []
    for module, files in importers(root).items():
        if module.startswith(LOADED_BY_PATH) or (root / module.replace(".", "/")).is_dir():
            continue  # loaded by path, or a package (imported with its modules)
        if files and all(is_test_side(f, root) for f in files):
            found.append(module)
    return found


def production_importers(package: str, root: Path = ROOT) -> set[str]:
    """Production files (relative paths) that import a module of ``package``."""
    return {
        str(path.relative_to(root))
        for module, files in importers(root).items()
        if module == package or module.startswith(package + ".")
        for path in files
        if not is_test_side(path, root)
    }


if __name__ == "__main__":
    root = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT
    for name in modules_only_for_tests(root):
        print(name)

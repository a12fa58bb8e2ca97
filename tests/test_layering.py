"""Core (the inventory and its address plan) stands on its own: it imports no upper layer.

The upper layers (Invoke tasks, jobs, the Ansible plugins) import Core, never the other way
round, so that the inventory can be validated without anything that contacts a device.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "dzict" / "inventory"
CORE_FILES = sorted(
    [
        *CORE.rglob("*.py"),
        *(ROOT / "dzict" / "ticketlog").rglob("*.py"),
        ROOT / "dzict/exceptions.py",
    ]
)
UPPER = ("ap", "wan", "patch", "backup", "docs", "lab", "tasks", "ansible_plugins")


def imported_modules(path: Path) -> set[str]:
    """Every module named by an ``import`` or ``from ... import`` of the file, at any depth."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def is_upper(module: str) -> bool:
    """True for a module of one of the layers above Core."""
    return any(module == f"dzict.{u}" or module.startswith(f"dzict.{u}.") for u in UPPER)


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_module_imports_no_upper_layer(path: Path) -> None:
    assert sorted(m for m in imported_modules(path) if is_upper(m)) == []


def test_the_checker_sees_an_upper_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from dzict.ap import regdomain\n    import dzict.wan.intent\n")
    assert sorted(m for m in imported_modules(sample) if is_upper(m)) == [
        "dzict.ap",
        "dzict.ap.regdomain",
        "dzict.wan.intent",
    ]


def test_loading_an_inventory_imports_no_upper_layer() -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from dzict.inventory import load_inventory\n"
        "load_inventory(Path('inventory/lab'))\n"
        "print('\\n'.join(sorted(m for m in sys.modules if m.startswith('dzict.'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = done.stdout.split()
    assert "dzict.inventory.build" in loaded
    # Ansible itself loads the address-plan filter plugin by path (not as dzict.ansible_plugins)
    assert [m for m in loaded if is_upper(m)] == []


def test_the_ap_layer_takes_the_regulatory_table_from_core() -> None:
    from dzict.ap import intent
    from dzict.inventory import regdomain

    assert intent.regdomain is regdomain


def test_core_finds_the_address_filters_where_the_plugins_keep_them() -> None:
    from dzict.ansible_plugins import FILTER_DIR
    from dzict.inventory import loader

    assert FILTER_DIR.resolve() == loader.FILTER_DIR
    assert (loader.FILTER_DIR / "dzict_addressing.py").is_file()

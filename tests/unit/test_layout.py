"""Contracts that hold the repository's shape: test code stays out of the package, the lab
stays out of production code, lab modules stay small."""

from __future__ import annotations

from pathlib import Path

from support.imports import ROOT, modules_only_for_tests, production_importers

#: The lab's own modules and its Invoke face are the only production code that imports it.
LAB_IMPORTERS = ("dzict/lab/", "dzict/tasks/lab.py")
MAX_LINES = 400


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_no_module_of_the_package_is_only_for_tests() -> None:
    assert modules_only_for_tests() == []


def test_production_code_does_not_import_the_lab() -> None:
    importers = production_importers("dzict.lab")
    assert "dzict/tasks/lab.py" in importers
    assert sorted(f for f in importers if not f.startswith(LAB_IMPORTERS)) == []


def test_no_lab_module_is_over_the_limit() -> None:
    sizes = {
        str(p.relative_to(ROOT)): len(p.read_text().splitlines())
        for p in (ROOT / "dzict" / "lab").glob("*.py")
    }
    assert len(sizes) > 10
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_the_checks_find_a_test_only_module_and_a_production_lab_import(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "dzict/__init__.py": "",
            "dzict/used.py": "",
            "dzict/helper.py": "",
            "dzict/lab/__init__.py": "",
            "dzict/lab/specs.py": "from . import __name__ as _\n",
            "dzict/wan/__init__.py": "",
            "dzict/wan/run.py": "from dzict import used\nfrom ..lab import specs\n",
            "tests/test_x.py": "import dzict.helper\nfrom dzict.used import x\n",
            "bench/b.py": "import importlib\nimportlib.import_module('dzict.helper')\n",
        },
    )
    assert modules_only_for_tests(tmp_path) == ["dzict.helper"]
    assert production_importers("dzict.lab", tmp_path) == {"dzict/lab/specs.py", "dzict/wan/run.py"}

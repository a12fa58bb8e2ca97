"""The known inventory variables and where a value comes from (the blame of every problem)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from dzict.inventory import variables
from dzict.inventory.loader import load
from dzict.inventory.sources import SourceIndex, is_template

ROOT = Path(__file__).resolve().parent.parent
READERS = [ROOT / d for d in ("dzict", "playbooks", "templates", "nornir_tasks", "roles")]


def _project_text() -> str:
    texts = []
    for folder in READERS:
        for path in folder.rglob("*"):
            if path.suffix in {".py", ".yml", ".j2"} and path.name != "variables.py":
                texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(texts)


def test_every_job_variable_is_read_by_the_project() -> None:
    text = _project_text()
    unread = [name for name in variables.JOBS if not re.search(rf"\b{name}\b", text)]
    assert unread == []


def test_role_variables_are_the_documented_options() -> None:
    names = variables.role_variables()
    for spec in ROOT.glob("roles/*/meta/argument_specs.yml"):
        options = yaml.safe_load(spec.read_text())["argument_specs"]["main"]["options"]
        assert set(options) <= names, spec
    assert "backup_client_paths" in names


@pytest.mark.parametrize(
    ("name", "known"),
    [
        ("site_name", True),
        ("ansible_port", True),
        ("vault_anything", True),
        ("software_baseline_packages", True),
        ("backup_client_pahts", False),
        ("site_nmae", False),
    ],
)
def test_which_names_are_known(name: str, known: bool) -> None:
    assert variables.is_known(name) is known


def test_a_misspelt_name_gets_the_nearest_known_one() -> None:
    known = variables.known_variables()
    assert variables.suggest("site_nmae", known) == "site_name"
    assert variables.suggest("hostid", known) == "host_id"
    assert variables.suggest("frobnicate", known) is None
    assert variables.unknown_message("x", "y") == "unknown key (did you mean y?)"


def test_both_example_inventories_use_known_variables_only() -> None:
    for name in ("lab", "punakha"):
        view = load(ROOT / "inventory" / name)
        assert view.problems == []
        unknown = sorted({k for (_s, _n, k) in view.index.keys if not variables.is_known(k)})
        assert unknown == [], name


def test_the_chain_follows_ansible_precedence(lab_copy: Path) -> None:
    view = load(lab_copy)
    chain = view.hosts["dzlab-guma-pc"].chain
    # host first; groups of equal depth in reverse alphabetical order; `all` last
    assert chain == [
        ("host", "dzlab-guma-pc"),
        ("group", "site_guma"),
        ("group", "pcs"),
        ("group", "all"),
    ]


def test_origin_and_references(tmp_path: Path) -> None:
    index = SourceIndex(tmp_path)
    plan = "{{ dzongkhag.addressing | dzict_mgmt_address(site_id, host_id) }}"
    shared = {"ansible_host": "{{ mgmt_address }}", "mgmt_address": plan}
    index.add("group", "all", shared, tmp_path / "group_vars" / "all" / "addressing.yml")
    index.add("host", "pc", {"mgmt_address": "198.18.0.99"}, tmp_path / "host_vars" / "pc.yml")
    chain = [("host", "pc"), ("group", "all")]
    assert index.origin("mgmt_address", chain) == ("host", "pc")
    assert index.explicit("mgmt_address", chain)
    assert not index.explicit("ansible_host", chain)
    # a problem with ansible_host is one of the host's own mgmt_address, in the host's file
    assert index.resolve("ansible_host", chain) == ("mgmt_address", ("host", "pc"))
    assert not index.derived("ansible_host", chain, "dzict_")
    # for a host without its own address, both come from the plan's filter
    others = [("host", "ap"), ("group", "all")]
    assert index.resolve("ansible_host", others) == ("mgmt_address", ("group", "all"))
    assert index.derived("ansible_host", others, "dzict_")
    assert index.file_of("ansible_host", others).endswith("group_vars/all/addressing.yml")


def test_templates_are_recognised_anywhere_in_a_value() -> None:
    assert is_template({"a": ["b", "{{ c }}"]})
    assert is_template("{% if x %}y{% endif %}")
    assert not is_template({"a": ["b", 3, None]})

"""Image recipes, the project's .deb packages and the sample data, without podman."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest

from dzict.exceptions import ImageBuildError
from dzict.lab import debs, hooks, images, recipes, rootfs, sampledata


def test_tag_is_stable_and_follows_the_recipe(monkeypatch: pytest.MonkeyPatch) -> None:
    before = images.image_ref("pc")
    assert before == images.image_ref("pc")
    assert before.startswith("localhost/dzict-pc:")
    changed = dataclasses.replace(recipes.RECIPES["pc"], packages=("cowsay",))
    monkeypatch.setitem(recipes.RECIPES, "pc", changed)
    assert images.image_ref("pc") != before
    assert images.image_ref("router") != before


def test_every_role_has_its_own_tag() -> None:
    tags = {images.image_tag(role) for role in recipes.ROLES}
    assert len(tags) == len(recipes.ROLES)


def test_unknown_role_is_refused() -> None:
    with pytest.raises(ImageBuildError, match="no lab image for role 'switch'"):
        images.image_ref("switch")


def test_host_mirrors_read_from_deb822_and_one_line_sources(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\n# a comment: here\nURIs: http://mirror.example/debian/\n"
        "Suites: bookworm bookworm-updates\nComponents: main\n\n"
        "Types: deb\nURIs: http://security.example/debian-security\n"
        "Suites: bookworm-security\nComponents: main\n"
    )
    assert rootfs.host_mirrors(tmp_path) == (
        "http://mirror.example/debian",
        "http://security.example/debian-security",
    )
    (tmp_path / "sources.list.d" / "debian.sources").unlink()
    (tmp_path / "sources.list").write_text(
        "deb [arch=amd64] http://old.example/debian bookworm main\n"
    )
    assert rootfs.host_mirrors(tmp_path) == ("http://old.example/debian", None)


def test_no_bookworm_source_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "sources.list").write_text("deb http://x.example/debian trixie main\n")
    with pytest.raises(ImageBuildError, match="no Debian bookworm mirror"):
        rootfs.host_mirrors(tmp_path)


@pytest.mark.parametrize("spec", debs.PACKAGES, ids=lambda s: s.filename)
def test_debs_carry_their_control_fields(spec: debs.DebSpec, tmp_path: Path) -> None:
    path = debs.build_deb(spec, tmp_path)
    fields = subprocess.run(
        ["dpkg-deb", "--field", str(path), "Package", "Version", "Architecture"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"Package: {spec.name}\nVersion: {spec.version}\nArchitecture: all" in fields
    listing = subprocess.run(
        ["dpkg-deb", "-c", str(path)], capture_output=True, text=True, check=True
    ).stdout
    for rel in spec.files:
        assert f"./{rel}" in listing
    assert "root/root" in listing


def test_every_package_has_an_old_and_a_new_version() -> None:
    versions: dict[str, set[str]] = {}
    for spec in debs.PACKAGES:
        versions.setdefault(spec.name, set()).add(spec.version)
        assert spec.suite in debs.SUITES
    assert versions == {"dzict-agent": {"1.0", "1.1"}, "dzict-baseline": {"1.0", "1.1"}}
    assert {s.version for s in debs.INSTALLED_AT_START} == {"1.0"}


def test_packages_index_keeps_only_the_named_files() -> None:
    index = (
        "Package: a\nVersion: 1\nFilename: pool/main/a/a_1_all.deb\n\n"
        "Package: a\nVersion: 2\nFilename: pool/main/a/a_2_all.deb\n"
    )
    assert hooks.only_files(index, {"a_2_all.deb"}) == (
        "Package: a\nVersion: 2\nFilename: pool/main/a/a_2_all.deb\n"
    )


def test_sample_data_is_deterministic_and_consistent() -> None:
    assert sampledata.requests() == sampledata.requests()
    agencies = sampledata.agencies()
    ids = {a[0] for a in agencies}
    assert len(agencies) >= 30
    assert len(sampledata.requests()) >= 300
    assert len(sampledata.assets()) >= 200
    assert all(r[1] in ids for r in sampledata.requests())
    for row in sampledata.requests():
        received, resolved = row[6], row[7]
        assert (row[5] == "closed") == (resolved is not None)
        assert resolved is None or resolved > received


def test_sql_differs_only_in_the_timestamp_type() -> None:
    pg = sampledata.schema_and_rows("postgresql")
    my = sampledata.schema_and_rows("mariadb")
    assert pg.replace("TIMESTAMP", "DATETIME") == my
    assert pg.count("INSERT INTO") == 3


def test_office_files(tmp_path: Path) -> None:
    count = sampledata.write_office_files(tmp_path)
    assert count == sum(1 for p in tmp_path.rglob("*") if p.is_file())
    assert count >= 150

"""``invoke docs.build --offline [--check]``: exit codes 0 (up to date), 2 (differs), 1 (error)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from dzict.docs.discovery import Discovery

ROOT = Path(__file__).resolve().parents[2]


def _invoke(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "invoke", "docs.build", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_offline_build_and_check(lab_template: Path, healthy: Discovery, tmp_path: Path) -> None:
    out = tmp_path / "network"
    common = ("-i", str(lab_template), "--out", str(out), "--offline")
    missing = _invoke(*common, "--check")
    assert missing.returncode == 1, missing.stderr
    assert "no discovery file" in missing.stderr
    healthy.save(out / "discovery.json")
    assert _invoke(*common, "--check").returncode == 2
    built = _invoke(*common)
    assert built.returncode == 0, built.stderr
    assert "WAN links seen as intended" in built.stdout
    assert (out / "maps" / "dzongkhag.png").is_file()
    assert _invoke(*common, "--check").returncode == 0
    page = out / "offices" / "guma.md"
    page.write_text(page.read_text() + "edited by hand\n")
    changed = _invoke(*common, "--check")
    assert changed.returncode == 2
    assert f"differs: {page}" in changed.stdout


def test_country_offline_build_and_check(lab_template: Path, tmp_path: Path) -> None:
    from dzict.inventory import load_inventory
    from support.synthetic import healthy_discovery

    country, out = tmp_path / "country", tmp_path / "national"
    shutil.copytree(lab_template, country / "lab")
    shutil.copytree(ROOT / "inventory" / "punakha", country / "punakha")
    for folder, code in (("lab", "lab"), ("punakha", "pnk")):
        healthy_discovery(load_inventory(country / folder)).save(out / code / "discovery.json")
    common = ("--country", str(country), "--out", str(out), "--offline")
    built = _invoke(*common)
    assert built.returncode == 0, built.stderr
    assert "Punakha (PNK)" in built.stdout
    index = (out / "index.md").read_text()
    assert "[Punakha](pnk/index.md)" in index
    assert (out / "pnk" / "maps" / "dzongkhag.png").is_file()
    assert _invoke(*common, "--check").returncode == 0
    both = _invoke(*common, "-i", str(country / "lab"))
    assert both.returncode == 1
    assert "no --inventory or --discovery" in both.stderr
    assert "Traceback" not in both.stderr

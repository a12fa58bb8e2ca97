"""Officers' accounts: argon2 hashes in a 0600 file, lock-out and its end, desk.officer-add."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dzict.desk.accounts import OfficerStore
from dzict.exceptions import LoginRefused, OfficerAccountError

ROOT = Path(__file__).resolve().parents[2]


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_the_file_holds_argon2_hashes_only_and_is_private(tmp_path: Path) -> None:
    store = OfficerStore(tmp_path / "officers.json")
    store.add("pema", "a long enough passphrase", "Pema Choden")
    raw = (tmp_path / "officers.json").read_text()
    assert "a long enough passphrase" not in raw
    account = json.loads(raw)["officers"]["pema"]
    assert account["hash"].startswith("$argon2id$")
    assert os.stat(tmp_path / "officers.json").st_mode & 0o777 == 0o600
    assert store.login("pema", "a long enough passphrase").display == "Pema Choden"


def test_bad_names_short_passwords_and_duplicates_are_refused(tmp_path: Path) -> None:
    store = OfficerStore(tmp_path / "officers.json")
    with pytest.raises(OfficerAccountError, match="at least 12 characters"):
        store.add("pema", "short")
    with pytest.raises(OfficerAccountError, match="officer name 'Pema Choden'"):
        store.add("Pema Choden", "a long enough passphrase")
    store.add("pema", "a long enough passphrase")
    with pytest.raises(OfficerAccountError, match="exists"):
        store.add("pema", "another long passphrase")
    store.add("pema", "another long passphrase", replace=True)
    assert store.login("pema", "another long passphrase").name == "pema"


def test_the_lock_ends_after_its_minutes_and_a_success_resets_the_count(tmp_path: Path) -> None:
    clock = Clock()
    store = OfficerStore(tmp_path / "officers.json", lockout=3, minutes=15, clock=clock)
    store.add("pema", "a long enough passphrase")
    for _ in range(2):
        with pytest.raises(LoginRefused, match="wrong"):
            store.login("pema", "wrong guess")
    store.login("pema", "a long enough passphrase")  # resets the count
    for _ in range(2):
        with pytest.raises(LoginRefused, match=r"wrong$"):
            store.login("pema", "wrong guess")
    with pytest.raises(LoginRefused, match="locked for 15 minutes"):
        store.login("pema", "wrong guess")
    clock.now += timedelta(minutes=14)
    with pytest.raises(LoginRefused, match="locked until 09:15 UTC"):
        store.login("pema", "a long enough passphrase")
    clock.now += timedelta(minutes=2)
    assert store.login("pema", "a long enough passphrase").name == "pema"


def _invoke(args: list[str], tmp_path: Path, stdin: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DZICT_DESK_OFFICERS": str(tmp_path / "officers.json")}
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
        timeout=120,
    )


def test_officer_add_reads_the_password_from_stdin_never_a_flag(tmp_path: Path) -> None:
    added = _invoke(
        ["desk.officer-add", "--name", "dorji", "--display", "Dorji Wangmo"],
        tmp_path,
        "dorji's long passphrase\n",
    )
    assert added.returncode == 0, added.stderr
    assert "officer dorji (Dorji Wangmo) saved" in added.stdout
    assert OfficerStore(tmp_path / "officers.json").login("dorji", "dorji's long passphrase")
    again = _invoke(["desk.officer-add", "--name", "dorji"], tmp_path, "whatever long one\n")
    assert again.returncode == 1
    assert again.stderr.strip() == "officer dorji exists (use --replace to reset)"
    short = _invoke(["desk.officer-add", "--name", "sonam"], tmp_path, "short\n")
    assert short.stderr.strip() == "the password must have at least 12 characters"
    flag = _invoke(["desk.officer-add", "--name", "sonam", "--password", "x"], tmp_path, "")
    assert flag.returncode != 0
    assert "No idea what '--password' is" in flag.stderr

"""Config backups in git: secrets and volatile lines filtered, a commit only on change."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from dzict.exceptions import ConfigStoreError
from dzict.wan.configstore import REMOVED, ConfigStore, filter_config, mask_diff, store_path

IOS_RUNNING = """Building configuration...

Current configuration : 4123 bytes
!
! Last configuration change at 10:22:01 BTT Mon Mar 4 2026 by ictadmin
! NVRAM config last updated at 10:22:05 BTT Mon Mar 4 2026 by ictadmin
!
version 17.9
hostname pnk-hq-rtr01
enable secret 9 $9$abcdefghijklmn$0123456789012345678901234567890123456789012
username ictadmin privilege 15 secret 9 $9$tbk1Wrc6kk4J9P$htBuBqh.5b8uDIeAvQkdCpGiEZ5DonMT
username backup password 7 0822455D0A16
interface GigabitEthernet0/1/0
 ip ospf message-digest-key 1 md5 7 045802150C2E
 ip ospf authentication-key 7 0007421A
snmp-server community pnk-ro-2026 RO
tacacs-server key 7 1234ABCD
ntp clock-period 17179869
line vty 0 4
 password 7 0822455D0A16
end
"""

FRR_RUNNING = """Building configuration...

Current configuration:
!
frr version 8.4.4
frr defaults traditional
hostname dzlab-hq-rtr
password zebra
enable password zebra
!
interface wan1
 ip ospf authentication-key s3cret
 ip ospf message-digest-key 1 md5 s3cret
exit
!
key chain wan
 key 1
  key-string verysecret
 exit
exit
end
"""


def test_ios_secrets_and_volatile_lines_are_filtered() -> None:
    text = filter_config(IOS_RUNNING)
    for secret in ("$9$", "0822455D0A16", "pnk-ro-2026", "045802150C2E", "0007421A", "1234ABCD"):
        assert secret not in text
    for volatile in ("Building", "Current configuration", "Last configuration", "NVRAM", "clock"):
        assert volatile not in text
    lines = text.splitlines()
    assert lines[0] == "!"
    assert f"username ictadmin privilege 15 secret 9 {REMOVED}" in lines
    assert f"username backup password 7 {REMOVED}" in lines
    assert f"enable secret 9 {REMOVED}" in lines
    assert f"snmp-server community {REMOVED} RO" in lines
    assert f" ip ospf message-digest-key 1 md5 7 {REMOVED}" in lines
    assert f" password 7 {REMOVED}" in lines
    assert "hostname pnk-hq-rtr01" in lines
    assert "version 17.9" in lines


def test_frr_secrets_and_version_are_filtered() -> None:
    lines = filter_config(FRR_RUNNING).splitlines()
    assert not [
        line for line in lines if "zebra" in line or "s3cret" in line or "verysecret" in line
    ]
    assert "frr defaults traditional" in lines
    assert " key 1" in lines
    assert f"  key-string {REMOVED}" in lines
    assert not [line for line in lines if line.startswith("frr version")]


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout


def test_commit_only_on_change_with_ticket_in_message(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "backups")
    first = store.save({"r1": FRR_RUNNING, "r2": IOS_RUNNING}, "wan.backup LAB-2026-0001")
    assert first.changed == ("r1", "r2")
    assert sorted(p.name for p in store.path.glob("*.cfg")) == ["r1.cfg", "r2.cfg"]
    again = store.save({"r1": FRR_RUNNING, "r2": IOS_RUNNING}, "wan.backup LAB-2026-0002")
    assert again.changed == ()
    assert again.commit == first.commit
    # only a volatile line differs: still no commit
    noisy = IOS_RUNNING.replace("4123 bytes", "4124 bytes").replace("17179869", "17179870")
    assert store.save({"r2": noisy}, "noise").changed == ()
    changed = store.save({"r1": FRR_RUNNING.replace("wan1", "wan2")}, "wan.apply LAB-2026-0003")
    assert changed.changed == ("r1",)
    assert changed.commit != first.commit
    subjects = _git(store.path, "log", "--format=%s").splitlines()
    assert subjects == ["wan.apply LAB-2026-0003", "wan.backup LAB-2026-0001"]
    assert "interface wan2" in store.read("r1")
    assert "interface wan1" in store.read("r1", first.commit)
    assert [s for _, s in store.history("r2")] == ["wan.backup LAB-2026-0001"]


def test_store_path_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DZICT_CONFIG_BACKUPS", raising=False)
    assert store_path() == Path("var/config-backups")
    assert store_path(None, "x/y") == Path("x/y")
    monkeypatch.setenv("DZICT_CONFIG_BACKUPS", str(tmp_path))
    assert store_path(None, "x/y") == tmp_path
    assert store_path("given", "x/y") == Path("given")


def test_bad_device_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigStoreError, match="not a device name"):
        ConfigStore(tmp_path).save({"../etc/passwd": "x"}, "m")


def test_diffs_shown_and_logged_carry_no_secret() -> None:
    diff = (
        "+username ictadmin privilege 15 secret 9 $9$tbk1Wrc6kk4J9P$htBuBqh\n"
        "-snmp-server community old-community RO\n"
        "+snmp-server community pnk-ro-2026 RO\n"
        "+ ip ospf message-digest-key 1 md5 s3cret\n"
        "+hostname pnk-hq-rtr01\n"
    )
    masked = mask_diff(diff)
    assert masked.splitlines() == [
        f"+username ictadmin privilege 15 secret 9 {REMOVED}",
        f"-snmp-server community {REMOVED} RO",
        f"+snmp-server community {REMOVED} RO",
        f"+ ip ospf message-digest-key 1 md5 {REMOVED}",
        "+hostname pnk-hq-rtr01",
    ]
    assert mask_diff("") == ""

"""Getters of the Linux host's services: NTP, SNMP and user accounts."""

from __future__ import annotations

from napalm.base import models

from napalm_frr import linux
from napalm_frr.base import DriverBase
from napalm_frr.commands import (
    CHRONY_CONF,
    GROUPS,
    PASSWD,
    SHADOW,
    SHELLS,
    SNMPD_CONF,
    SNMPD_CONF_D,
    TIMESYNCD_CONF,
)


class HostGetters(DriverBase):
    """get_ntp_servers, get_ntp_peers, get_snmp_information and get_users."""

    def _ntp_sources(self, kind: str) -> dict[str, models.NTPServerDict]:
        """chrony's sources when chrony is configured, else systemd-timesyncd's servers."""
        chrony, timesyncd = self._device().run_many([CHRONY_CONF, TIMESYNCD_CONF])
        if chrony.exit_status == 0:
            return linux.chrony_sources(chrony.stdout, kind)
        return linux.timesyncd_servers(timesyncd.stdout) if kind == "server" else {}

    def get_ntp_servers(self) -> dict[str, models.NTPServerDict]:
        """NTP servers (and pools) of the host's time service: chrony, else systemd-timesyncd."""
        return self._ntp_sources("server")

    def get_ntp_peers(self) -> dict[str, models.NTPPeerDict]:
        """NTP peers of chrony's configuration (`peer` lines); timesyncd has none."""
        return {address: {} for address in self._ntp_sources("peer")}

    def get_snmp_information(self) -> models.SNMPDict:
        """snmpd's location, contact and communities; the empty shape without snmpd.conf."""
        main, drop_ins = self._device().run_many([SNMPD_CONF, SNMPD_CONF_D])
        if main.exit_status != 0:
            return linux.snmp_information("")
        extra = drop_ins.stdout if drop_ins.exit_status == 0 else ""
        return linux.snmp_information(main.stdout + "\n" + extra)

    def get_users(self) -> dict[str, models.UsersDict]:
        """Every account with a login shell: level, password hash, authorized SSH keys."""
        passwd, group_db, shells = self._run_many([PASSWD, GROUPS, SHELLS])
        accounts = linux.login_users(passwd, shells)
        results = self._device().run_many(
            [SHADOW, *(linux.authorized_keys_command(user) for user in accounts)]
        )
        shadow = results[0].stdout if results[0].exit_status == 0 else ""
        keys = {
            user.name: result.stdout if result.exit_status == 0 else ""
            for user, result in zip(accounts, results[1:], strict=True)
        }
        return linux.users(accounts, group_db, shadow, keys)

"""The shell commands the FRR driver runs on the router.

The recorded-output tests name their files after these strings.
"""

from __future__ import annotations

STARTUP_CONFIG = "/etc/frr/frr.conf"

# The commands the getters run; the recorded-output tests name their files after these.
SHOW_VERSION = "vtysh -c 'show version'"
SHOW_INTERFACE_JSON = "vtysh -c 'show interface json'"
IP_LINKS = "ip -json link show"
PID1_AGE = "ps -o etimes= -p 1"
MACHINE = "uname -m"
MACHINE_ID = "cat /etc/machine-id"
DOMAINNAME = "cat /proc/sys/kernel/domainname"
DEVICE_CLOCK = "date '+%Y/%m/%d %H:%M:%S.%2N'"
IP_ADDRESSES = "ip -json address show"
LLDP_NEIGHBORS = "lldpcli -f json show neighbors details"
SHOW_RUNNING = "vtysh -c 'show running-config no-header'"
SHOW_STARTUP = f"cat {STARTUP_CONFIG}"
IP_NEIGH4 = "ip -4 -json -statistics neigh show"
IP_NEIGH6 = "ip -6 -json -statistics neigh show"
IP_LINK_DETAILS = "ip -json -details link show"
IP_LINK_STATS = "ip -json -statistics -statistics link show"
BGP_SUMMARY = "vtysh -c 'show bgp vrf all summary json'"
BGP_NEIGHBORS = "vtysh -c 'show bgp vrf all neighbors json'"
CHRONY_CONF = (
    r"find /etc/chrony -maxdepth 2 -type f \( -name '*.conf' -o -name '*.sources' \) "
    "-exec cat {} +"
)
TIMESYNCD_CONF = (
    "find /etc/systemd/timesyncd.conf /etc/systemd/timesyncd.conf.d -maxdepth 1 -type f "
    "-name '*.conf' -exec cat {} +"
)
SNMPD_CONF = "cat /etc/snmp/snmpd.conf"
SNMPD_CONF_D = "find /etc/snmp/snmpd.conf.d -maxdepth 1 -type f -name '*.conf' -exec cat {} +"
PASSWD = "getent passwd"
GROUPS = "getent group"
SHELLS = "cat /etc/shells"
SHADOW = "cat /etc/shadow"
TRACEROUTE_PROBES = 3

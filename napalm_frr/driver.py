"""NAPALM driver for FRRouting (platform `frr`) on a Linux router reached over SSH.

Configuration follows NAPALM's life cycle with FRR's own tools on the router:

* load_replace_candidate / load_merge_candidate upload the candidate into the state directory
  (default /var/lib/dzict-napalm) and check it with `vtysh -C -f` (a true syntax check);
* compare_config runs `frr-reload.py --test` and returns a '-'/'+' diff;
* commit_config applies with `frr-reload.py --reload` and writes /etc/frr/frr.conf. With
  `revert_in` it leaves frr.conf alone and starts a timer ON THE ROUTER (a detached shell in
  its own session) that restores the configuration saved before the commit after `revert_in`
  seconds, whether or not the control node is still there. confirm_commit claims the pending
  commit (an atomic rename of the state file, so the timer and the confirmation cannot both
  win), stops the timer and writes frr.conf;
* rollback restores the configuration saved before the last commit.

The SSH user must be able to run vtysh and frr-reload.py and write the state directory (root on
the lab routers).
"""

from __future__ import annotations

import ipaddress
import json
import shlex
from pathlib import Path
from typing import Any, Literal

from napalm.base import NetworkDriver, models
from napalm.base import constants as napalm_constants
from napalm.base.exceptions import (
    CommandErrorException,
    CommitConfirmException,
    CommitError,
    ConnectionClosedException,
    MergeConfigException,
    ReplaceConfigException,
)
from napalm.base.helpers import sanitize_configs

from napalm_frr import bgp, linux, parsers, routing
from napalm_frr.exceptions import DriverOptionError
from napalm_frr.ssh import CommandResult, SSHConnection, Transport

__all__ = ["FRRDriver"]

DEFAULT_STATE_DIR = "/var/lib/dzict-napalm"
DEFAULT_FRR_RELOAD = "/usr/lib/frr/frr-reload.py"
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

OPTIONAL_ARGS = {
    "port": "SSH port (22)",
    "key_file": "private key file for the SSH login",
    "known_hosts_file": "known_hosts file holding the router's host key (unknown keys refused)",
    "state_dir": f"directory on the router for candidates and commit state ({DEFAULT_STATE_DIR})",
    "frr_reload": f"path of frr-reload.py on the router ({DEFAULT_FRR_RELOAD})",
    "ssh_config_file": "accepted because nornir_napalm always passes it; not read",
}

_SYNTAX_CHECK_FAILED = 2  # `vtysh -C` exit status for a configuration it rejects

# Runs detached on the router: waits, then restores the saved configuration unless
# confirm_commit or rollback renamed the pending file away first.
_REVERT_SCRIPT = """#!/bin/sh
# Reverts an unconfirmed commit of the dzict FRR NAPALM driver $1 seconds after it applied
# (or after 120 s if the reload never finished, e.g. its client died during it).
D=$(dirname "$0")
echo $$ > "$D/revert.pid"
i=0
while [ ! -e "$D/applied" ] && [ $i -lt 600 ]; do sleep 0.2; i=$((i + 1)); done
sleep "$1"
mv "$D/pending" "$D/reverting" 2>/dev/null || exit 0
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) reverting $(cat "$D/reverting")" >> "$D/history.log"
{frr_reload} --reload "$D/rollback.conf" >> "$D/revert.log" 2>&1
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) reverted $(cat "$D/reverting")" >> "$D/history.log"
rm -f "$D/reverting" "$D/revert.pid" "$D/applied"
"""


class FRRDriver(NetworkDriver):  # type: ignore[misc]  # napalm ships no type information
    """NAPALM driver for FRRouting over SSH (paramiko, strict host key checking)."""

    platform = "frr"

    def __init__(
        self,
        hostname: str,
        username: str,
        password: str,
        timeout: int = 60,
        optional_args: dict[str, Any] | None = None,
    ) -> None:
        """Keep the connection settings; nothing is contacted until open()."""
        self.hostname = hostname
        self.username = username
        self.password = password
        self.timeout = timeout
        args = dict(optional_args or {})
        unknown = sorted(set(args) - set(OPTIONAL_ARGS))
        if unknown:
            raise DriverOptionError(
                f"{hostname}: unknown optional_args {', '.join(unknown)}; "
                f"known: {', '.join(sorted(OPTIONAL_ARGS))}"
            )
        self.port = int(args.get("port") or 22)
        self.key_file: str | None = args.get("key_file")
        self.known_hosts_file: str | None = args.get("known_hosts_file")
        self.state_dir: str = args.get("state_dir") or DEFAULT_STATE_DIR
        self.frr_reload: str = args.get("frr_reload") or DEFAULT_FRR_RELOAD
        for name in ("key_file", "known_hosts_file"):
            value = args.get(name)
            if value is not None and not Path(value).expanduser().is_file():
                raise DriverOptionError(f"{hostname}: {name} {value} is not a file")
        self._transport: Transport | None = None
        self._candidate: Literal["replace", "merge"] | None = None

    # -- connection -------------------------------------------------------------------------

    def open(self) -> None:
        """Open the SSH connection (napalm ConnectionException and friends on failure)."""
        self._transport = SSHConnection.connect(
            self.hostname,
            self.username,
            port=self.port,
            password=self.password,
            key_file=self.key_file and str(Path(self.key_file).expanduser()),
            known_hosts_file=self.known_hosts_file
            and str(Path(self.known_hosts_file).expanduser()),
            timeout=self.timeout,
        )

    def close(self) -> None:
        """Close the SSH connection."""
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def is_alive(self) -> models.AliveDict:
        """Whether the SSH connection is up."""
        return {"is_alive": self._transport is not None and self._transport.is_active()}

    def _device(self) -> Transport:
        """The open connection; a method, not a property, so that introspecting an unconnected
        driver (inspect.getmembers, as NAPALM's tests do) does not raise."""
        if self._transport is None:
            raise ConnectionClosedException(f"{self.hostname}: not connected; call open()")
        return self._transport

    def _path(self, name: str) -> str:
        return shlex.quote(f"{self.state_dir}/{name}")

    def _checked(self, command: str, result: CommandResult) -> CommandResult:
        if result.exit_status != 0:
            detail = (result.stderr.strip() or result.stdout.strip()).splitlines()[-3:]
            raise CommandErrorException(
                f"{self.hostname}: `{command}` exited with {result.exit_status}: "
                + " / ".join(detail)
            )
        return result

    def _run(self, command: str, stdin: str | None = None) -> str:
        return self._checked(command, self._device().run(command, stdin)).stdout

    def _run_many(self, commands: list[str]) -> list[str]:
        results = self._device().run_many(commands)
        return [self._checked(c, r).stdout for c, r in zip(commands, results, strict=True)]

    # -- getters ----------------------------------------------------------------------------

    def get_facts(self) -> models.FactsDict:
        """Hostname, FRR version, uptime, interfaces (see parsers.parse_facts)."""
        # One vtysh call only: each one costs a vtysh start (the slow part of a getter).
        results = self._device().run_many(
            [SHOW_VERSION, IP_LINKS, PID1_AGE, MACHINE, MACHINE_ID, DOMAINNAME]
        )
        version, links, age, machine = (
            self._checked(c, r).stdout
            for c, r in zip([SHOW_VERSION, IP_LINKS, PID1_AGE, MACHINE], results[:4], strict=True)
        )
        # /etc/machine-id and the domain name are optional on a router.
        machine_id = results[4].stdout if results[4].exit_status == 0 else ""
        domain = results[5].stdout if results[5].exit_status == 0 else ""
        return parsers.parse_facts(
            show_version=version,
            ip_links_json=links,
            pid1_seconds=age,
            machine=machine,
            machine_id=machine_id,
            domainname=domain,
        )

    def get_interfaces(self) -> dict[str, models.InterfaceDict]:
        """Every interface zebra knows, from `show interface json`."""
        interfaces, now = self._run_many([SHOW_INTERFACE_JSON, DEVICE_CLOCK])
        return parsers.parse_interfaces(interfaces, now)

    def get_interfaces_ip(self) -> dict[str, models.InterfacesIPDict]:
        """Every address the kernel has, per interface and family."""
        return parsers.parse_interfaces_ip(self._run(IP_ADDRESSES))

    def get_lldp_neighbors(self) -> dict[str, list[models.LLDPNeighborDict]]:
        """LLDP neighbours per local port (lldpd)."""
        return {
            port: [{"hostname": n["remote_system_name"], "port": n["remote_port"]} for n in nbrs]
            for port, nbrs in self.get_lldp_neighbors_detail().items()
        }

    def get_lldp_neighbors_detail(self, interface: str = "") -> models.LLDPNeighborsDetailDict:
        """LLDP neighbours in detail, from `lldpcli -f json`; only `interface` if given."""
        neighbors = parsers.lldp_neighbors(self._run(LLDP_NEIGHBORS))
        if interface:
            return {interface: neighbors[interface]} if interface in neighbors else {}
        return neighbors

    def get_config(
        self,
        retrieve: str = "all",
        full: bool = False,
        sanitized: bool = False,
        format: str = "text",
    ) -> models.ConfigDict:
        """Running (vtysh), startup (/etc/frr/frr.conf) and candidate configuration."""
        if format != "text":
            raise NotImplementedError("FRR configuration is text only")
        if full:
            raise NotImplementedError("FRR has no running configuration with defaults shown")
        if retrieve not in ("all", "running", "startup", "candidate"):
            raise ValueError(f"retrieve must be all, running, startup or candidate: {retrieve}")
        wanted = {
            "running": SHOW_RUNNING,
            "startup": SHOW_STARTUP,
            "candidate": f"cat {self._path('candidate.conf')}",
        }
        if self._candidate is None or retrieve not in ("all", "candidate"):
            del wanted["candidate"]
        else:
            self._build_candidate()
        if retrieve != "all":
            wanted = {k: v for k, v in wanted.items() if k == retrieve}
        outputs = dict(zip(wanted, self._run_many(list(wanted.values())), strict=True))
        configs: models.ConfigDict = {
            "running": outputs.get("running", ""),
            "startup": outputs.get("startup", ""),
            "candidate": outputs.get("candidate", ""),
        }
        if sanitized:
            return sanitize_configs(configs, parsers.FRR_SANITIZE_FILTERS)
        return configs

    def cli(self, commands: list[str], encoding: str = "text") -> dict[str, str | dict[str, Any]]:
        """Run vtysh commands; with encoding="json", ask FRR for JSON and parse it."""
        if encoding not in ("text", "json"):
            raise NotImplementedError(f"encoding {encoding} (text or json)")
        lines = {
            c: c if encoding == "text" or c.rstrip().endswith(" json") else f"{c} json"
            for c in commands
        }
        vtysh = {c: f"vtysh -c {shlex.quote(line)}" for c, line in lines.items()}
        results = self._device().run_many(list(vtysh.values()))
        output: dict[str, str | dict[str, Any]] = {}
        for command, result in zip(vtysh, results, strict=True):
            if result.exit_status != 0:
                raise CommandErrorException(
                    f"{self.hostname}: {command}: {(result.stdout + result.stderr).strip()}"
                )
            output[command] = json.loads(result.stdout) if encoding == "json" else result.stdout
        return output

    def ping(  # noqa: PLR0917  # NetworkDriver.ping's signature
        self,
        destination: str,
        source: str = napalm_constants.PING_SOURCE,
        ttl: int = napalm_constants.PING_TTL,
        timeout: int = napalm_constants.PING_TIMEOUT,
        size: int = napalm_constants.PING_SIZE,
        count: int = napalm_constants.PING_COUNT,
        vrf: str = napalm_constants.PING_VRF,
        source_interface: str = napalm_constants.PING_SOURCE_INTERFACE,
    ) -> models.PingResultDict:
        """Ping from the router (iputils ping, 0.2 s apart); NAPALM's success/error shape."""
        command = ["ping", "-n", "-c", str(count), "-i", "0.2", "-W", str(timeout)]
        command += ["-s", str(size), "-t", str(ttl)]
        if source or source_interface:
            command += ["-I", source or source_interface]
        command += ["--", destination]
        if vrf:
            command = ["ip", "vrf", "exec", vrf, *command]
        result = self._device().run(shlex.join(command))
        # iputils ping: 0 replies received, 1 no reply, 2 any other error.
        if result.exit_status not in (0, 1):
            return {"error": (result.stderr.strip() or result.stdout.strip())}
        return {"success": parsers.parse_ping(result.stdout)}

    def get_arp_table(self, vrf: str = "") -> list[models.ARPTableDict]:
        """IPv4 neighbours the kernel resolved, of one VRF if given ("default" for the main one)."""
        neighbors, links = self._run_many([IP_NEIGH4, IP_LINK_DETAILS])
        return linux.arp_table(neighbors, links, vrf)

    def get_ipv6_neighbors_table(self) -> list[models.IPV6NeighborDict]:
        """IPv6 neighbours the kernel resolved, with the kernel's state (REACHABLE, STALE...)."""
        return linux.ipv6_neighbors(self._run(IP_NEIGH6))

    def get_interfaces_counters(self) -> dict[str, models.InterfaceCounterDict]:
        """The kernel's counters of every interface (-1 where Linux does not count)."""
        return linux.interfaces_counters(self._run(IP_LINK_STATS))

    def get_network_instances(self, name: str = "") -> dict[str, models.NetworkInstanceDict]:
        """The default instance and every kernel VRF with its interfaces; only `name` if given."""
        instances = linux.network_instances(self._run(IP_LINK_DETAILS))
        if name:
            return {name: instances[name]} if name in instances else {}
        return instances

    def _route_commands(self, destination: str, longer: bool, vrfs: list[str]) -> list[str]:
        if destination:
            network = ipaddress.ip_network(destination, strict=False)
            families = ["ip" if network.version == 4 else "ipv6"]
            target = f" {network if longer else destination}"
            target += " longer-prefixes" if longer else ""
        else:
            families, target = ["ip", "ipv6"], ""
        return [
            f"vtysh -c {shlex.quote(f'show {family} route vrf {vrf}{target} json')}"
            for vrf in vrfs
            for family in families
        ]

    def _bgp_attributes(
        self, zebra: list[dict[str, Any]]
    ) -> dict[tuple[str, str], routing.BgpRouteAttributes]:
        """bgpd's path attributes of every BGP route among `zebra`'s, by (vrf, prefix)."""
        wanted = sorted({(r["vrfName"], r["prefix"]) for r in zebra if r["protocol"] == "bgp"})
        if not wanted:
            return {}
        commands = [
            "vtysh -c "
            + shlex.quote(
                f"show bgp vrf {vrf} {'ipv6' if ':' in prefix else 'ipv4'} unicast {prefix} json"
            )
            for vrf, prefix in wanted
        ]
        summary, *paths = self._run_many([BGP_SUMMARY, *commands])
        local_as = routing.local_as_numbers(summary)
        return {
            (vrf, prefix): routing.BgpRouteAttributes(local_as.get(vrf, 0), json.loads(text))
            for (vrf, prefix), text in zip(wanted, paths, strict=True)
        }

    def get_route_to(
        self, destination: str = "", protocol: str = "", longer: bool = False
    ) -> dict[str, list[models.RouteDict]]:
        """Routes to `destination` (longest match; more specific ones too with `longer`) in
        every VRF, from zebra; every route when `destination` is empty. One entry per next hop;
        BGP routes carry bgpd's path attributes."""
        vrfs = sorted(set(linux.vrf_members(self._run(IP_LINK_DETAILS)).values()))
        commands = self._route_commands(destination, longer, vrfs)
        zebra = [
            route
            for output in self._run_many(commands)
            for route in routing.zebra_routes(output, protocol)
        ]
        return routing.routes(zebra, self._bgp_attributes(zebra))

    def get_bgp_neighbors(self) -> dict[str, models.BGPStateNeighborsPerVRFDict]:
        """BGP peers per VRF ("global": the default one) from bgpd; {} without BGP."""
        summary, neighbors = self._run_many([BGP_SUMMARY, BGP_NEIGHBORS])
        return bgp.bgp_neighbors(summary, neighbors)

    def get_bgp_neighbors_detail(
        self, neighbor_address: str = ""
    ) -> dict[str, dict[int, list[models.PeerDetailsDict]]]:
        """Every BGP peer (or one) in detail, by VRF and remote AS; {} without BGP."""
        running, neighbors = self._run_many([SHOW_RUNNING, BGP_NEIGHBORS])
        commands = bgp.prefix_count_commands(neighbors)
        counts = self._run_many([f"vtysh -c {shlex.quote(c)}" for c in commands.values()])
        return bgp.bgp_neighbors_detail(
            running, neighbors, dict(zip(commands, counts, strict=True)), neighbor_address
        )

    def get_bgp_config(
        self, group: str = "", neighbor: str = ""
    ) -> dict[str, models.BGPConfigGroupDict]:
        """The BGP configuration of the default VRF from the running configuration, by peer
        group ("_": global settings and neighbours in no group); {} without BGP."""
        return bgp.bgp_config(self._run(SHOW_RUNNING), group, neighbor)

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

    def traceroute(
        self,
        destination: str,
        source: str = napalm_constants.TRACEROUTE_SOURCE,
        ttl: int = napalm_constants.TRACEROUTE_TTL,
        timeout: int = napalm_constants.TRACEROUTE_TIMEOUT,
        vrf: str = napalm_constants.TRACEROUTE_VRF,
    ) -> models.TracerouteResultDict:
        """traceroute -n from the router (3 probes a hop); NAPALM's success/error dict."""
        command = ["traceroute", "-n", "-q", str(TRACEROUTE_PROBES), "-w", str(timeout)]
        command += ["-m", str(ttl)]
        if source:
            command += ["-s", source]
        command += ["--", destination]
        if vrf:
            command = ["ip", "vrf", "exec", vrf, *command]
        result = self._device().run(shlex.join(command))
        if result.exit_status != 0:
            said = (result.stderr.strip() or result.stdout.strip()).splitlines()
            return {"error": said[0] if said else f"traceroute exited with {result.exit_status}"}
        return {"success": linux.traceroute(result.stdout, timeout)}

    # -- configuration ----------------------------------------------------------------------

    @staticmethod
    def _candidate_text(filename: str | None, config: str | None) -> str | None:
        if filename is not None:
            return Path(filename).read_text()
        return config

    def _load(self, mode: Literal["replace", "merge"], text: str | None) -> None:
        error = ReplaceConfigException if mode == "replace" else MergeConfigException
        if text is None:
            raise error(f"{self.hostname}: give a filename or a config to load")
        target = self._path("candidate.conf" if mode == "replace" else "merge.conf")
        command = (
            f"umask 077 && mkdir -p {shlex.quote(self.state_dir)} && cat > {target} && "
            f"vtysh -C -f {target}"
        )
        result = self._device().run(command, stdin=text)
        if result.exit_status == _SYNTAX_CHECK_FAILED:
            self._candidate = None
            errors = parsers.syntax_errors(result.stderr + result.stdout)
            raise error(
                f"{self.hostname}: FRR rejects the {mode} candidate: "
                + ("; ".join(errors) or result.stderr.strip())
            )
        self._checked(command, result)
        self._candidate = mode

    def load_replace_candidate(
        self, filename: str | None = None, config: str | None = None
    ) -> None:
        """Upload a whole new configuration and check its syntax (ReplaceConfigException)."""
        self._load("replace", self._candidate_text(filename, config))

    def load_merge_candidate(self, filename: str | None = None, config: str | None = None) -> None:
        """Upload lines to add to the running configuration and check their syntax."""
        self._load("merge", self._candidate_text(filename, config))

    def _build_candidate(self) -> None:
        """For a merge, the candidate is the running configuration followed by the lines."""
        if self._candidate == "merge":
            self._run(
                f"{{ {SHOW_RUNNING}; echo '!'; cat {self._path('merge.conf')}; }} "
                f"> {self._path('candidate.conf')}"
            )

    def compare_config(self) -> str:
        """What commit_config would change, as '-'/'+' lines ('' when nothing)."""
        if self._candidate is None:
            return ""
        self._build_candidate()
        return parsers.render_reload_diff(
            self._run(f"{shlex.quote(self.frr_reload)} --test {self._path('candidate.conf')}")
        )

    def discard_config(self) -> None:
        """Forget the candidate (on the router too)."""
        self._run(f"rm -f {self._path('candidate.conf')} {self._path('merge.conf')}")
        self._candidate = None

    def _log(self, event: str) -> None:
        line = shlex.quote(f"{self.username} {event}")
        self._run(f'echo "$(date -u +%Y-%m-%dT%H:%M:%SZ)" {line} >> {self._path("history.log")}')

    def commit_config(self, message: str = "", revert_in: int | None = None) -> None:
        """Apply the candidate; with revert_in, the router reverts it unless confirmed in time."""
        if revert_in is not None and (not isinstance(revert_in, int) or revert_in < 1):
            raise CommitConfirmException(f"{self.hostname}: revert_in must be whole seconds >= 1")
        if self.has_pending_commit():
            raise CommitError(f"{self.hostname}: a commit is waiting for confirmation")
        if self._candidate is None:
            raise CommitError(f"{self.hostname}: no candidate loaded")
        self._build_candidate()
        self._run(
            f"{SHOW_RUNNING} > {self._path('rollback.conf.new')} && "
            f"mv {self._path('rollback.conf.new')} {self._path('rollback.conf')}"
        )
        if revert_in is not None:
            self._start_revert_timer(message, revert_in)
        result = self._device().run(self._reload_command(keep_startup=revert_in is not None))
        if result.exit_status != 0:
            if revert_in is not None:
                self._claim_pending("cancelled")
            error = ReplaceConfigException if self._candidate == "replace" else MergeConfigException
            detail = " / ".join(result.stderr.strip().splitlines()[-3:])
            raise error(f"{self.hostname}: frr-reload.py did not apply the candidate: {detail}")
        pending = f" (reverts in {revert_in} s unless confirmed)" if revert_in else ""
        self._log(f"commit {self._candidate}{pending}: {message}")
        self._candidate = None

    def _reload_command(self, *, keep_startup: bool) -> str:
        """frr-reload.py --reload of the candidate; it always writes frr.conf afterwards.

        An unconfirmed commit must not reach the startup configuration (a reboot then reverts
        it too), so with keep_startup frr.conf is put back as it was before the reload, and the
        file `applied` starts the revert timer's countdown.
        """
        reload = f"{shlex.quote(self.frr_reload)} --reload {self._path('candidate.conf')}"
        if not keep_startup:
            return reload
        saved = self._path("startup.conf")
        return (
            f"cp -p {STARTUP_CONFIG} {saved} || exit 1; {reload}; rc=$?; "
            f"cp -p {saved} {STARTUP_CONFIG}; "
            f"if [ $rc = 0 ]; then touch {self._path('applied')}; fi; exit $rc"
        )

    def _start_revert_timer(self, message: str, revert_in: int) -> None:
        state = json.dumps({"revert_in": revert_in, "message": message, "user": self.username})
        script = _REVERT_SCRIPT.replace("{frr_reload}", shlex.quote(self.frr_reload))
        self._run(f"cat > {self._path('revert.sh')}", stdin=script)
        self._run(
            f"rm -f {self._path('revert.pid')} {self._path('applied')} && "
            f"printf '%s\\n' {shlex.quote(state)} > {self._path('pending')} && "
            f"{{ setsid sh {self._path('revert.sh')} {revert_in} "
            "</dev/null >/dev/null 2>&1 & }"
        )

    def _claim_pending(self, claim: str) -> bool:
        """Take the pending commit away from the revert timer and stop it; False if none."""
        result = self._device().run(
            f"mv {self._path('pending')} {self._path(claim)} 2>/dev/null || exit 3; "
            f"p=$(cat {self._path('revert.pid')} 2>/dev/null); "
            f'if [ -n "$p" ]; then kill -TERM -"$p" 2>/dev/null; fi; '
            f"rm -f {self._path(claim)} {self._path('revert.pid')} {self._path('applied')}"
        )
        return result.exit_status == 0

    def has_pending_commit(self) -> bool:
        """Whether a commit waits for confirm_commit (its revert timer still running)."""
        pending, pid = self._path("pending"), self._path("revert.pid")
        result = self._device().run(
            f"[ -f {pending} ] || exit 1; p=$(cat {pid} 2>/dev/null) || exit 0; "
            f'grep -q revert.sh "/proc/$p/cmdline" 2>/dev/null'
        )
        return result.exit_status == 0

    def confirm_commit(self) -> None:
        """Keep the pending commit: stop the revert timer and write /etc/frr/frr.conf."""
        if not self._claim_pending("confirming"):
            raise CommitConfirmException(
                f"{self.hostname}: no commit waits for confirmation (reverted already?)"
            )
        self._run("vtysh -w")
        self._log("confirmed")

    def rollback(self) -> None:
        """Restore the configuration saved before the last commit (stops a pending revert)."""
        rollback = self._path("rollback.conf")
        if self._device().run(f"test -f {rollback}").exit_status != 0:
            raise CommitError(f"{self.hostname}: nothing to roll back to (no commit saved one)")
        self._claim_pending("rolling-back")
        self._run(f"{shlex.quote(self.frr_reload)} --reload --overwrite {rollback}")
        self._log("rolled back")

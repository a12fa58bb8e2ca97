"""Commands run on request from the router: vtysh (cli), ping and traceroute."""

from __future__ import annotations

import json
import shlex
from typing import Any

from napalm.base import constants as napalm_constants
from napalm.base import models
from napalm.base.exceptions import CommandErrorException

from napalm_frr import linux, parsers
from napalm_frr.base import DriverBase
from napalm_frr.commands import TRACEROUTE_PROBES


class Probes(DriverBase):
    """cli, ping and traceroute."""

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

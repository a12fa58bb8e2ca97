"""Test doubles for the WAN jobs: the routers of an inventory as NAPALM devices in memory.

``FakeWan`` stands behind Nornir's own NAPALM connection plugin (``get_network_driver`` is
replaced, nothing else): each router keeps its running config, a loaded candidate and a
commit-confirm whose revert timer runs on a ``FakeClock`` (patched into the modules that read
the time, so a test never sleeps). The post-checks' answers follow from the configs: a router
running its intended config carries its addresses, is Full with every peer that does too over
a link not cut, and answers pings from routers joined to it by such links.

Faults: ``broken`` (the commit goes in, but the interfaces lose their addresses), ``lost``
(the device cannot be reached from its commit until its own timer reverts it, or for ever with
``never_back``), ``cut`` (WAN links by name, ``wan4``).
"""

from __future__ import annotations

import difflib
import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from napalm.base.exceptions import (
    CommitConfirmException,
    CommitError,
    ConnectionException,
)

from dzict.inventory import Inventory
from dzict.wan.intent import RouterIntent, all_intents
from dzict.wan.render import render

FIRST_START = "frr defaults traditional\nhostname {name}\nno ipv6 forwarding\n!\nend\n"
SERVER_ROLES = ("server", "backup", "mirror")


class FakeClock:
    """``time.time``, ``time.monotonic`` and ``time.sleep`` on a clock that sleeping advances."""

    def __init__(self, start: float = 1_900_000_000.0) -> None:
        self.now = start
        self.slept = 0.0
        self._lock = threading.Lock()

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += max(0.0, seconds)
            self.slept += max(0.0, seconds)


@dataclass
class Router:
    """One router's state, whichever connection reaches it."""

    name: str
    running: str
    candidate: str | None = None
    rollback: str | None = None
    revert_at: float | None = None
    lost_until: float | None = None
    broken: bool = False


@dataclass
class FakeWan:
    """The routers of ``inventory`` in memory; counts every driver call per router."""

    inventory: Inventory
    clock: FakeClock
    intents: dict[str, RouterIntent] = field(init=False)
    intended: dict[str, str] = field(init=False)
    routers: dict[str, Router] = field(init=False)
    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    broken: set[str] = field(default_factory=set)
    lost: set[str] = field(default_factory=set)
    never_back: set[str] = field(default_factory=set)
    cut: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.intents = all_intents(self.inventory)
        self.intended = {n: render(i) for n, i in self.intents.items()}
        self.routers = {n: Router(n, FIRST_START.format(name=n)) for n in self.intents}
        self._owner = self._addresses()
        self._lock = threading.Lock()

    # -- set-up ---------------------------------------------------------------------------

    def converge(self, *names: str) -> None:
        """Put routers (all without names) in their intended config, as a past apply did."""
        for name in names or tuple(self.routers):
            self.routers[name].running = self.intended[name]

    def driver(self, platform: str) -> Any:
        """What ``get_network_driver`` returns: a constructor of connections to our routers."""
        wan = self

        def connect(hostname: str, username: str, password: str, **_: Any) -> FakeDevice:
            return FakeDevice(wan, wan.by_address(hostname))

        return connect

    def by_address(self, address: str) -> str:
        for name in self.routers:
            if str(self.inventory.hosts[name].mgmt_address) == address:
                return name
        raise ConnectionException(f"{address}: no such router")

    def count(self, name: str, method: str) -> int:
        return self.calls[(name, method)]

    # -- what the network does ------------------------------------------------------------

    def at_intent(self, name: str) -> bool:
        return self.routers[name].running == self.intended[name]

    def tick(self, name: str) -> None:
        """The router's own revert timer: past ``revert_at`` it restores the saved config."""
        router = self.routers[name]
        if router.revert_at is not None and self.clock.now >= router.revert_at:
            router.running, router.revert_at = str(router.rollback), None
            router.broken = False
        if router.lost_until is not None and self.clock.now >= router.lost_until:
            router.lost_until = None

    def reachable(self, name: str) -> bool:
        router = self.routers[name]
        return router.lost_until is None or self.clock.now >= router.lost_until

    def up_links(self) -> list[tuple[str, str, str, str, str]]:
        """(link, a, a interface, b, b interface) of links whose ends run their intent."""
        return [
            (link.name, link.a.host, link.a.interface, link.b.host, link.b.interface)
            for link in self.inventory.links
            if link.name not in self.cut
            and all(
                self.at_intent(h) and not self.routers[h].broken for h in (link.a.host, link.b.host)
            )
        ]

    def joined(self, source: str, target: str) -> bool:
        seen, todo = {source}, [source]
        while todo:
            here = todo.pop()
            for _, a, _, b, _ in self.up_links():
                for me, other in ((a, b), (b, a)):
                    if me == here and other not in seen:
                        seen.add(other)
                        todo.append(other)
        return target in seen

    def _addresses(self) -> dict[str, str]:
        """Which router answers for an address: its own LAN addresses, HQ's servers."""
        owner = {}
        for name, intent in self.intents.items():
            for iface in intent.interfaces:
                owner[iface.address.ip] = name
        hq = next(n for n, i in self.intents.items() if i.is_hq)
        for host in self.inventory.hosts.values():
            if host.role in SERVER_ROLES and host.lan_address is not None:
                owner[str(host.lan_address.ip)] = hq
        return owner

    def owner(self, address: str) -> str | None:
        return self._owner.get(address)


class FakeDevice:
    """A NAPALM connection to one router of a FakeWan."""

    def __init__(self, wan: FakeWan, name: str) -> None:
        self.wan = wan
        self.name = name

    @property
    def router(self) -> Router:
        return self.wan.routers[self.name]

    def _call(self, method: str) -> Router:
        self.wan.calls[(self.name, method)] += 1
        self.wan.tick(self.name)
        if not self.wan.reachable(self.name):
            raise ConnectionException(f"{self.name}: no route to host")
        return self.router

    def open(self) -> None:
        self._call("open")

    def close(self) -> None:
        """Nothing to close."""

    def get_config(self, retrieve: str = "all", **_: Any) -> dict[str, str]:
        router = self._call("get_config")
        return {"running": router.running, "startup": "", "candidate": router.candidate or ""}

    def load_replace_candidate(
        self, filename: str | None = None, config: str | None = None
    ) -> None:
        self._call("load_replace_candidate").candidate = config

    def compare_config(self) -> str:
        router = self._call("compare_config")
        if router.candidate is None:
            return ""
        lines = difflib.ndiff(router.running.splitlines(), router.candidate.splitlines())
        return "\n".join(line[0] + line[2:] for line in lines if line[:1] in "+-")

    def discard_config(self) -> None:
        self._call("discard_config").candidate = None

    def commit_config(self, message: str = "", revert_in: int | None = None) -> None:
        router = self._call("commit_config")
        if router.candidate is None:
            raise CommitError(f"{self.name}: no candidate loaded")
        router.rollback, router.running, router.candidate = router.running, router.candidate, None
        router.revert_at = self.wan.clock.now + revert_in if revert_in else None
        router.broken = self.name in self.wan.broken
        if self.name in self.wan.never_back:
            router.lost_until = float("inf")
            router.revert_at = None
        elif self.name in self.wan.lost:
            router.lost_until = router.revert_at

    def confirm_commit(self) -> None:
        router = self._call("confirm_commit")
        if router.revert_at is None:
            raise CommitConfirmException(f"{self.name}: no commit waits for confirmation")
        router.revert_at = None

    def rollback(self) -> None:
        router = self._call("rollback")
        if router.rollback is None:
            raise CommitError(f"{self.name}: nothing to roll back to")
        router.running, router.revert_at, router.broken = router.rollback, None, False

    def get_interfaces_ip(self) -> dict[str, Any]:
        router = self._call("get_interfaces_ip")
        if not self.wan.at_intent(self.name) or router.broken:
            return {}
        intent = self.wan.intents[self.name]
        result: dict[str, Any] = {}
        for iface in (intent.loopback, *intent.interfaces):
            length = int(iface.address.cidr.split("/")[1])
            result.setdefault(iface.name, {"ipv4": {}})["ipv4"][iface.address.ip] = {
                "prefix_length": length
            }
        return result

    def cli(self, commands: list[str], encoding: str = "text") -> dict[str, str]:
        self._call("cli")
        neighbours: dict[str, list[dict[str, str]]] = {}
        for _, a, a_if, b, b_if in self.wan.up_links():
            for me, iface, other in ((a, a_if, b), (b, b_if, a)):
                if me == self.name:
                    rid = self.wan.intents[other].ospf.router_id
                    neighbours[rid] = [{"converged": "Full", "ifaceName": f"{iface}:x"}]
        return {c: json.dumps({"neighbors": neighbours}) for c in commands}

    def ping(self, destination: str, source: str = "", count: int = 5, **_: Any) -> dict[str, Any]:
        self._call("ping")
        target = self.wan.owner(destination)
        ok = (
            self.wan.owner(source) == self.name
            and self.wan.at_intent(self.name)
            and target is not None
            and self.wan.joined(self.name, target)
        )
        return {"success": {"probes_sent": count, "packet_loss": 0 if ok else count}}

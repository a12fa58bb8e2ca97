"""The `router bgp` blocks of FRR's running configuration, parsed into BgpInstance objects.

Pure functions of the text, used by bgp.py for the BGP configuration and the peers' detail.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

__all__ = ["BgpInstance", "FamilyConfig", "PeerConfig", "bgp_instances"]

_CONFIG_FAMILIES = {"ipv4": "inet", "ipv6": "inet6"}
_MULTIHOP_DEFAULT_TTL = 255


@dataclass
class FamilyConfig:
    """A neighbour's or peer group's settings in one address family."""

    route_map_in: str = ""
    route_map_out: str = ""
    max_prefix: list[str] = field(default_factory=list)
    route_reflector_client: bool = False
    next_hop_self: bool = False
    remove_private_as: bool = False


@dataclass
class PeerConfig:
    """One `neighbor` of a `router bgp` block: an address, an interface or a peer group."""

    name: str
    is_group: bool = False
    group: str = ""
    remote_as: str = ""
    description: str = ""
    update_source: str = ""
    local_as: int = 0
    local_as_prepend: bool = True
    password: str = ""
    multihop_ttl: int = 0
    families: dict[str, FamilyConfig] = field(default_factory=dict)

    def family(self, name: str) -> FamilyConfig:
        """The settings of one address family (created empty on first use)."""
        return self.families.setdefault(name, FamilyConfig())


@dataclass
class BgpInstance:
    """One `router bgp ASN [vrf NAME]` block."""

    asn: int
    vrf: str
    router_id: str = ""
    maximum_paths: int = 1
    peers: dict[str, PeerConfig] = field(default_factory=dict)

    def peer(self, name: str) -> PeerConfig:
        """The neighbour or group called `name` (created on first mention)."""
        return self.peers.setdefault(name, PeerConfig(name))

    def effective(self, peer: PeerConfig, attribute: str) -> Any:
        """A neighbour's own setting, else its peer group's."""
        own = getattr(peer, attribute)
        if own or not peer.group or peer.group not in self.peers:
            return own
        return getattr(self.peers[peer.group], attribute)

    def families(self, peer: PeerConfig) -> dict[str, FamilyConfig]:
        """A neighbour's address family settings, each unset one taken from its peer group."""
        group = self.peers.get(peer.group, PeerConfig(peer.group)).families
        merged = {}
        for name in {**group, **peer.families}:
            own = peer.families.get(name, FamilyConfig())
            inherited = group.get(name, FamilyConfig())
            merged[name] = replace(
                own,
                **{
                    f.name: getattr(own, f.name) or getattr(inherited, f.name)
                    for f in fields(FamilyConfig)
                },
            )
        return merged

    def peer_type(self, peer: PeerConfig) -> str:
        """internal or external from the remote AS; a group without one: its members' type."""
        remote = self.effective(peer, "remote_as")
        if remote:
            return _peer_type(remote, self.asn)
        kinds = {
            _peer_type(p.remote_as, self.asn) for p in self.peers.values() if p.group == peer.name
        }
        return kinds.pop() if len(kinds) == 1 else ""


def _neighbor_line(instance: BgpInstance, words: list[str]) -> None:
    """` neighbor NAME ...` at the top of a `router bgp` block."""
    peer = instance.peer(words[1])
    rest = words[3:] if len(words) > 3 and words[2] == "interface" else words[2:]
    if not rest:
        return
    keyword, args = rest[0], rest[1:]
    if keyword == "peer-group":
        if args:
            peer.group = args[0]
        else:
            peer.is_group = True
    elif keyword == "remote-as" and args:
        peer.remote_as = args[0]
    elif keyword == "description":
        peer.description = " ".join(args)
    elif keyword == "update-source" and args:
        peer.update_source = args[0]
    elif keyword == "local-as" and args:
        peer.local_as = int(args[0])
        peer.local_as_prepend = "no-prepend" not in args
    elif keyword == "password" and args:
        peer.password = args[0]
    elif keyword == "ebgp-multihop":
        peer.multihop_ttl = int(args[0]) if args else _MULTIHOP_DEFAULT_TTL


def _family_line(instance: BgpInstance, family: str, words: list[str]) -> None:
    """A line inside `address-family ... unicast` of a `router bgp` block."""
    if words[0] == "maximum-paths" and words[1:] and words[1].isdigit():
        instance.maximum_paths = max(instance.maximum_paths, int(words[1]))
        return
    if words[0] != "neighbor" or len(words) < 3:
        return
    settings = instance.peer(words[1]).family(family)
    keyword, args = words[2], words[3:]
    if keyword == "route-map" and len(args) == 2:
        if args[1] == "in":
            settings.route_map_in = args[0]
        else:
            settings.route_map_out = args[0]
    elif keyword == "maximum-prefix":
        settings.max_prefix = args
    elif keyword == "route-reflector-client":
        settings.route_reflector_client = True
    elif keyword == "next-hop-self":
        settings.next_hop_self = True
    elif keyword == "remove-private-AS":
        settings.remove_private_as = True


def bgp_instances(running_config: str) -> dict[str, BgpInstance]:
    """Every `router bgp` block of the running configuration, by VRF ("default" for none)."""
    instances: dict[str, BgpInstance] = {}
    current: BgpInstance | None = None
    family = ""
    for line in running_config.splitlines():
        words = line.split()
        if line.startswith("router bgp "):
            vrf = words[4] if len(words) > 4 and words[3] == "vrf" else "default"
            current = instances.setdefault(vrf, BgpInstance(int(words[2]), vrf))
            family = ""
        elif current is None or not words:
            continue
        elif not line.startswith(" "):
            current = None
        elif words[0] == "address-family":
            family = words[1] if words[2:] == ["unicast"] else "other"
        elif words[0] == "exit-address-family":
            family = ""
        elif family in _CONFIG_FAMILIES:
            _family_line(current, family, words)
        elif not family and words[:2] == ["bgp", "router-id"] and len(words) > 2:
            current.router_id = words[2]
        elif not family and words[0] == "neighbor" and len(words) > 1:
            _neighbor_line(current, words)
    return instances


def _as_number(value: str, local_as: int) -> int:
    if value == "internal":
        return local_as
    return int(value) if value.isdigit() else 0


def _peer_type(remote_as: str, local_as: int) -> str:
    if remote_as in ("internal", "external"):
        return remote_as
    if not remote_as.isdigit():
        return ""
    return "internal" if int(remote_as) == local_as else "external"


def _prefix_limit(families: dict[str, FamilyConfig]) -> dict[str, Any]:
    """NAPALM's prefix_limit: {inet|inet6: {unicast: {limit, teardown: {threshold, timeout}}}}."""
    limits: dict[str, Any] = {}
    for name, settings in families.items():
        args = settings.max_prefix
        if name not in _CONFIG_FAMILIES or not args or not args[0].isdigit():
            continue
        entry: dict[str, Any] = {"limit": int(args[0])}
        if "warning-only" not in args:
            threshold = int(args[1]) if len(args) > 1 and args[1].isdigit() else 75
            timeout = int(args[args.index("restart") + 1]) if "restart" in args[:-1] else 0
            entry["teardown"] = {"threshold": threshold, "timeout": timeout}
        limits[_CONFIG_FAMILIES[name]] = {"unicast": entry}
    return limits


def _policies(families: dict[str, FamilyConfig]) -> tuple[str, str]:
    """The route maps of the peer's first address family that has one (in, out)."""
    inbound = next((f.route_map_in for f in families.values() if f.route_map_in), "")
    outbound = next((f.route_map_out for f in families.values() if f.route_map_out), "")
    return inbound, outbound

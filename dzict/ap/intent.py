"""The intended Wi-Fi configuration of every access point, computed from the inventory.

Templates (``templates/hostapd``, ``templates/openwrt``) only place the values built here: radio
modes, channel widths, security suites, bridge and interface names are all decided in this
module, which the unit tests check.

Inventory values read here: the site's ``ssids``, ``vlans``, ``wifi_country`` and
``wifi_radios``; the access point's ``ap_name``, ``ap_location``, ``ap_radios`` (already merged
into ``Host.ap`` by the inventory), ``lan_interface`` (the trunk towards the office router) and
``lan_vlan`` (its own management VLAN, which no SSID may use), and ``ap_vlan_transport``:

* ``8021q`` (default, every real access point): each SSID VLAN is tagged on the trunk, its
  bridge port the VLAN interface ``TRUNK.VLAN``;
* ``vxlan`` (the lab): the kernel of the lab machine has no 802.1Q VLAN devices, so each VLAN
  travels on the trunk as a VXLAN segment whose VNI is the VLAN id, between the access point's
  LAN address and the office router's (``lan_address`` and ``lan_gateway``);
* ``interface``: the platform already gives one interface per VLAN, named ``TRUNK.VLAN`` (for
  example one lab network per VLAN); it is only added to its bridge.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from dzict.exceptions import ApIntentError
from dzict.inventory import regdomain
from dzict.inventory.model import Host, Inventory, Radio, Site, Ssid

#: Radio network interface of each band on a Linux (hostapd) access point.
LINUX_RADIO = {"2.4": "wlan0", "5": "wlan1"}
#: UCI ``wifi-device`` section of each band on OpenWrt.
OPENWRT_RADIO = {"2.4": "radio0", "5": "radio1"}
BAND_TAG = {"2.4": "2g", "5": "5g"}
HW_MODE = {"2.4": "g", "5": "a"}
RADIUS_AUTH_PORT = 1812
DEFAULT_TRUNK = "eth0"
TRANSPORTS = ("8021q", "vxlan", "interface")
VXLAN_PORT = 4789


@dataclass(frozen=True)
class RadiusServer:
    """One RADIUS authentication server of an enterprise SSID."""

    address: str
    port: int
    secret: str


@dataclass(frozen=True)
class Bss:
    """One SSID on one radio."""

    ifname: str
    primary: bool
    section: str
    ssid: str
    vlan: int
    bridge: str
    network: str
    hidden: bool
    isolate: bool
    security: str
    wpa: int
    key_mgmt: str | None
    ieee80211w: int
    passphrase: str | None
    sae_password: str | None
    radius: tuple[RadiusServer, ...]
    nas_identifier: str | None
    encryption: str
    utf8: bool


@dataclass(frozen=True)
class RadioPlan:
    """One radio: band, channel, width, power, and the SSIDs it offers."""

    band: str
    tag: str
    interface: str
    device: str
    hw_mode: str
    channel: int
    width: int
    country: str
    tx_power: int | None
    iw_txpower: str
    ieee80211ac: bool
    ieee80211h: bool
    ht_capab: str
    vht_oper_chwidth: int
    vht_centre_channel: int | None
    htmode: str
    bsses: tuple[Bss, ...]


@dataclass(frozen=True)
class VlanBridge:
    """The bridge of one SSID VLAN: the tagged VLAN interface on the trunk is its port."""

    vlan: int
    name: str
    bridge: str
    trunk: str
    port: str
    network: str
    section: str
    kind: str = "vlan"
    local: str | None = None
    remote: str | None = None
    udp_port: int = VXLAN_PORT


@dataclass(frozen=True)
class ApIntent:
    """Everything one access point should run."""

    host: str
    platform: str
    name: str
    location: str
    site: str
    router: str | None
    country: str
    trunk: str
    uplink: str
    radios: tuple[RadioPlan, ...]
    bridges: tuple[VlanBridge, ...]
    lldp_description: str

    def context(self) -> dict[str, Any]:
        """The values the templates place (dataclasses as attribute-style mappings)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @property
    def radio_interfaces(self) -> list[str]:
        """The radio interfaces hostapd runs on (Linux)."""
        return [r.interface for r in self.radios]


def _security(ssid: Ssid, nas_identifier: str) -> dict[str, Any]:
    """hostapd and OpenWrt spellings of one SSID's security mode."""
    radius = tuple(
        RadiusServer(str(addr), RADIUS_AUTH_PORT, ssid.radius_secret or "")
        for addr in ssid.radius_servers
    )
    modes: dict[str, dict[str, Any]] = {
        "open": {"wpa": 0, "key_mgmt": None, "ieee80211w": 0, "encryption": "none"},
        "wpa2-personal": {
            "wpa": 2,
            "key_mgmt": "WPA-PSK",
            "ieee80211w": 1,
            "encryption": "psk2+ccmp",
        },
        "wpa3-personal": {"wpa": 2, "key_mgmt": "SAE", "ieee80211w": 2, "encryption": "sae"},
        "wpa2-enterprise": {
            "wpa": 2,
            "key_mgmt": "WPA-EAP",
            "ieee80211w": 1,
            "encryption": "wpa2+ccmp",
        },
        "wpa3-enterprise": {
            "wpa": 2,
            "key_mgmt": "WPA-EAP-SHA256",
            "ieee80211w": 2,
            "encryption": "wpa3",
        },
    }
    values = modes[ssid.security]
    return values | {
        "passphrase": ssid.passphrase if ssid.security == "wpa2-personal" else None,
        "sae_password": ssid.passphrase if ssid.security == "wpa3-personal" else None,
        "radius": radius if ssid.enterprise else (),
        "nas_identifier": nas_identifier if ssid.enterprise else None,
    }


def _htmode(band: str, width: int) -> str:
    """OpenWrt's ``htmode``: HT on 2.4 GHz, VHT on 5 GHz."""
    return f"{'VHT' if band == '5' else 'HT'}{width}"


def radio_plan(host: Host, site: Site, band: str, radio: Radio, country: str) -> RadioPlan:
    """One radio of an access point, with the SSIDs of its site that use this band."""
    interface = radio.interface or LINUX_RADIO[band]
    name = host.ap.name if host.ap else host.name
    ssids = [s for s in site.ssids if band in s.bands]
    bsses = []
    for n, ssid in enumerate(ssids):
        vlan = site.vlan(ssid.vlan)
        if vlan is None:
            raise ApIntentError(f"{host.name}: SSID {ssid.name!r} uses unknown VLAN {ssid.vlan}")
        bsses.append(
            Bss(
                ifname=interface if n == 0 else f"{interface}_{n}",
                primary=n == 0,
                section=f"ssid{site.ssids.index(ssid)}_{BAND_TAG[band]}",
                ssid=ssid.name,
                vlan=ssid.vlan,
                bridge=f"br-vlan{ssid.vlan}",
                network=f"vlan{ssid.vlan}",
                hidden=ssid.hidden,
                isolate=vlan.isolated,
                security=ssid.security,
                utf8=not ssid.name.isascii(),
                **_security(ssid, name),
            )
        )
    width = radio.width
    ht_capab = ""
    if width >= 40:
        ht_capab = "[HT40+]" if regdomain.secondary_above(band, radio.channel) else "[HT40-]"
    return RadioPlan(
        band=band,
        tag=BAND_TAG[band],
        interface=interface,
        device=OPENWRT_RADIO[band],
        hw_mode=HW_MODE[band],
        channel=radio.channel,
        width=width,
        country=country,
        tx_power=radio.tx_power,
        iw_txpower=f"fixed {radio.tx_power * 100}" if radio.tx_power is not None else "auto",
        ieee80211ac=band == "5",
        ieee80211h=band == "5",
        ht_capab=ht_capab,
        vht_oper_chwidth=1 if width == 80 else 0,
        vht_centre_channel=(
            regdomain.centre_channel(band, radio.channel, width) if band == "5" else None
        ),
        htmode=_htmode(band, width),
        bsses=tuple(bsses),
    )


def ap_intent(inventory: Inventory, host: Host) -> ApIntent:
    """The intended configuration of one access point."""
    if host.role != "ap" or host.ap is None:
        raise ApIntentError(f"{host.name} is not an access point")
    site = inventory.sites[host.site]
    trunk = host.lan_interface or DEFAULT_TRUNK
    radios = tuple(
        radio_plan(host, site, band, radio, host.ap.country)
        for band, radio in sorted(host.ap.radios.items(), key=lambda item: float(item[0]))
    )
    vlans = sorted({b.vlan for r in radios for b in r.bsses})
    transport = str(host.vars.get("ap_vlan_transport") or "8021q")
    if transport not in TRANSPORTS:
        raise ApIntentError(
            f"{host.name}: ap_vlan_transport {transport!r} is not one of {', '.join(TRANSPORTS)}"
        )
    if transport == "vxlan" and (host.lan_address is None or host.lan_gateway is None):
        raise ApIntentError(
            f"{host.name}: ap_vlan_transport vxlan needs lan_address and lan_gateway"
        )
    bridges = []
    for vlan_id in vlans:
        vlan = site.vlan(vlan_id)
        common: dict[str, Any] = {
            "vlan": vlan_id,
            "name": vlan.name if vlan else str(vlan_id),
            "bridge": f"br-vlan{vlan_id}",
            "trunk": trunk,
            "network": f"vlan{vlan_id}",
            "section": f"dev_vlan{vlan_id}",
        }
        if transport == "vxlan":
            local = str(host.lan_address.ip) if host.lan_address else None
            remote = str(host.lan_gateway) if host.lan_gateway else None
            bridges.append(
                VlanBridge(port=f"vx{vlan_id}", kind="vxlan", local=local, remote=remote, **common)
            )
        else:
            kind = "vlan" if transport == "8021q" else "interface"
            bridges.append(VlanBridge(port=f"{trunk}.{vlan_id}", kind=kind, **common))
    routers = inventory.routers_of(host.site)
    return ApIntent(
        host=host.name,
        platform=host.platform,
        name=host.ap.name,
        location=host.ap.location,
        site=site.key,
        router=routers[0].name if routers else None,
        country=host.ap.country,
        trunk=trunk,
        uplink=trunk if transport != "interface" else f"{trunk}.{host.lan_vlan}",
        radios=radios,
        bridges=tuple(bridges),
        lldp_description=", ".join(p for p in (host.ap.name, host.ap.location) if p),
    )


def intents(inventory: Inventory, names: list[str] | None = None) -> dict[str, ApIntent]:
    """The intent of every access point (or of the ones named), by host name."""
    aps = [h for h in inventory.by_role("ap") if names is None or h.name in names]
    return {h.name: ap_intent(inventory, h) for h in sorted(aps, key=lambda h: h.name)}

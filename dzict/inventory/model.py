"""The typed model of a Dzongkhag inventory (pydantic).

Values arrive already resolved by Ansible (``dzict.inventory.loader``); this module only
types them and derives nothing by itself: addresses come from ``dzict.inventory.addressing``.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

PLATFORMS: dict[str, str] = {
    "frr": "router",
    "ios": "router",
    "hostapd": "ap",
    "openwrt": "ap",
    "debian": "host",
    "windows": "host",
}
ROLE_GROUPS: dict[str, str] = {
    "routers": "router",
    "access_points": "ap",
    "pcs": "pc",
    "servers": "server",
    "backup_hosts": "backup",
    "mirrors": "mirror",
}
SITE_PREFIX = "site_"
LAB_RANGE = IPv4Network("198.18.0.0/15")

Role = Literal["router", "ap", "pc", "server", "backup", "mirror"]
SiteKind = Literal["hq", "gewog", "drungkhag", "hospital", "bhu", "school", "rnr", "office"]
Security = Literal["open", "wpa2-personal", "wpa3-personal", "wpa2-enterprise", "wpa3-enterprise"]
Band = Literal["2.4", "5"]
Channel = Literal["online-form", "phone", "fax", "email", "walk-in"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=False)


class _Owned(BaseModel):
    """A structure the inventory model owns: an unknown key in it is an error."""

    model_config = ConfigDict(extra="forbid", frozen=False)


def _fits(prefix: int, info: ValidationInfo, supernet_key: str, what: str) -> int:
    """A block length must not be shorter than the block it is cut from."""
    outer = info.data.get(supernet_key)
    length = outer.prefixlen if isinstance(outer, IPv4Network) else outer
    if isinstance(length, int) and prefix < length:
        raise ValueError(f"{what} of /{prefix} do not fit in /{length} ({supernet_key})")
    return prefix


class Addressing(_Owned):
    """Supernets of a Dzongkhag and the prefix lengths they are cut into."""

    loopback: IPv4Network
    wan: IPv4Network
    wan_prefix: int = Field(30, ge=8, le=31)
    management: IPv4Network
    management_site_prefix: int = Field(26, ge=8, le=30)
    lan: IPv4Network
    lan_site_prefix: int = Field(22, ge=8, le=30)
    vlan_prefix: int = Field(24, ge=8, le=30)
    loopbacks_per_site: int = Field(4, ge=1)

    @field_validator("wan_prefix")
    @classmethod
    def _wan_links_fit(cls, prefix: int, info: ValidationInfo) -> int:
        return _fits(prefix, info, "wan", "WAN links")

    @field_validator("management_site_prefix")
    @classmethod
    def _management_blocks_fit(cls, prefix: int, info: ValidationInfo) -> int:
        return _fits(prefix, info, "management", "site management blocks")

    @field_validator("lan_site_prefix")
    @classmethod
    def _lan_blocks_fit(cls, prefix: int, info: ValidationInfo) -> int:
        return _fits(prefix, info, "lan", "site LAN blocks")

    @field_validator("vlan_prefix")
    @classmethod
    def _vlans_fit(cls, prefix: int, info: ValidationInfo) -> int:
        return _fits(prefix, info, "lan_site_prefix", "VLAN subnets")


class Dzongkhag(_Owned):
    """The district: its name, short code (ticket ids, SSID prefixes) and address plan."""

    name: str
    code: str = Field(pattern=r"^[A-Z]{2,5}$")
    addressing: Addressing
    lab: bool = False


class Vlan(_Owned):
    """A VLAN of a site; ``slot`` picks its subnet inside the site's LAN block."""

    id: int = Field(ge=1, le=4094)
    name: str
    slot: int = Field(ge=0)
    isolated: bool = False
    subnet: IPv4Network | None = None


class Ssid(_Owned):
    """A wireless network offered by a site's access points."""

    name: str
    vlan: int = Field(ge=1, le=4094)
    security: Security
    passphrase: str | None = Field(None, validate_default=True)
    radius_servers: list[IPv4Address] = Field(default_factory=list, validate_default=True)
    radius_secret: str | None = None
    bands: list[Band] = Field(default_factory=lambda: list[Band](["2.4", "5"]))
    hidden: bool = False

    @field_validator("name")
    @classmethod
    def _ssid_length(cls, name: str) -> str:
        size = len(name.encode("utf-8"))
        if not 1 <= size <= 32:
            raise ValueError(f"SSID {name!r} is {size} bytes long; it must be 1 to 32 bytes")
        if not name.isprintable():
            raise ValueError(f"SSID {name!r} holds a control character")
        return name

    @field_validator("passphrase")
    @classmethod
    def _passphrase(cls, passphrase: str | None, info: ValidationInfo) -> str | None:
        security = str(info.data.get("security", ""))
        if not security.endswith("personal"):
            return passphrase
        if passphrase is None:
            raise ValueError(f"{security} needs a passphrase (from the vault)")
        if not 8 <= len(passphrase) <= 63:
            raise ValueError(f"passphrase is {len(passphrase)} characters; WPA needs 8 to 63")
        if not all(32 <= ord(c) <= 126 for c in passphrase):
            raise ValueError("passphrase must be printable ASCII characters only (IEEE 802.11)")
        return passphrase

    @field_validator("radius_servers")
    @classmethod
    def _radius(cls, servers: list[IPv4Address], info: ValidationInfo) -> list[IPv4Address]:
        security = str(info.data.get("security", ""))
        if security.endswith("enterprise") and not servers:
            raise ValueError(f"{security} needs at least one RADIUS server")
        return servers

    @field_validator("radius_secret")
    @classmethod
    def _secret(cls, secret: str | None, info: ValidationInfo) -> str | None:
        security = str(info.data.get("security", ""))
        if security.endswith("enterprise") and not secret:
            raise ValueError(f"{security} needs a RADIUS secret (from the vault)")
        if secret is not None and not secret.isprintable():
            raise ValueError("RADIUS secret holds a control character")
        return secret

    @property
    def enterprise(self) -> bool:
        """True for WPA2/WPA3-Enterprise (802.1X with RADIUS)."""
        return self.security.endswith("enterprise")


class Radio(_Owned):
    """One radio of an access point: band defaults in ``wifi_radios``, per AP in ``ap_radios``."""

    channel: int = Field(ge=1, le=196)
    width: Literal[20, 40, 80] = 20
    tx_power: int | None = Field(None, ge=1, le=30, description="dBm; None leaves it to the radio")
    interface: str | None = Field(None, pattern=r"^[a-z][a-z0-9]{0,9}$")


class RadioOverride(_Owned):
    """What one access point changes of its site's radio settings (``ap_radios``)."""

    channel: int | None = Field(None, ge=1, le=196)
    width: Literal[20, 40, 80] | None = None
    tx_power: int | None = Field(None, ge=1, le=30)
    interface: str | None = Field(None, pattern=r"^[a-z][a-z0-9]{0,9}$")


class AccessPoint(_Model):
    """The Wi-Fi settings of one access point: its site's radios with its own overrides."""

    name: str = Field(min_length=1, max_length=48, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$")
    location: str = Field("", max_length=200, pattern=r'^[^"\\\x00-\x1f]*$')
    country: str
    radios: dict[Band, Radio] = Field(default_factory=dict)
    overrides: dict[Band, RadioOverride] = Field(default_factory=dict)


class Contact(_Owned):
    """The agency contact of a site."""

    name: str
    title: str = ""
    phone: str = ""
    email: str = ""


class Site(_Model):
    """An office: HQ, a Gewog centre, a hospital, a school..."""

    key: str
    id: int = Field(ge=0)
    name: str
    kind: SiteKind
    agency: str
    contacts: list[Contact] = Field(default_factory=list)
    vlans: list[Vlan] = Field(default_factory=list)
    ssids: list[Ssid] = Field(default_factory=list)
    wifi_country: str = Field("BT", pattern=r"^[A-Z]{2}$")
    wifi_radios: dict[Band, Radio] = Field(default_factory=dict)
    lan_block: IPv4Network | None = None
    management_block: IPv4Network | None = None

    @property
    def group(self) -> str:
        """The Ansible group of the site."""
        return SITE_PREFIX + self.key

    @property
    def is_hq(self) -> bool:
        """True for the Dzongkhag headquarters."""
        return self.kind == "hq"

    def vlan(self, vlan_id: int) -> Vlan | None:
        """The site's VLAN with this id, if any."""
        return next((v for v in self.vlans if v.id == vlan_id), None)


class Host(_Model):
    """A device or computer, with the addresses the plan gives it."""

    name: str
    site: str
    role: Role
    platform: str
    host_id: int = Field(ge=1)
    groups: list[str]
    mgmt_address: IPv4Address
    lan_vlan: int | None = None
    lan_address: IPv4Interface | None = None
    lan_gateway: IPv4Address | None = None
    loopback: IPv4Interface | None = None
    lan_interface: str | None = None
    interfaces: list[str] = Field(default_factory=list)
    ap: AccessPoint | None = None
    vars: dict[str, Any] = Field(default_factory=dict, repr=False)

    @field_validator("platform")
    @classmethod
    def _known_platform(cls, platform: str) -> str:
        if platform not in PLATFORMS:
            known = ", ".join(sorted(PLATFORMS))
            raise ValueError(f"unknown platform {platform!r} (known: {known})")
        return platform


class LinkEnd(_Owned):
    """One end of a WAN link: a router's interface."""

    host: str
    interface: str
    address: IPv4Interface | None = None


class WanLink(_Owned):
    """A point-to-point WAN link between two routers."""

    id: int = Field(ge=0)
    a: LinkEnd
    b: LinkEnd
    cost: int = Field(10, ge=1, le=65535)
    subnet: IPv4Network | None = None
    description: str = ""

    @property
    def name(self) -> str:
        """A stable name for the link, used for lab networks and pages."""
        return f"wan{self.id}"


class Inventory(_Model):
    """A whole Dzongkhag inventory, validated and with its address plan derived."""

    root: Path
    dzongkhag: Dzongkhag
    sites: dict[str, Site]
    hosts: dict[str, Host]
    links: list[WanLink]
    services: dict[str, Any] = Field(default_factory=dict)

    def by_role(self, role: str) -> list[Host]:
        """Hosts of one role, sorted by name."""
        return [h for h in self.hosts.values() if h.role == role]

    def site_hosts(self, site: str) -> list[Host]:
        """Hosts of one site, sorted by name."""
        return [h for h in self.hosts.values() if h.site == site]

    def routers_of(self, site: str) -> list[Host]:
        """The routers of a site."""
        return [h for h in self.site_hosts(site) if h.role == "router"]

    @property
    def hq(self) -> Site:
        """The headquarters site."""
        return next(s for s in self.sites.values() if s.is_hq)

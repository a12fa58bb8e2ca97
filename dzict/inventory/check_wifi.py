"""Wi-Fi checks: countries, radios allowed there, SSIDs, and each access point's radios."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from dzict.inventory import regdomain
from dzict.inventory.findings import Findings
from dzict.inventory.model import AccessPoint, Host, Radio, RadioOverride, Site

AP_KEYS = {"name": "ap_name", "location": "ap_location", "overrides": "ap_radios"}
Typed = Callable[..., BaseModel | None]


def check_radio(
    found: Findings,
    site: Site,
    band: str,
    radio: Radio,
    *,
    override: RadioOverride | None = None,
    host: str | None = None,
) -> None:
    """The channel, width and power of a radio are allowed in the site's country."""
    touched = override.model_fields_set if override else set()
    if override is not None and not touched & {"channel", "width", "tx_power"}:
        return  # nothing the site's own check has not already seen
    if not regdomain.known(site.wifi_country):
        return

    def report(field: str, message: str) -> None:
        if override is not None and field in touched:
            found.add(f"ap_radios.{band}.{field}", message, host=host)
        else:
            found.add(f"wifi_radios.{band}.{field}", message, group=site.group)

    message = regdomain.problem(site.wifi_country, band, radio.channel, radio.width)
    if message is not None:
        width_only = message.startswith("channel width") or (
            "width" in touched and "channel" not in touched
        )
        report("width" if width_only else "channel", message)
        return
    limit = regdomain.max_power_dbm(site.wifi_country, band, radio.channel, radio.width)
    if radio.tx_power is not None and radio.tx_power > limit:
        report(
            "tx_power",
            f"transmit power {radio.tx_power} dBm is above the {limit} dBm allowed on"
            f" channel {radio.channel} in {site.wifi_country} (source: {regdomain.SOURCE})",
        )


def access_points(
    found: Findings, typed: Typed, sites: dict[str, Site], hosts: dict[str, Host]
) -> None:
    """Give each access point its radios: the site's ``wifi_radios`` and its ``ap_radios``."""
    for host in hosts.values():
        site = sites.get(host.site)
        if host.role != "ap" or site is None:
            continue
        data = {f: host.vars[k] for f, k in AP_KEYS.items() if host.vars.get(k) is not None}
        data.setdefault("name", host.name)
        data["country"] = site.wifi_country
        ap = typed(AccessPoint, data, AP_KEYS, host=host.name)
        if not isinstance(ap, AccessPoint):
            continue
        _check_overrides(found, typed, site, ap, host.name)
        ap.radios = {
            band: base.model_copy(update=ap.overrides[band].model_dump(exclude_none=True))
            if band in ap.overrides
            else base
            for band, base in site.wifi_radios.items()
        }
        host.ap = ap


def _check_overrides(found: Findings, typed: Typed, site: Site, ap: AccessPoint, host: str) -> None:
    for band, override in ap.overrides.items():
        base = site.wifi_radios.get(band)
        if base is None:
            found.add(
                f"ap_radios.{band}",
                f"site {site.key} has no {band} GHz radio in wifi_radios to adjust",
                host=host,
            )
            continue
        merged = base.model_dump() | override.model_dump(exclude_none=True)
        radio = typed(Radio, merged, {}, host=host)
        if isinstance(radio, Radio):
            check_radio(found, site, band, radio, override=override, host=host)


def check_wifi(found: Findings, sites: dict[str, Site], hosts: dict[str, Host]) -> None:
    """Country known, radios allowed there, SSIDs unique, on radios the site has."""
    for site in sites.values():
        aps = [h for h in hosts.values() if h.role == "ap" and h.site == site.key]
        if not regdomain.known(site.wifi_country):
            found.add(
                "wifi_country",
                regdomain.problem(site.wifi_country, "2.4", 1) or "unknown country",
                group=site.group,
            )
        for band, radio in site.wifi_radios.items():
            check_radio(found, site, band, radio)
        if aps and site.ssids and not site.wifi_radios:
            found.add(
                "wifi_radios",
                "{about} has access points but no radio settings",
                group=site.group,
                about=("site", site.key),
            )
        _check_ssids(found, site, aps)


def _check_ssids(found: Findings, site: Site, aps: list[Host]) -> None:
    names: set[str] = set()
    for n, ssid in enumerate(site.ssids):
        where: dict[str, Any] = {"group": site.group}
        if ssid.name in names:
            found.add(f"ssids[{n}].name", f"SSID {ssid.name!r} is defined twice", **where)
        names.add(ssid.name)
        vlan = site.vlan(ssid.vlan)
        if ssid.security == "open" and vlan is not None and not vlan.isolated:
            found.add(
                f"ssids[{n}].vlan",
                f"open SSID {ssid.name!r} must be on an isolated guest VLAN;"
                f" VLAN {ssid.vlan} ({vlan.name}) is not isolated",
                **where,
            )
        for ap in aps:
            if ap.lan_vlan == ssid.vlan:
                found.add(
                    f"ssids[{n}].vlan",
                    f"SSID {ssid.name!r} is on VLAN {ssid.vlan}, the management VLAN"
                    " of {about}; Wi-Fi clients must not share it",
                    about=("access point", ap.name),
                    **where,
                )
        missing = [b for b in ssid.bands if b not in site.wifi_radios]
        if aps and site.wifi_radios and missing:
            found.add(
                f"ssids[{n}].bands",
                f"SSID {ssid.name!r} is on band {', '.join(missing)} GHz, which has no"
                " radio settings (wifi_radios) at {about}",
                about=("site", site.key),
                **where,
            )

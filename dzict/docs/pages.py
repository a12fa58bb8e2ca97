"""Markdown pages of the network and their HTML rendering.

Python builds every value a page shows (tables as lists of already escaped cells); the Jinja
templates in ``templates/docs/`` only place them, rendered with StrictUndefined. The HTML pages
are the same Markdown rendered by cmark-gfm (GitHub's own renderer, through ``cmarkgfm`` and
``dzict.docs.markdown``, which frees what each page allocates), with
raw HTML left out, wrapped in one page template.
"""

from collections import defaultdict
from pathlib import Path
from typing import Any

from dzict.docs.mapstyle import DEVICE_STATE_NOTE, LINK_STATE_NOTE, ROLE_NAMES, title_name
from dzict.docs.markdown import to_html
from dzict.docs.register import COLUMNS, day, register_rows
from dzict.docs.tables import Table, code, md
from dzict.docs.templating import GENERATED, TEMPLATES, environments, human_time
from dzict.docs.topology import Device, Link, Topology
from dzict.inventory.model import Site

LAN_NOTE = {
    "ok": "on the office LAN (seen by LLDP)",
    "missing": "MISSING from the office LAN: LLDP should see it and does not",
    "unverified": "not verifiable: no LLDP answer expected",
    "unexpected": "NOT IN INVENTORY, seen on the office LAN",
}


class Pages:
    """Builds the page contexts of one topology and renders them."""

    def __init__(
        self, topology: Topology, rows: list[dict[str, str]], templates: Path = TEMPLATES
    ) -> None:
        self.topology = topology
        self.rows = rows
        self.national = False
        self.env, self.html_env = environments(templates)
        self.device_diffs: dict[str, list[Device]] = defaultdict(list)
        self.lan_diffs: dict[str, list[Device]] = defaultdict(list)
        self.link_diffs: dict[str, list[Link]] = defaultdict(list)
        for device in topology.device_mismatches():
            self.device_diffs[device.site].append(device)
        for device in topology.lan_mismatches():
            self.lan_diffs[device.site].append(device)
        mismatched = {id(link) for link in topology.link_mismatches()}
        for site in topology.sites:
            self.link_diffs[site.key] = [
                link for link in topology.site_links(site.key) if id(link) in mismatched
            ]

    # -- helpers ------------------------------------------------------------------------------

    def site_name(self, key: str) -> str:
        site = self.topology.inventory.sites.get(key)
        return site.name if site else key

    def device_link(self, name: str, ext: str, prefix: str) -> str:
        device = self.topology.devices.get(name)
        if device is None or device.site not in self.topology.inventory.sites:
            return md(name)
        return f"[{md(name)}]({prefix}{device.site}.{ext})"

    def link_rows(self, links: list[Link], ext: str, prefix: str) -> Table:
        table = Table(["link", "A end", "B end", "subnet", "cost", "state", "note"])
        for link in links:
            cost = str(link.intended.cost) if link.intended else ""
            table.rows.append(
                [
                    md(link.name),
                    f"{self.device_link(link.a.host, ext, prefix)} {code(link.a.interface)}",
                    f"{self.device_link(link.b.host, ext, prefix)} {code(link.b.interface)}",
                    code(link.subnet or ""),
                    md(cost),
                    md(LINK_STATE_NOTE[link.state]),
                    md(link.note or (link.intended.description if link.intended else "")),
                ]
            )
        return table

    def device_diff(self, devices: list[Device], ext: str, prefix: str) -> Table:
        table = Table(["device", "office", "role", "state", "detail"])
        for device in devices:
            detail = device.error
            if device.state == "unexpected":
                detail = "seen by " + ", ".join(f"{p.host} {p.interface}" for p in device.seen_by)
            elif device.record is not None and device.record.last_seen:
                detail += f" (last seen {day(device.record.last_seen)})"
            table.rows.append(
                [
                    self.device_link(device.name, ext, prefix),
                    md(self.site_name(device.site)),
                    md(ROLE_NAMES.get(device.role, device.role)),
                    md(DEVICE_STATE_NOTE[device.state] or "ok"),
                    md(detail.strip()),
                ]
            )
        return table

    def lan_diff(self, devices: list[Device], ext: str, prefix: str) -> Table:
        table = Table(["device", "office", "state"])
        for device in devices:
            table.rows.append(
                [
                    self.device_link(device.name, ext, prefix),
                    md(self.site_name(device.site)),
                    md(LAN_NOTE[device.lan_state or "unverified"]),
                ]
            )
        return table

    def diff(self, site: str | None, ext: str, prefix: str) -> dict[str, Any]:
        t = self.topology
        if site is None:
            devices, links, lan = t.device_mismatches(), t.link_mismatches(), t.lan_mismatches()
        else:
            devices, links = self.device_diffs[site], self.link_diffs[site]
            lan = self.lan_diffs[site]
        return {
            "devices": self.device_diff(devices, ext, prefix),
            "links": self.link_rows(links, ext, prefix),
            "lan": self.lan_diff(lan, ext, prefix),
            "count": len(devices) + len(links) + len(lan),
        }

    # -- the index ----------------------------------------------------------------------------

    def summary(self) -> Table:
        t = self.topology
        devices = list(t.devices.values())
        count = {state: sum(1 for d in devices if d.state == state) for state in DEVICE_STATE_NOTE}
        links = {state: sum(1 for lk in t.links if lk.state == state) for state in LINK_STATE_NOTE}
        return Table(
            ["what", "count"],
            [
                ["devices in the inventory", str(len(t.inventory.hosts))],
                ["reached by discovery", str(count["ok"])],
                ["unreachable", str(count["unreachable"])],
                ["not discovered (platform cannot be asked)", str(count["not-discovered"])],
                ["seen, not in the inventory", str(count["unexpected"])],
                ["WAN links in the inventory", str(len(t.inventory.links))],
                ["WAN links seen by LLDP as intended", str(links["ok"])],
                ["WAN links missing", str(links["missing"])],
                ["WAN links seen, not in the inventory", str(links["unexpected"])],
                ["WAN links not verifiable", str(links["unknown"])],
            ],
        )

    def offices(self, ext: str) -> Table:
        table = Table(["office", "kind", "agency", "devices", "reached", "WAN links", "contact"])
        for site in self.topology.sites:
            devices = self.topology.site_devices(site.key)
            contact = site.contacts[0] if site.contacts else None
            table.rows.append(
                [
                    f"[{md(site.name)}](offices/{site.key}.{ext})",
                    md(site.kind),
                    md(site.agency),
                    str(len(devices)),
                    str(sum(1 for d in devices if d.state == "ok")),
                    str(len(self.topology.site_links(site.key))),
                    md(f"{contact.name}, {contact.phone}" if contact else ""),
                ]
            )
        return table

    def plan(self) -> dict[str, Table]:
        a = self.topology.inventory.dzongkhag.addressing
        blocks = Table(
            ["block", "supernet", "cut into"],
            [
                ["management", code(a.management), md(f"/{a.management_site_prefix} per office")],
                [
                    "office LANs",
                    code(a.lan),
                    md(f"/{a.lan_site_prefix} per office, /{a.vlan_prefix} per VLAN"),
                ],
                [
                    "loopbacks",
                    code(a.loopback),
                    md(f"/32 per router, {a.loopbacks_per_site} per office"),
                ],
                ["WAN links", code(a.wan), md(f"/{a.wan_prefix} per link")],
            ],
        )
        sites = Table(["office", "site id", "management", "LAN block", "VLAN subnets"])
        for site in self.topology.sites:
            sites.rows.append(
                [
                    md(site.name),
                    str(site.id),
                    code(site.management_block or ""),
                    code(site.lan_block or ""),
                    ", ".join(f"{v.id} {code(v.subnet)}" for v in site.vlans) or " ",
                ]
            )
        return {"blocks": blocks, "sites": sites}

    def index(self, ext: str) -> str:
        t = self.topology
        dz = t.inventory.dzongkhag
        context = {
            "title": f"{title_name(dz.name)}: network",
            "generated": f"{GENERATED} {human_time(t.discovery.finished)}.",
            "ext": ext,
            "summary": self.summary(),
            "offices": self.offices(ext),
            "links": self.link_rows(t.links, ext, "offices/"),
            "diff": self.diff(None, ext, "offices/"),
            "plan": self.plan(),
            "national": self.national,
        }
        return self.env.get_template("index.md.j2").render(**context)

    # -- an office ----------------------------------------------------------------------------

    def devices(self, devices: list[Device]) -> Table:
        table = Table(
            ["device", "role", "platform", "management", "model", "serial", "OS", "state"]
        )
        for device in devices:
            facts = device.facts
            table.rows.append(
                [
                    md(device.name),
                    md(ROLE_NAMES.get(device.role, device.role)),
                    md(device.platform),
                    code(device.mgmt_address),
                    md(facts.get("model", "")),
                    md(facts.get("serial_number", "")),
                    md(facts.get("os_version", "")),
                    md(DEVICE_STATE_NOTE[device.state] or "ok"),
                ]
            )
        return table

    def interfaces(self, device: Device) -> dict[str, Any]:
        table = Table(
            ["interface", "intended", "discovered", "up", "MAC", "note"],
            empty="No interfaces known.",
        )
        for row in device.interfaces:
            intended = ", ".join(f"{code(a.address)} {md(a.purpose)}" for a in row.intended)
            table.rows.append(
                [
                    code(row.name) if row.name else md("(management)"),
                    intended or " ",
                    ", ".join(code(a) for a in row.discovered) or " ",
                    {True: "up", False: "DOWN", None: " "}[row.is_up],
                    code(row.mac),
                    md(row.note or row.description),
                ]
            )
        status = DEVICE_STATE_NOTE[device.state]
        if status and device.error:
            status = f"{status}: {device.error}"
        return {"name": md(device.name), "table": table, "status": md(status) if status else ""}

    def vlans(self, site: Site) -> Table:
        table = Table(["VLAN", "name", "subnet", "gateway", "isolated"])
        for vlan in site.vlans:
            gateway = vlan.subnet.network_address + 1 if vlan.subnet else ""
            table.rows.append(
                [
                    str(vlan.id),
                    md(vlan.name),
                    code(vlan.subnet or ""),
                    code(gateway),
                    "yes" if vlan.isolated else "no",
                ]
            )
        return table

    def ssids(self, site: Site) -> Table:
        table = Table(["SSID", "VLAN", "security", "bands (GHz)", "hidden"])
        for ssid in site.ssids:
            table.rows.append(
                [
                    md(ssid.name),
                    str(ssid.vlan),
                    md(ssid.security),
                    md(", ".join(ssid.bands)),
                    "yes" if ssid.hidden else "no",
                ]
            )
        return table

    def servers(self, devices: list[Device]) -> Table:
        table = Table(["server", "role", "LAN address", "services"])
        for device in devices:
            host = self.topology.inventory.hosts.get(device.name)
            if host is None or device.role not in ("server", "backup", "mirror"):
                continue
            services = host.vars.get("services") or []
            table.rows.append(
                [
                    md(device.name),
                    md(ROLE_NAMES[device.role]),
                    code(host.lan_address or ""),
                    md(", ".join(str(s) for s in services)),
                ]
            )
        return table

    def contacts(self, site: Site) -> Table:
        table = Table(["name", "title", "phone", "e-mail"])
        for contact in site.contacts:
            table.rows.append(
                [md(contact.name), md(contact.title), md(contact.phone), md(contact.email)]
            )
        return table

    def office(self, site: Site, ext: str) -> str:
        devices = self.topology.site_devices(site.key)
        context = {
            "title": site.name,
            "ext": ext,
            "site": {
                "key": site.key,
                "kind": md(site.kind),
                "agency": md(site.agency),
                "id": str(site.id),
            },
            "devices": self.devices(devices),
            "interfaces": [self.interfaces(d) for d in devices],
            "links": self.link_rows(self.topology.site_links(site.key), ext, ""),
            "vlans": self.vlans(site),
            "ssids": self.ssids(site),
            "servers": self.servers(devices),
            "contacts": self.contacts(site),
            "diff": self.diff(site.key, ext, ""),
        }
        return self.env.get_template("office.md.j2").render(**context)

    def register(self, ext: str) -> str:
        table = Table(list(COLUMNS), [[md(r[c]) for c in COLUMNS] for r in self.rows])
        return self.env.get_template("register.md.j2").render(
            title=f"{title_name(self.topology.inventory.dzongkhag.name)}: asset register",
            ext=ext,
            table=table,
        )

    def html(self, markdown: str, title: str, root: str) -> str:
        """One Markdown page as a complete HTML page."""
        body = to_html(markdown)
        return self.html_env.get_template("page.html.j2").render(title=title, body=body, root=root)


def render_pages(
    topology: Topology,
    rows: list[dict[str, str]] | None = None,
    templates: Path = TEMPLATES,
    national: bool = False,
) -> dict[str, str]:
    """Every page as ``{relative path: text}``: Markdown and HTML. ``national``: the index
    links up to the overview of the Dzongkhags (the Dzongkhag is a folder of a country)."""
    pages = Pages(topology, rows if rows is not None else register_rows(topology, None), templates)
    pages.national = national
    out: dict[str, str] = {}
    jobs: list[tuple[str, str, str]] = [("index", "index", "")]
    jobs += [(f"offices/{s.key}", s.name, "../") for s in topology.sites]
    jobs.append(("register", "asset register", ""))
    for path, title, root in jobs:
        for ext in ("md", "html"):
            if path == "index":
                text = pages.index(ext)
            elif path == "register":
                text = pages.register(ext)
            else:
                text = pages.office(topology.inventory.sites[path.split("/")[1]], ext)
            out[f"{path}.{ext}"] = text if ext == "md" else pages.html(text, title, root)
    return out

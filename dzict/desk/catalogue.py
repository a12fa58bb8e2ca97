"""What an agency can choose on the form: agencies and offices of the inventory, categories."""

from __future__ import annotations

from dataclasses import dataclass, field

from dzict.inventory import Inventory

#: Kinds of request an agency can send (ticket categories), with the words shown on the form.
CATEGORIES: dict[str, str] = {
    "wan": "Internet or WAN link down or slow",
    "lan": "Office network (cables, switch, LAN)",
    "wifi": "Wi-Fi",
    "email": "E-mail",
    "account": "User account or password",
    "hardware": "Computer, printer or other equipment",
    "software": "Software or operating system",
    "backup": "Backup or restore of files and databases",
    "website": "Website or online system",
    "other": "Something else",
}
#: Channels an officer enters a request for (the online form is the agencies' own channel).
ENTERED_CHANNELS: dict[str, str] = {
    "phone": "Phone call",
    "fax": "Fax",
    "walk-in": "Walk-in",
    "email": "E-mail",
}


@dataclass(frozen=True)
class Office:
    """An office of the inventory a request can come from."""

    key: str
    name: str
    agency: str


@dataclass(frozen=True)
class Catalogue:
    """The choices of the request form, from one inventory."""

    offices: tuple[Office, ...]
    agencies: tuple[str, ...]
    categories: dict[str, str]
    contacts: dict[str, str] = field(default_factory=dict)

    def office(self, key: str) -> Office | None:
        """The office with this key, if the inventory has it."""
        return next((o for o in self.offices if o.key == key), None)

    def office_of_contact(self, email: str) -> Office | None:
        """The office whose contact has this e-mail address (the inventory's site_contacts)."""
        key = self.contacts.get(email.strip().lower())
        return self.office(key) if key else None

    def choices(self) -> Choices:
        """The options of the form's lists, as (value, shown) pairs."""
        return Choices(
            agencies=[(a, a) for a in self.agencies],
            offices=[(o.key, o.name) for o in self.offices],
            categories=list(self.categories.items()),
        )


@dataclass(frozen=True)
class Choices:
    """The options of the request form's lists: (value, shown) pairs."""

    agencies: list[tuple[str, str]]
    offices: list[tuple[str, str]]
    categories: list[tuple[str, str]]


def catalogue_of(inventory: Inventory) -> Catalogue:
    """Offices (HQ first, then by name), agencies (by name) and categories of an inventory."""
    sites = sorted(inventory.sites.values(), key=lambda s: (not s.is_hq, s.name))
    offices = tuple(Office(s.key, s.name, s.agency) for s in sites)
    agencies = tuple(sorted({s.agency for s in sites}))
    contacts = {c.email.lower(): s.key for s in sites for c in s.contacts if c.email}
    return Catalogue(offices, agencies, dict(CATEGORIES), contacts)

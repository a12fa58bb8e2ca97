"""A router's management settings from inventory variables: SNMP, local users and banner.

``var`` reads an optional inventory variable of the router (or of one of its groups).
"""

from __future__ import annotations

from typing import Any

from dzict.exceptions import WanIntentError
from dzict.inventory.model import Host, Inventory
from dzict.wan.intent_model import LocalUser, Snmp

#: Hash prefixes of the secrets a platform stores, and the type number it writes before them.
SECRET_TYPES = {"$9$": 9, "$8$": 8, "$1$": 5}


def _var(host: Host, key: str, default: Any = None) -> Any:
    value = host.vars.get(key)
    return default if value is None else value


def _snmp(host: Host, inventory: Inventory) -> Snmp | None:
    services = inventory.services
    community = services.get("snmp_community") or _var(host, "vault_snmp_community")
    if not community:
        return None
    contacts = inventory.hq.contacts
    default_contact = (contacts[0].email or contacts[0].name) if contacts else ""
    return Snmp(
        community=str(community),
        location=str(services.get("snmp_location") or inventory.dzongkhag.name),
        contact=str(services.get("snmp_contact") or default_contact),
    )


def _secret_type(host: Host, key: str, secret: str) -> int:
    """The type number of a stored secret; a clear-text secret is refused."""
    for prefix, number in SECRET_TYPES.items():
        if secret.startswith(prefix):
            return number
    raise WanIntentError(
        host.name, key, "is not a hashed secret ($9$..., $8$... or $1$...); never store clear text"
    )


def _users(host: Host) -> tuple[LocalUser, ...]:
    users = []
    raw_users = _var(host, "router_users", [])
    if not isinstance(raw_users, list):
        raise WanIntentError(host.name, "router_users", "must be a list")
    for n, raw in enumerate(raw_users):
        key = f"router_users[{n}]"
        if not isinstance(raw, dict) or "name" not in raw or "secret" not in raw:
            raise WanIntentError(host.name, key, "needs a name and a secret")
        privilege = raw.get("privilege", 15)
        if (
            isinstance(privilege, bool)
            or not isinstance(privilege, int)
            or not 0 <= privilege <= 15
        ):
            raise WanIntentError(host.name, f"{key}.privilege", "must be 0 to 15")
        secret = str(raw["secret"])
        users.append(
            LocalUser(
                name=str(raw["name"]),
                privilege=privilege,
                secret=secret,
                secret_type=_secret_type(host, f"{key}.secret", secret),
            )
        )
    return tuple(users)


def _banner(host: Host, inventory: Inventory) -> str:
    default = f"Authorised access only. {inventory.dzongkhag.name} ICT Services Unit."
    banner = str(_var(host, "router_banner", default))
    if "^" in banner or "\n" in banner:
        raise WanIntentError(host.name, "router_banner", "must be one line without '^'")
    return banner

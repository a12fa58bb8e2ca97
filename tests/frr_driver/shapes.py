"""NAPALM's result shapes for each method the FRR driver implements (napalm.base.models).

Checked with napalm.base.test.helpers.test_model, as NAPALM's own getter tests do: the same keys
as the model's TypedDict, each value of the model's type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from napalm.base import models
from napalm.base.test import helpers


def _all(model: Any, items: Any) -> bool:
    return all(helpers.test_model(model, item) for item in items)


def _lldp_detail(result: dict[str, Any]) -> bool:
    return _all(models.LLDPNeighborDetailDict, [n for nbrs in result.values() for n in nbrs])


def _interfaces_ip(result: dict[str, Any]) -> bool:
    return all(
        set(families) <= {"ipv4", "ipv6"} and _all(models.InterfacesIPDictEntry, addresses.values())
        for families in result.values()
        for addresses in families.values()
    )


def _ping(result: dict[str, Any]) -> bool:
    if "error" in result:
        return set(result) == {"error"} and isinstance(result["error"], str)
    return helpers.test_model(models.PingDict, result["success"]) and _all(
        models.PingResultDictEntry, result["success"]["results"]
    )


# What each method's result must look like (NAPALM's models).
SHAPES: dict[str, Callable[[Any], bool]] = {
    "is_alive": lambda r: helpers.test_model(models.AliveDict, r),
    "get_facts": lambda r: helpers.test_model(models.FactsDict, r),
    "get_interfaces": lambda r: _all(models.InterfaceDict, r.values()),
    "get_interfaces_ip": _interfaces_ip,
    "get_lldp_neighbors": lambda r: _all(
        models.LLDPNeighborDict, [n for nbrs in r.values() for n in nbrs]
    ),
    "get_lldp_neighbors_detail": _lldp_detail,
    "get_config": lambda r: helpers.test_model(models.ConfigDict, r),
    "ping": _ping,
    "cli": lambda r: isinstance(r, dict),
    "compare_config": lambda r: isinstance(r, str),
    "load_replace_candidate": lambda r: r is None,
    "load_merge_candidate": lambda r: r is None,
}

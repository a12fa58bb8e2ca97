"""apt package specs from the inventory's baseline list."""

from __future__ import annotations

from typing import Any


def software_baseline_apt_specs(packages: list[dict[str, Any]]) -> list[str]:
    """``[{name: a}, {name: b, version: "1.0"}]`` becomes ``["a", "b=1.0"]``."""
    specs = []
    for package in packages:
        version = package.get("version")
        specs.append(f"{package['name']}={version}" if version else str(package["name"]))
    return specs


class FilterModule:
    """The role's filters."""

    def filters(self) -> dict[str, Any]:
        """Name every filter."""
        return {"software_baseline_apt_specs": software_baseline_apt_specs}

"""Turn ansible.windows.win_updates results into the shape patch_linux_result uses."""

from __future__ import annotations

from typing import Any


def _entry(update_id: str, update: dict[str, Any]) -> dict[str, Any]:
    kbs = update.get("kb") or []
    categories = update.get("categories") or []
    return {
        "name": f"KB{kbs[0]}" if kbs else update_id,
        "installed": "",
        "candidate": update.get("title", update_id),
        "suites": list(categories),
        "security": "Security Updates" in categories,
        "selected": not update.get("filtered_reason"),
        "reason": update.get("filtered_reason") or "",
    }


def patch_windows_pending(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The updates a win_updates search found, accepted ones and filtered ones alike."""
    found = {k: _entry(k, v) for k, v in (result.get("updates") or {}).items()}
    found.update({k: _entry(k, v) for k, v in (result.get("filtered_updates") or {}).items()})
    return sorted(found.values(), key=lambda e: e["name"])


def patch_windows_remaining(
    install: dict[str, Any], search: dict[str, Any]
) -> list[dict[str, Any]]:
    """What is still pending after the install step (everything when it did not run)."""
    if install.get("skipped") or "updates" not in install:
        return patch_windows_pending(search)
    installed = {k for k, v in (install.get("updates") or {}).items() if v.get("installed")}
    return [
        e
        for k, e in ((k, _entry(k, v)) for k, v in (search.get("updates") or {}).items())
        if k not in installed
    ]


class FilterModule:
    """The role's filters."""

    def filters(self) -> dict[str, Any]:
        """Name every filter."""
        return {
            "patch_windows_pending": patch_windows_pending,
            "patch_windows_remaining": patch_windows_remaining,
        }

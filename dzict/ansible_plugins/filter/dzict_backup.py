"""Filters of the backup playbook: who may store backups on the backup host."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any


def backup_accounts(
    hosts: Iterable[str], hostvars: Mapping[str, Mapping[str, Any]], extra: Iterable[Any] = ()
) -> list[dict[str, str]]:
    """``[{name, public_key}]`` of the clients that made their key in this run, then ``extra``.

    A client left out by ``--limit`` has no ``backup_client_public_key`` fact and is skipped;
    its account on the backup host stays as it was.
    """
    accounts = [
        {"name": str(h), "public_key": str(hostvars[h]["backup_client_public_key"])}
        for h in hosts
        if "backup_client_public_key" in hostvars[h]
    ]
    accounts += [{"name": str(e["name"]), "public_key": str(e["public_key"])} for e in extra]
    return accounts


class FilterModule:
    """Ansible's entry point."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        """The filters by name."""
        return {"dzict_backup_accounts": backup_accounts}

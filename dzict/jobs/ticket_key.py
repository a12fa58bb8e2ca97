"""The ticket log's signing key: a key file named in the environment, else the inventory's vault.

The key is the text's bytes: the file's content without its trailing newline, or the vault
variable's value. No key means an unsigned log (see docs/ticket-log.md).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from dzict.exceptions import TicketKeySourceError
from dzict.inventory.loader import vault_password_file
from dzict.inventory.sources import VAULT_HEADER, vars_files

KEY_FILE_ENV = "DZICT_TICKET_LOG_KEY_FILE"
KEY_VARIABLE = "vault_ticket_log_key"


def ticket_log_key(inventory: Path) -> bytes | None:
    """$DZICT_TICKET_LOG_KEY_FILE, else ``vault_ticket_log_key`` of `inventory`'s vault."""
    key_file = os.environ.get(KEY_FILE_ENV)
    if key_file:
        try:
            return Path(key_file).read_bytes().rstrip(b"\r\n")
        except OSError as exc:
            raise TicketKeySourceError(
                f"{KEY_FILE_ENV}={key_file}: cannot read the key file ({exc.strerror})"
            ) from None
    value = _vault_value(inventory, KEY_VARIABLE)
    return None if value is None else value.encode()


def _vault_value(inventory: Path, name: str) -> str | None:
    """`name` from the vault-encrypted files of the inventory's ``group_vars/all``."""
    for path in vars_files(inventory / "group_vars", "all"):
        raw = path.read_bytes()
        if raw.lstrip().startswith(VAULT_HEADER.encode()):
            data = _decrypt(inventory, path, raw)
            if isinstance(data, dict) and data.get(name) is not None:
                return str(data[name])
    return None


def _decrypt(inventory: Path, path: Path, raw: bytes) -> Any:
    """A vault file's YAML, decrypted with Ansible's own VaultLib (as the inventory loader)."""
    from ansible.errors import AnsibleError
    from ansible.parsing.vault import VaultLib, VaultSecret

    password = vault_password_file(inventory)
    if password is None:
        raise TicketKeySourceError(f"{path}: a vault file but no vault password to read the key")
    try:
        secret = VaultSecret(password.read_bytes().strip())
        return yaml.safe_load(VaultLib([("default", secret)]).decrypt(raw))
    except (AnsibleError, OSError, yaml.YAMLError) as exc:
        raise TicketKeySourceError(f"{path}: cannot read the vault ({exc})") from None

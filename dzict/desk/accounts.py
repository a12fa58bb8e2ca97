"""Officers' accounts: argon2 password hashes in one JSON file under ``var/``, with lock-out.

The file holds, per officer, the display name, the argon2id hash, the count of failed logins
in a row and the time the account is locked until. It is written under an exclusive lock and
replaced whole (never half written); its mode is 0600. Accounts are created by
``invoke desk.officer-add``, never through the web.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from dzict.exceptions import DeskError, LoginRefused, OfficerAccountError

NAME = re.compile(r"[a-z][a-z0-9._-]{1,31}")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
WRONG = "officer name or password is wrong"
_HASHER = PasswordHasher()
#: Verified against when the name is unknown, so both refusals take the same time.
_DUMMY = _HASHER.hash("no officer has this password")


@dataclass(frozen=True)
class Officer:
    """A logged-in officer: the account name (in the ticket log) and the name shown."""

    name: str
    display: str


def check_password(password: str) -> str:
    """A password an account may have: 12 to 1024 characters, not only spaces."""
    if len(password.strip()) < MIN_PASSWORD:
        raise OfficerAccountError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise OfficerAccountError(f"the password must have at most {MAX_PASSWORD} characters")
    return password


class OfficerStore:
    """The officers' accounts file; `lockout` failures in a row lock an account `minutes`."""

    def __init__(
        self,
        path: Path,
        lockout: int = 5,
        minutes: int = 15,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.path = path
        self.lockout = lockout
        self.minutes = minutes
        self._clock = clock or (lambda: datetime.now(UTC))

    def add(self, name: str, password: str, display: str = "", replace: bool = False) -> Officer:
        """Create an account (or set a new password with `replace`); returns the officer."""
        if not NAME.fullmatch(name):
            raise OfficerAccountError(
                f"officer name {name!r}: 2 to 32 of a-z 0-9 . _ -, starting with a letter"
            )
        check_password(password)
        shown = display.strip() or name
        with self._accounts() as accounts:
            if name in accounts and not replace:
                raise OfficerAccountError(f"officer {name} exists (use --replace to reset)")
            accounts[name] = {"display": shown, "hash": _HASHER.hash(password), "failures": 0}
        return Officer(name, shown)

    def officers(self) -> list[Officer]:
        """Every officer, by account name."""
        accounts = self._read()
        return [Officer(n, str(accounts[n].get("display", n))) for n in sorted(accounts)]

    def login(self, name: str, password: str) -> Officer:
        """The officer if the password is right and the account not locked; LoginRefused else."""
        now = self._clock()
        with self._accounts() as accounts:
            account = accounts.get(name)
            if account is None:
                _matches(_DUMMY, password)
                raise LoginRefused(WRONG)
            locked = _locked_until(account)
            if locked is not None and locked > now:
                raise LoginRefused(
                    f"too many failed logins: account locked until {locked:%H:%M} UTC"
                )
            if not _matches(str(account.get("hash", "")), password):
                return self._failed(account, now)
            account.update(failures=0, locked_until=None)
            if _HASHER.check_needs_rehash(str(account["hash"])):
                account["hash"] = _HASHER.hash(password)
            return Officer(name, str(account.get("display", name)))

    def _failed(self, account: dict[str, Any], now: datetime) -> Officer:
        """Count a failure; lock the account at the limit. Always raises LoginRefused."""
        failures = int(account.get("failures", 0)) + 1
        account["failures"] = failures
        if failures >= self.lockout:
            until = now + timedelta(minutes=self.minutes)
            account.update(failures=0, locked_until=until.isoformat())
            raise LoginRefused(
                f"{WRONG}; {self.lockout} failures in a row: account locked for "
                f"{self.minutes} minutes"
            )
        raise LoginRefused(WRONG)

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise DeskError(f"cannot read the officers' file {self.path}: {exc}") from None
        try:
            accounts = json.loads(raw)["officers"]
        except (ValueError, KeyError, TypeError):
            raise DeskError(f"{self.path} is not an officers' file") from None
        if not isinstance(accounts, dict):
            raise DeskError(f"{self.path} is not an officers' file")
        return accounts

    @contextmanager
    def _accounts(self) -> Iterator[dict[str, dict[str, Any]]]:
        """The accounts under an exclusive lock; written back whole when the block ends.

        A LoginRefused raised in the block still writes (the failure count must stick).
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = os.open(self.path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            accounts = self._read()
            try:
                yield accounts
            except LoginRefused:
                self._write(accounts)
                raise
            self._write(accounts)
        finally:
            os.close(lock)

    def _write(self, accounts: dict[str, dict[str, Any]]) -> None:
        temp = self.path.with_suffix(".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"version": 1, "officers": accounts}, fh, indent=1, sort_keys=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, self.path)


def _matches(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _locked_until(account: dict[str, Any]) -> datetime | None:
    value = account.get("locked_until")
    return datetime.fromisoformat(value) if isinstance(value, str) else None

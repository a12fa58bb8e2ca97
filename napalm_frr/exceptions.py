"""The FRR driver's own exceptions; everything else it raises is NAPALM's (napalm.base.exceptions).

The driver stands alone: nothing here depends on the application that uses it.
"""

from __future__ import annotations

from napalm.base.exceptions import ConnectionException

__all__ = ["DriverOptionError", "HostKeyMismatchError", "HostKeyUnknownError"]


class DriverOptionError(ValueError):
    """An optional_args key the driver does not know, or a file it names that does not exist.

    Where NAPALM has an exception for a driver failure (napalm.base.exceptions), the driver
    raises that one, so that tasks written for any NAPALM driver handle it.
    """


class HostKeyUnknownError(ConnectionException):  # type: ignore[misc]  # napalm has no types
    """The host's key is not in the known_hosts file; the login is refused, the key not added."""


class HostKeyMismatchError(ConnectionException):  # type: ignore[misc]  # napalm has no types
    """The host presented a key that differs from its known_hosts entry; the login is refused."""

"""How the lab reports progress: a function that takes one line."""

from __future__ import annotations

from collections.abc import Callable

Log = Callable[[str], None]


def quiet(_: str) -> None:
    """A log that says nothing."""

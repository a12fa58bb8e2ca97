"""Markdown tables of the pages: cells escaped for a table, code cells, and the table itself."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def md(value: object) -> str:
    """Text made safe for a Markdown table cell."""
    text = "" if value is None else str(value)
    if not text:
        return " "
    if "\n" in text:
        text = text.replace("\n", " ")
    return _MD_SPECIAL.sub(r"\\\1", text) if _MD_SPECIAL.search(text) else text


def code(value: object) -> str:
    """A value shown as code (addresses, interface names); empty stays empty."""
    text = "" if value is None else str(value)
    return f"`{text}`" if text else " "


@dataclass
class Table:
    """A Markdown table: the header and rows of escaped cells."""

    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    empty: str = "None."

    @property
    def text(self) -> str:
        """The table as Markdown (no final newline), or the ``empty`` sentence."""
        if not self.rows:
            return self.empty
        lines = ["| " + " | ".join(self.header) + " |", "|" + " --- |" * len(self.header)]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)

"""Markdown to HTML: what cmark-gfm gives, without keeping each page's memory."""

from __future__ import annotations

from pathlib import Path

import cmarkgfm

from dzict.docs.build import build
from dzict.docs.discovery import Discovery
from dzict.docs.markdown import to_html
from dzict.inventory import Inventory


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_same_html_as_cmarkgfm(lab_inventory: Inventory, healthy: Discovery) -> None:
    _, files = build(lab_inventory, healthy)
    for page in ("index.md", "offices/guma.md", "register.md"):
        text = files[page].decode()
        assert to_html(text) == cmarkgfm.github_flavored_markdown_to_html(text)
    odd = "~~gone~~ www.example.org <script>x</script>\n\n- [x] done\n\n```py\ncode\n```\n"
    assert to_html(odd) == cmarkgfm.github_flavored_markdown_to_html(odd)


def test_memory_is_given_back() -> None:
    """A page of 300 table rows, 400 times: cmarkgfm's own wrapper keeps about 100 MB."""
    rows = "".join(f"| office {n} | `10.0.{n % 256}.1/24` | ok |\n" for n in range(300))
    page = "# Offices\n\n| office | LAN | state |\n| --- | --- | --- |\n" + rows
    to_html(page)
    before = _rss_mb()
    for _ in range(400):
        to_html(page)
    assert _rss_mb() - before < 15

"""Read an FRR configuration into its blocks, the way frr-reload sees them (the render tests
compare rendered router configurations block by block)."""

from __future__ import annotations

GLOBAL = "(global)"
BLOCK_STARTS = ("interface ", "router ", "route-map ", "key chain ", "line ")
CLOSERS = ("exit", "end", "exit-vrf")


def blocks(text: str) -> dict[str, list[str]]:
    """``{"(global)": [top lines], "interface wan1": [its lines], "router ospf": [...]}``.

    Blank lines, ``!`` and the ``frr version`` line are left out; ``exit`` and ``end`` close
    the current block. An indented line outside a block is a structural error.
    """
    result: dict[str, list[str]] = {GLOBAL: []}
    current: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped or stripped == "!" or stripped.startswith("frr version "):
            continue
        if stripped in CLOSERS:
            current = None
        elif line != stripped:
            if current is None:
                raise ValueError(f"line {number}: indented line outside a block: {stripped!r}")
            result[current].append(stripped)
        elif line.startswith(BLOCK_STARTS):
            current = line
            result.setdefault(current, [])
        else:
            current = None
            result[GLOBAL].append(line)
    return result

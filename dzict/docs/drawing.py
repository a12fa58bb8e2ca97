"""Drawing DOT sources with Graphviz's ``dot``, in the background, a few processes at a time.

Pictures are submitted in groups (one Dzongkhag's maps) and collected per group, so a whole
country keeps ``dot`` busy on one Dzongkhag's maps while Python writes the pages of another.

dot 2.43 carries state from one graph to the next within a process: it orders subgraphs
(clusters) by memory address, and names every graph after the first one differently. So a
picture that is not ``batch`` gets a process of its own, while pictures without any subgraph
(``batch``: the office maps) share a process, drawn after a throw-away first graph; they come
out byte for byte the same whatever was drawn before them (see the tests), and one process per
office map would cost more in start-up than in drawing.

A picture with a PNG is drawn at most ``PNG_MAX_INCHES`` (3,000 pixels at Graphviz's 96 dpi)
on its longest side, larger ones scaled down (its SVG too, which stays sharp at any zoom):
rasterising costs by the pixel. A smaller picture comes out as it would without the limit.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from dzict.exceptions import DocsError

PNG_MAX_INCHES = 31.25
FIRST_GRAPH = "digraph first { a }\n"
SHM = "/dev/shm"


@dataclass
class Picture:
    """One picture to draw: its DOT source and the formats wanted."""

    name: str
    source: str
    formats: tuple[str, ...] = ("svg", "png")
    batch: bool = False


@dataclass
class Group:
    """Pictures submitted together, drawn in their own folder."""

    pictures: list[Picture]
    folder: Path
    futures: list[Future[None]] = field(default_factory=list)


def jobs(pictures: list[Picture], shares: int) -> list[list[Picture]]:
    """The dot runs of a group: each picture that is not ``batch`` alone, the batch pictures
    in ``shares`` runs."""
    shared = [p for p in pictures if p.batch]
    size = max(1, math.ceil(len(shared) / max(1, shares)))
    runs = [[p] for p in pictures if not p.batch]
    return runs + [shared[n : n + size] for n in range(0, len(shared), size)]


def scratch() -> str | None:
    """Where dot's files go: memory (``/dev/shm``) unless TMPDIR says otherwise."""
    if os.environ.get("TMPDIR") is None and os.access(SHM, os.W_OK):
        return SHM
    return None


class Drawing:
    """``dot`` processes in the background, ``workers`` at a time."""

    def __init__(self, workers: int = 2) -> None:
        dot = shutil.which("dot")
        if dot is None:
            raise DocsError("Graphviz is not installed: apt-get install graphviz")
        self.dot = dot
        self.workers = max(1, workers)
        self.tmp = tempfile.TemporaryDirectory(prefix="dzict-docs-", dir=scratch())
        self.pool = ThreadPoolExecutor(max_workers=self.workers)

    def __enter__(self) -> Drawing:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def submit(self, pictures: list[Picture], shares: int | None = None) -> Group:
        """Start drawing a group of pictures, the batch pictures in ``shares`` processes (by
        default one per worker); ``collect`` waits for them."""
        group = Group(pictures, Path(tempfile.mkdtemp(dir=self.tmp.name)))
        for picture in pictures:
            (group.folder / f"{picture.name}.gv").write_text(picture.source, encoding="utf-8")
        if any(p.batch for p in pictures):
            (group.folder / "_first.gv").write_text(FIRST_GRAPH, encoding="utf-8")
        for run in jobs(pictures, shares or self.workers):
            group.futures.append(self.pool.submit(self._run, group.folder, run))
        return group

    def _run(self, folder: Path, run: list[Picture]) -> None:
        files = ["_first.gv"] if run[0].batch else []
        files += [f"{picture.name}.gv" for picture in run]
        formats = run[0].formats
        args = [self.dot, *(f"-T{f}" for f in formats)]
        if "png" in formats:
            args.append(f"-Gsize={PNG_MAX_INCHES},{PNG_MAX_INCHES}")
        proc = subprocess.run(
            [*args, "-O", *files], cwd=folder, capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            names = ", ".join(p.name for p in run)
            raise DocsError(f"dot failed on {names}: {proc.stderr.strip()[:500]}")

    def collect(self, group: Group) -> dict[str, bytes]:
        """Wait for a group; ``{"NAME.FORMAT": bytes}``. DocsError if dot failed."""
        try:
            for future in group.futures:
                future.result()
            return {
                f"{p.name}.{fmt}": (group.folder / f"{p.name}.gv.{fmt}").read_bytes()
                for p in group.pictures
                for fmt in p.formats
            }
        finally:
            shutil.rmtree(group.folder, ignore_errors=True)

    def close(self) -> None:
        """Stop the workers (pictures not collected are dropped) and remove the files."""
        self.pool.shutdown(cancel_futures=True)
        self.tmp.cleanup()


def render(pictures: list[Picture], workers: int = 2) -> dict[str, bytes]:
    """Lay out and draw every picture; returns ``{"NAME.FORMAT": bytes}``."""
    with Drawing(workers) as drawing:
        return drawing.collect(drawing.submit(pictures))

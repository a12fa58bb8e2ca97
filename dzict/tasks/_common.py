"""What every task shares: which inventory, validate first, one clear line on a mistake."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from invoke.context import Context
from invoke.exceptions import Exit
from rich.console import Console

from dzict.exceptions import DzictError, InventoryError
from dzict.inventory import Inventory
from dzict.jobs import RunContext, Settings, build_settings
from dzict.jobs.context import PROJECT_ROOT
from dzict.ticketlog.exceptions import TicketBaseError

DEFAULT_INVENTORY = "inventory/lab"
INVENTORY_HELP = "inventory folder (default: invoke config `inventory`, else inventory/lab)"
REFUSALS: tuple[type[Exception], ...] = (DzictError, TicketBaseError)
"""What a task turns into one line: the project's own errors and the ticket log's."""
console = Console()
errors = Console(stderr=True)


def validated(c: Context, given: str | None = None) -> Inventory:
    """Load and validate the inventory (``--inventory``, DZICT_INVENTORY, invoke config
    ``inventory``, else inventory/lab); on any problem print one line each and stop (exit 1)."""
    return context(c, inventory=given).inventory


def project_root(c: Context | None) -> Path:
    """Invoke's project location (the folder of the tasks.py it loaded), else this checkout."""
    prefix = getattr(c.config, "_project_prefix", None) if c is not None else None
    return Path(prefix) if prefix else PROJECT_ROOT


def task_settings(c: Context, **flags: object) -> Settings:
    """The task's settings (flag > DZICT_ env > invoke config > default), relative ones from
    the project's folder; one line and exit 1 on an unknown or bad setting."""
    config: dict[str, object] = dict(c.config) if c is not None else {}
    with refusals():
        return build_settings(config, flags, root=project_root(c))


def context(c: Context, **flags: object) -> RunContext:
    """The run context of a task: settings (flag > DZICT_ env > invoke config > default) and
    the inventory, loaded and validated once; one line per problem and exit 1 otherwise."""
    settings_ = task_settings(c, **flags)
    path = settings_.path("inventory")
    shown = flags.get("inventory") or settings_["inventory"]  # as the officer wrote it
    if not path.is_dir():
        raise Exit(f"inventory folder {shown} does not exist", code=1)
    try:
        return RunContext.load(settings_)
    except InventoryError as exc:
        for problem in exc.problems:
            errors.print(str(problem), markup=False, highlight=False, soft_wrap=True)
        raise Exit(
            f"inventory {shown} is invalid: {len(exc.problems)} problem(s); nothing was contacted",
            code=1,
        ) from None


@contextmanager
def refusals() -> Iterator[None]:
    """A project or ticket log error inside the block becomes one line on stderr and exit 1."""
    try:
        yield
    except REFUSALS as exc:
        raise fail(exc) from None


def fail(exc: Exception) -> Exit:
    """Turn a project (or ticket log) error into one line and exit code 1."""
    return Exit(str(exc), code=1)

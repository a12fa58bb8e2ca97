"""What every job shares: the run context, the change record, the host selection.

A job (``dzict/<capability>/job.py``) takes a :class:`RunContext`, a selection and a ticket,
does the work and returns rows; only jobs record changes, through :class:`Recorder`.
"""

from dzict.jobs.context import RunContext, Settings, build_settings
from dzict.jobs.records import ChangeRecord, Recorder, Status
from dzict.jobs.selection import LIMIT_HELP, select

__all__ = [
    "LIMIT_HELP",
    "ChangeRecord",
    "Recorder",
    "RunContext",
    "Settings",
    "Status",
    "build_settings",
    "select",
]

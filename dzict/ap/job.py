"""The Wi-Fi job behind ``invoke ap.*``: plan, apply (hostapd's parser first, one access point,
then the rest) and verify. Everything is rendered before any access point is contacted; only
this job records the change, one record per access point."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nornir.core.task import AggregatedResult, MultiResult

import dzict.ssh  # noqa: F401 (registers the "paramiko" connection)
from dzict.ap.intent import ApIntent, intents
from dzict.ap.render import ApFile, files
from dzict.exceptions import ApError
from dzict.jobs import ChangeRecord, Recorder, RunContext, Status
from nornir_tasks.ap_apply import ap_apply
from nornir_tasks.ap_check import ap_check
from nornir_tasks.ap_plan import ap_plan
from nornir_tasks.ap_verify import ap_verify

# A failed host is reported in one line; keep Nornir's tracebacks off the officer's screen.
logging.getLogger("nornir.core").addHandler(logging.NullHandler())
TASK_NAME = "ap.apply"


def error_line(multi: MultiResult) -> str:
    """One line: the host's name and what went wrong."""
    exc = multi[0].exception
    if exc is not None:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    else:
        text = str(multi[0].result).strip().splitlines()[-1]
    host = multi[0].host.name if multi[0].host else "?"
    return text if text.startswith(f"{host}:") else f"{host}: {text}"


@dataclass
class ApApply:
    """What ``apply`` did: the Nornir results in order, and why it stopped (if it did)."""

    results: list[AggregatedResult] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    stopped: str = ""


class ApJob:
    """One run on the selected access points: intents and files computed once, up front."""

    def __init__(self, ctx: RunContext, names: list[str], templates: Path | None = None) -> None:
        self.ctx = ctx
        self.intents: dict[str, ApIntent] = intents(ctx.inventory, names)
        if not self.intents:
            raise ApError("no access points in this inventory")
        self.files: dict[str, dict[str, ApFile]] = {
            name: files(intent, templates) for name, intent in self.intents.items()
        }

    @property
    def names(self) -> list[str]:
        """The access points of this run, sorted."""
        return sorted(self.intents)

    def _run(
        self, task_fn: Callable[..., Any], names: list[str], **kwargs: Any
    ) -> AggregatedResult:
        wanted = set(names)
        subset = self.ctx.nornir().filter(filter_func=lambda h: h.name in wanted)
        return subset.run(task=task_fn, files=self.files, on_failed=True, **kwargs)

    def plan(self) -> AggregatedResult:
        """Each access point's diff against its intended files and bridges; changes nothing."""
        return self._run(ap_plan, self.names, intents=self.intents)

    def verify(self) -> AggregatedResult:
        """Post-checks on each access point."""
        return self._run(ap_verify, self.names, intents=self.intents)

    def apply(self, recorder: Recorder) -> ApApply:
        """hostapd's parser on every candidate first; then one access point, then the rest.

        A failing access point is rolled back to its saved files by the device task; the run
        stops there and the rest are not touched.
        """
        done = ApApply()
        checked = self._run(ap_check, self.names)
        done.rejected = [n for n in self.names if checked[n].failed]
        if done.rejected:
            self._record(recorder, checked, Status.REJECTED)
            done.results.append(checked)
            done.stopped = (
                f"hostapd rejected the candidate of {len(done.rejected)} access point(s);"
                " no access point was changed"
            )
            return done
        first, rest = self.names[:1], self.names[1:]
        for batch in (first, rest):
            if not batch:
                continue
            result = self._run(ap_apply, batch, intents=self.intents)
            self._record(recorder, result, Status.ROLLED_BACK)
            done.results.append(result)
            failed = sorted(n for n in batch if result[n].failed)
            if failed:
                done.stopped = (
                    f"{failed[0]} failed and was rolled back; the others were not touched"
                    if batch is first
                    else f"{len(failed)} access point(s) failed and were rolled back"
                )
                break
        return done

    @staticmethod
    def _record(recorder: Recorder, results: AggregatedResult, on_failure: Status) -> None:
        """One change record per access point."""
        for name in sorted(results):
            multi = results[name]
            details: dict[str, Any]
            if multi.failed:
                status, details = on_failure, {"error": error_line(multi)}
            else:
                status = Status.APPLIED if multi[0].changed else Status.UNCHANGED
                result = multi[0].result if isinstance(multi[0].result, dict) else {}
                details = {"notes": result.get("notes", []), "backup": result.get("backup", "")}
            recorder.record(
                ChangeRecord(TASK_NAME, [name], status, diff=multi[0].diff or None, details=details)
            )

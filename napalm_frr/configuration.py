"""The configuration life cycle: candidates, compare, commit with revert timer, rollback.

See napalm_frr.driver for how it maps onto FRR's own tools on the router.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Literal

from napalm.base import models
from napalm.base.exceptions import (
    CommitConfirmException,
    CommitError,
    MergeConfigException,
    ReplaceConfigException,
)
from napalm.base.helpers import sanitize_configs

from napalm_frr import parsers
from napalm_frr.base import DriverBase
from napalm_frr.commands import SHOW_RUNNING, SHOW_STARTUP, STARTUP_CONFIG

_SYNTAX_CHECK_FAILED = 2  # `vtysh -C` exit status for a configuration it rejects

# Runs detached on the router: waits, then restores the saved configuration unless
# confirm_commit or rollback renamed the pending file away first.
_REVERT_SCRIPT = """#!/bin/sh
# Reverts an unconfirmed commit of the dzict FRR NAPALM driver $1 seconds after it applied
# (or after 120 s if the reload never finished, e.g. its client died during it).
D=$(dirname "$0")
echo $$ > "$D/revert.pid"
i=0
while [ ! -e "$D/applied" ] && [ $i -lt 600 ]; do sleep 0.2; i=$((i + 1)); done
sleep "$1"
mv "$D/pending" "$D/reverting" 2>/dev/null || exit 0
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) reverting $(cat "$D/reverting")" >> "$D/history.log"
{frr_reload} --reload "$D/rollback.conf" >> "$D/revert.log" 2>&1
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) reverted $(cat "$D/reverting")" >> "$D/history.log"
rm -f "$D/reverting" "$D/revert.pid" "$D/applied"
"""


class Configuration(DriverBase):
    """get_config, load/compare/discard/commit_config, confirm_commit and rollback."""

    def get_config(
        self,
        retrieve: str = "all",
        full: bool = False,
        sanitized: bool = False,
        format: str = "text",
    ) -> models.ConfigDict:
        """Running (vtysh), startup (/etc/frr/frr.conf) and candidate configuration."""
        if format != "text":
            raise NotImplementedError("FRR configuration is text only")
        if full:
            raise NotImplementedError("FRR has no running configuration with defaults shown")
        if retrieve not in ("all", "running", "startup", "candidate"):
            raise ValueError(f"retrieve must be all, running, startup or candidate: {retrieve}")
        wanted = {
            "running": SHOW_RUNNING,
            "startup": SHOW_STARTUP,
            "candidate": f"cat {self._path('candidate.conf')}",
        }
        if self._candidate is None or retrieve not in ("all", "candidate"):
            del wanted["candidate"]
        else:
            self._build_candidate()
        if retrieve != "all":
            wanted = {k: v for k, v in wanted.items() if k == retrieve}
        outputs = dict(zip(wanted, self._run_many(list(wanted.values())), strict=True))
        configs: models.ConfigDict = {
            "running": outputs.get("running", ""),
            "startup": outputs.get("startup", ""),
            "candidate": outputs.get("candidate", ""),
        }
        if sanitized:
            return sanitize_configs(configs, parsers.FRR_SANITIZE_FILTERS)
        return configs

    @staticmethod
    def _candidate_text(filename: str | None, config: str | None) -> str | None:
        if filename is not None:
            return Path(filename).read_text()
        return config

    def _load(self, mode: Literal["replace", "merge"], text: str | None) -> None:
        error = ReplaceConfigException if mode == "replace" else MergeConfigException
        if text is None:
            raise error(f"{self.hostname}: give a filename or a config to load")
        target = self._path("candidate.conf" if mode == "replace" else "merge.conf")
        command = (
            f"umask 077 && mkdir -p {shlex.quote(self.state_dir)} && cat > {target} && "
            f"vtysh -C -f {target}"
        )
        result = self._device().run(command, stdin=text)
        if result.exit_status == _SYNTAX_CHECK_FAILED:
            self._candidate = None
            errors = parsers.syntax_errors(result.stderr + result.stdout)
            raise error(
                f"{self.hostname}: FRR rejects the {mode} candidate: "
                + ("; ".join(errors) or result.stderr.strip())
            )
        self._checked(command, result)
        self._candidate = mode

    def load_replace_candidate(
        self, filename: str | None = None, config: str | None = None
    ) -> None:
        """Upload a whole new configuration and check its syntax (ReplaceConfigException)."""
        self._load("replace", self._candidate_text(filename, config))

    def load_merge_candidate(self, filename: str | None = None, config: str | None = None) -> None:
        """Upload lines to add to the running configuration and check their syntax."""
        self._load("merge", self._candidate_text(filename, config))

    def _build_candidate(self) -> None:
        """For a merge, the candidate is the running configuration followed by the lines."""
        if self._candidate == "merge":
            self._run(
                f"{{ {SHOW_RUNNING}; echo '!'; cat {self._path('merge.conf')}; }} "
                f"> {self._path('candidate.conf')}"
            )

    def compare_config(self) -> str:
        """What commit_config would change, as '-'/'+' lines ('' when nothing)."""
        if self._candidate is None:
            return ""
        self._build_candidate()
        return parsers.render_reload_diff(
            self._run(f"{shlex.quote(self.frr_reload)} --test {self._path('candidate.conf')}")
        )

    def discard_config(self) -> None:
        """Forget the candidate (on the router too)."""
        self._run(f"rm -f {self._path('candidate.conf')} {self._path('merge.conf')}")
        self._candidate = None

    def _log(self, event: str) -> None:
        line = shlex.quote(f"{self.username} {event}")
        self._run(f'echo "$(date -u +%Y-%m-%dT%H:%M:%SZ)" {line} >> {self._path("history.log")}')

    def commit_config(self, message: str = "", revert_in: int | None = None) -> None:
        """Apply the candidate; with revert_in, the router reverts it unless confirmed in time."""
        if revert_in is not None and (not isinstance(revert_in, int) or revert_in < 1):
            raise CommitConfirmException(f"{self.hostname}: revert_in must be whole seconds >= 1")
        if self.has_pending_commit():
            raise CommitError(f"{self.hostname}: a commit is waiting for confirmation")
        if self._candidate is None:
            raise CommitError(f"{self.hostname}: no candidate loaded")
        self._build_candidate()
        self._run(
            f"{SHOW_RUNNING} > {self._path('rollback.conf.new')} && "
            f"mv {self._path('rollback.conf.new')} {self._path('rollback.conf')}"
        )
        if revert_in is not None:
            self._start_revert_timer(message, revert_in)
        result = self._device().run(self._reload_command(keep_startup=revert_in is not None))
        if result.exit_status != 0:
            if revert_in is not None:
                self._claim_pending("cancelled")
            error = ReplaceConfigException if self._candidate == "replace" else MergeConfigException
            detail = " / ".join(result.stderr.strip().splitlines()[-3:])
            raise error(f"{self.hostname}: frr-reload.py did not apply the candidate: {detail}")
        pending = f" (reverts in {revert_in} s unless confirmed)" if revert_in else ""
        self._log(f"commit {self._candidate}{pending}: {message}")
        self._candidate = None

    def _reload_command(self, *, keep_startup: bool) -> str:
        """frr-reload.py --reload of the candidate; it always writes frr.conf afterwards.

        An unconfirmed commit must not reach the startup configuration (a reboot then reverts
        it too), so with keep_startup frr.conf is put back as it was before the reload, and the
        file `applied` starts the revert timer's countdown.
        """
        reload = f"{shlex.quote(self.frr_reload)} --reload {self._path('candidate.conf')}"
        if not keep_startup:
            return reload
        saved = self._path("startup.conf")
        return (
            f"cp -p {STARTUP_CONFIG} {saved} || exit 1; {reload}; rc=$?; "
            f"cp -p {saved} {STARTUP_CONFIG}; "
            f"if [ $rc = 0 ]; then touch {self._path('applied')}; fi; exit $rc"
        )

    def _start_revert_timer(self, message: str, revert_in: int) -> None:
        state = json.dumps({"revert_in": revert_in, "message": message, "user": self.username})
        script = _REVERT_SCRIPT.replace("{frr_reload}", shlex.quote(self.frr_reload))
        self._run(f"cat > {self._path('revert.sh')}", stdin=script)
        self._run(
            f"rm -f {self._path('revert.pid')} {self._path('applied')} && "
            f"printf '%s\\n' {shlex.quote(state)} > {self._path('pending')} && "
            f"{{ setsid sh {self._path('revert.sh')} {revert_in} "
            "</dev/null >/dev/null 2>&1 & }"
        )

    def _claim_pending(self, claim: str) -> bool:
        """Take the pending commit away from the revert timer and stop it; False if none."""
        result = self._device().run(
            f"mv {self._path('pending')} {self._path(claim)} 2>/dev/null || exit 3; "
            f"p=$(cat {self._path('revert.pid')} 2>/dev/null); "
            f'if [ -n "$p" ]; then kill -TERM -"$p" 2>/dev/null; fi; '
            f"rm -f {self._path(claim)} {self._path('revert.pid')} {self._path('applied')}"
        )
        return result.exit_status == 0

    def has_pending_commit(self) -> bool:
        """Whether a commit waits for confirm_commit (its revert timer still running)."""
        pending, pid = self._path("pending"), self._path("revert.pid")
        result = self._device().run(
            f"[ -f {pending} ] || exit 1; p=$(cat {pid} 2>/dev/null) || exit 0; "
            f'grep -q revert.sh "/proc/$p/cmdline" 2>/dev/null'
        )
        return result.exit_status == 0

    def confirm_commit(self) -> None:
        """Keep the pending commit: stop the revert timer and write /etc/frr/frr.conf."""
        if not self._claim_pending("confirming"):
            raise CommitConfirmException(
                f"{self.hostname}: no commit waits for confirmation (reverted already?)"
            )
        self._run("vtysh -w")
        self._log("confirmed")

    def rollback(self) -> None:
        """Restore the configuration saved before the last commit (stops a pending revert)."""
        rollback = self._path("rollback.conf")
        if self._device().run(f"test -f {rollback}").exit_status != 0:
            raise CommitError(f"{self.hostname}: nothing to roll back to (no commit saved one)")
        self._claim_pending("rolling-back")
        self._run(f"{shlex.quote(self.frr_reload)} --reload --overwrite {rollback}")
        self._log("rolled back")

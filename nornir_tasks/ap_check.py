"""Check the candidate files on the access point with the platform's own parser."""

from __future__ import annotations

from collections.abc import Mapping

from nornir.core.task import Result, Task

from dzict.ap import device
from dzict.ap.render import ApFile
from dzict.exceptions import ApConfigRejected
from dzict.ssh import CONNECTION_NAME, Shell

__all__ = ["ap_check"]
#: OpenWrt: ``uci`` parses the staged sections in a private folder (not run in this project's lab).
UCI_CHECK = (
    "set -e; d=$(mktemp -d); trap 'rm -rf \"$d\"' EXIT; "
    'cat > "$d/candidate"; uci -c "$d" show candidate >/dev/null'
)


def ap_check(task: Task, files: Mapping[str, Mapping[str, ApFile]]) -> Result:
    """hostapd's parser on every hostapd file (OpenWrt: ``uci``); nothing on the AP changes.

    Raises ApConfigRejected (a failed Result) with the parser's own messages.
    """
    shell: Shell = task.host.get_connection(CONNECTION_NAME, task.nornir.config)
    checked = []
    for path, file in sorted(files[task.host.name].items()):
        if path.startswith("/etc/hostapd/"):
            result = device.check_hostapd(shell, file.text)
            if not result.accepted:
                raise ApConfigRejected(task.host.name, path, list(result.messages))
            checked.append(path)
        elif path.endswith(".uci"):
            done = shell.run(UCI_CHECK, file.text)
            if done.exit_status != 0:
                raise ApConfigRejected(task.host.name, path, done.stderr.splitlines())
            checked.append(path)
    return Result(host=task.host, result=checked)

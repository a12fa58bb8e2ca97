"""Check a rendered hostapd configuration with hostapd's own parser, on the access point.

hostapd has no "check the configuration" switch. What runs here is the real daemon of the access
point, started in the foreground on a private copy of the candidate file in which only two lines
differ: ``driver=none`` (hostapd's driver that never touches a radio, so the running Wi-Fi is
left alone and the check works where no radio exists, as in the lab) and no ``ctrl_interface``
(so the check cannot take over the running daemon's control sockets). hostapd then:

* parses every line with its own parser (``hostapd_config_read``): unknown keys, bad values,
  a passphrase outside 8-63 characters, a bad ``wpa_key_mgmt``... each gives ``Line N: ...``;
* runs its whole-file consistency checks (``hostapd_config_check``: WPA without a passphrase,
  802.1X without a RADIUS server, SAE without management frame protection, ...);
* starts interface setup: with ``country_code`` set (always, BT) it then waits for the
  regulatory update that only a radio driver sends ("interface state
  UNINITIALIZED->COUNTRY_UPDATE"), and the check stops it there.

Not exercised, because they need a radio and its driver: setting up the SSIDs themselves (PSK
derivation, the WPA/SAE authenticator, the RADIUS client), the channel against the radio's own
channel list and the kernel's regulatory domain (the inventory check covers the BT table), the
hardware's HT/VHT capabilities, DFS, creating the second and later SSID interfaces (``bss=``),
adding them to their bridges, and any RADIUS exchange.

The verdict is read from hostapd's own messages: "N errors found in configuration file" means
rejected; reaching interface setup ("interface state ..." or "Completing interface
initialization") means the parser accepted the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: POSIX shell run on the access point; the candidate file arrives on standard input.
CHECK_SCRIPT = r"""set -u
d=$(mktemp -d /tmp/dzict-hostapd-check.XXXXXX)
trap 'rm -rf "$d"' EXIT
cat > "$d/candidate.conf"
sed -i -e 's/^driver=.*/driver=none/' -e '/^ctrl_interface/d' "$d/candidate.conf"
hostapd -dd "$d/candidate.conf" > "$d/out" 2>&1 &
pid=$!
i=0
while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 100 ]; do
    grep -q -e 'interface state' -e 'Completing interface initialization' \
        -e 'errors found in configuration file' "$d/out" && break
    sleep 0.05
    i=$((i + 1))
done
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
cat "$d/out"
"""
ERRORS = re.compile(r"^(\d+) errors? found in configuration file")
ACCEPTED = ("interface state ", "Completing interface initialization")


@dataclass(frozen=True)
class CheckResult:
    """hostapd's verdict on one file, with its own messages when it rejected it."""

    accepted: bool
    messages: tuple[str, ...]


def verdict(output: str) -> CheckResult:
    """Read hostapd's verdict from its output (see the module docstring)."""
    lines = output.splitlines()
    start = next(
        (n for n, line in enumerate(lines) if line.startswith("Configuration file:")), None
    )
    if start is None:
        last = lines[-1] if lines else "no output"
        return CheckResult(False, (f"hostapd did not read the file: {last}",))
    for n, line in enumerate(lines[start + 1 :], start=start + 1):
        if ERRORS.match(line):
            found = [x for x in lines[start + 1 : n] if not x.startswith(("random:", "Line 0"))]
            return CheckResult(False, (*found, line))
        if any(marker in line for marker in ACCEPTED):
            return CheckResult(True, ())
    return CheckResult(False, (f"hostapd gave no verdict: {lines[-1]}",))

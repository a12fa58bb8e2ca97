"""hostapd's verdict, read from its own output recorded on Debian 12's hostapd 2.10.

Each folder of ``hostapd_check/`` holds ``output.txt`` (what the check script printed on an
access point) and ``expected_result.json``; the lab tests run the same script for real.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dzict.ap.hostapd_check import verdict

CASES = Path(__file__).with_name("hostapd_check")


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir()))
def test_verdict(case: str) -> None:
    output = (CASES / case / "output.txt").read_text()
    expected = json.loads((CASES / case / "expected_result.json").read_text())
    result = verdict(output)
    assert {"accepted": result.accepted, "messages": list(result.messages)} == expected


def test_a_rejection_names_the_line_and_the_setting() -> None:
    result = verdict((CASES / "rejected_unknown_setting" / "output.txt").read_text())
    assert not result.accepted
    assert result.messages[0] == "Line 10: unknown configuration item 'beacon_intervall'"


def test_no_verdict_is_not_acceptance() -> None:
    assert not verdict("Configuration file: /tmp/x.conf\n").accepted
    assert not verdict("").accepted

"""50 agencies send the form at the same moment through the real server: 50 tickets."""

from __future__ import annotations

import http.cookiejar
import re
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from pathlib import Path

from desk_support import DeskSite, request_form, served

SENDERS = 50
ROOT = Path(__file__).resolve().parents[2]
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _send_one(base: str, form: dict[str, str], start: threading.Barrier, out: list[str]) -> None:
    """One browser: read the form (cookie and token), wait for the others, send, follow."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = opener.open(f"{base}/request", timeout=60).read().decode()
    found = _CSRF.search(page)
    assert found
    body = urllib.parse.urlencode({"csrf_token": found.group(1), **form}).encode()
    start.wait(timeout=60)
    with opener.open(f"{base}/request", data=body, timeout=120) as response:
        assert response.status == 200
        out.append(response.url)


def test_fifty_concurrent_requests_make_fifty_tickets_and_the_chain_holds(
    site: DeskSite,
) -> None:
    # http.cookiejar keeps Secure cookies for https only; this loopback test serves http
    site.app.config["SESSION_COOKIE_SECURE"] = False
    urls: list[str] = []
    start = threading.Barrier(SENDERS)
    with served(site) as base:
        senders = [
            threading.Thread(
                target=_send_one,
                args=(
                    base,
                    request_form(site.run.inventory, description=f"Request number {n} from Guma"),
                    start,
                    urls,
                ),
            )
            for n in range(SENDERS)
        ]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(timeout=300)
    assert len(urls) == SENDERS
    assert len({u.rsplit("/t/", 1)[1] for u in urls}) == SENDERS  # every token different
    tickets = site.log.tickets()
    assert len(tickets) == SENDERS
    assert len({t.id for t in tickets}) == SENDERS
    numbers = sorted(int(t.id.rsplit("-", 1)[1]) for t in tickets)
    assert numbers == list(range(1, SENDERS + 1))
    described = {e["description"] for e in site.events()}
    assert described == {f"Request number {n} from Guma" for n in range(SENDERS)}
    assert site.log.verify().ok
    verify = subprocess.run(
        [sys.executable, "-m", "invoke", "ticket.verify", "--log", str(site.log.path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert verify.returncode == 0, verify.stderr
    assert f"{site.log.path}: OK" in verify.stdout

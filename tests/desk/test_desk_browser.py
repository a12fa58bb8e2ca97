"""Journeys in a real browser (Debian's chromium, driven by Playwright) against the real server.

An agency sends a request from a phone; an officer logs in, finds it, takes it; a job records
a change under the ticket; the officer writes to the requester and closes the ticket; the
agency's tracking page shows it closed with the resolution. Screenshots go to the test's
folder, and also to ``$DZICT_DESK_SCREENSHOTS`` when set (``docs/service-desk`` for the docs).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from desk_support import PASSWORDS, DeskSite, served
from playwright.sync_api import Browser, Page, sync_playwright
from tat_reference import build_reference_log

from dzict.jobs import ChangeRecord, Status

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 375, "height": 740}
DESK = {"width": 1280, "height": 900}
DESCRIPTION = (
    "The Wi-Fi in the Gewog hall stopped this morning; staff cannot reach the e-Citizen portal.\n"
    "གཞུང་སྒོ་ཁང་ནང་ Wi-Fi ལཱ་མི་འབད་བས།"
)
REQUESTER = "Karma Dema (ཀརྨ་བདེ་མ)"
WAN_DIFF = (
    "--- lab-guma-r1 running\n+++ lab-guma-r1 intended\n@@ -12,3 +12,3 @@\n"
    " interface lan0.20\n-  ip address 198.18.1.1/24\n+  ip address 198.18.1.1/24\n"
    " router ospf\n-  passive-interface lan0.30\n+  passive-interface lan0.20\n"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/apt-packages.txt)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class Shots:
    """Screenshots of one journey: in the test's folder, copied to the docs when asked."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        wanted = os.environ.get("DZICT_DESK_SCREENSHOTS")
        self.docs = Path(wanted) if wanted else None
        self.taken: list[Path] = []

    def take(self, page: Page, name: str) -> None:
        path = self.folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 5000
        self.taken.append(path)
        if self.docs is not None:
            self.docs.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, self.docs / path.name)


def fits_the_screen(page: Page) -> bool:
    """No sideways scrolling: the page is no wider than the screen."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def agency_sends(page: Page, base: str, site: DeskSite, shots: Shots) -> str:
    office = site.run.inventory.sites["guma"]
    page.goto(f"{base}/request")
    assert fits_the_screen(page)
    page.select_option("#agency", label=office.agency)
    page.select_option("#office", label=office.name)
    page.fill("#name", REQUESTER)
    page.fill("#phone", "+975 17 123 456")
    page.fill("#email", "gao.guma@example.bt")
    page.select_option("#category", "wifi")
    page.fill("#description", DESCRIPTION)
    shots.take(page, "01-request-form-phone")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/t/*")
    assert page.inner_text("#status").lower() == "status: received"
    assert page.inner_text("#description") == DESCRIPTION
    assert fits_the_screen(page)
    shots.take(page, "02-tracking-received-phone")
    return page.url


def officer_works(page: Page, base: str, site: DeskSite, shots: Shots) -> str:
    page.goto(f"{base}/officer/")
    page.wait_for_url(f"{base}/officer/login")
    page.fill("#name", "pema")
    page.fill("#password", PASSWORDS["pema"])
    shots.take(page, "03-officer-login")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/officer/")
    [ticket] = site.log.tickets()
    row = page.locator(f"#row-{ticket.id}")
    assert REQUESTER not in row.inner_text()  # the queue shows the summary, not the person
    assert "Wi-Fi in the Gewog hall" in row.inner_text()
    shots.take(page, "04-officer-queue")
    row.get_by_role("link", name=ticket.id).click()
    page.click("#take")
    assert "You took" in page.inner_text(".flash")
    assert page.inner_text("#owner") == "pema"
    # a job working under the ticket records its change, as `wan.apply --ticket` does
    site.run.recorder(ticket.id).record(
        ChangeRecord(
            task="wan.apply",
            targets=["lab-guma-r1"],
            status=Status.APPLIED,
            diff=WAN_DIFF,
            before={"lab-guma-r1": "3f9a" * 16},
            after={"lab-guma-r1": "81c2" * 16},
            details={"stage": "office", "commit_confirm_seconds": 120},
        )
    )
    page.reload()
    change = page.locator(".change").first
    assert "wan.apply · applied" in change.inner_text()
    assert "+  passive-interface lan0.20" in change.locator("pre.diff").inner_text()
    page.fill("#text", "An officer will replace the access point's power supply today.")
    page.check("#for-requester")
    page.get_by_role("button", name="Add the note").click()
    shots.take(page, "05-officer-ticket-with-change")
    page.fill("#resolution-text", "Power supply of the hall's access point replaced; Wi-Fi back.")
    page.click("#close")
    assert f"{ticket.id} closed." in page.inner_text(".flash")
    shots.take(page, "06-officer-ticket-closed")
    return ticket.id


def test_request_to_resolution(browser: Browser, site: DeskSite, tmp_path: Path) -> None:
    shots = Shots(tmp_path / "screenshots")
    dialogs: list[str] = []
    with served(site) as base:
        phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        agency = phone.new_page()
        agency.on("dialog", lambda d: dialogs.append(d.message))
        tracking = agency_sends(agency, base, site, shots)
        officer = browser.new_context(viewport=DESK).new_page()
        tid = officer_works(officer, base, site, shots)
        agency.goto(tracking)
        assert "closed" in agency.inner_text("#status").lower()
        assert agency.inner_text("#resolution") == (
            "Power supply of the hall's access point replaced; Wi-Fi back."
        )
        assert "power supply today" in agency.inner_text(".notes")
        assert "wan.apply" not in agency.content()  # changes are for officers
        assert fits_the_screen(agency)
        shots.take(agency, "07-tracking-closed-phone")
    assert dialogs == []
    assert [e["event"] for e in site.log.events(tid)] == [
        "opened",
        "assigned",
        "change",
        "note",
        "closed",
    ]
    assert site.log.verify().ok
    assert len(shots.taken) == 7


def test_script_typed_into_the_form_never_runs(
    browser: Browser, site: DeskSite, tmp_path: Path
) -> None:
    shots = Shots(tmp_path / "screenshots")
    dialogs: list[str] = []
    with served(site) as base:
        page = browser.new_context(viewport=PHONE, is_mobile=True).new_page()
        page.on("dialog", lambda d: dialogs.append(d.message))
        page.goto(f"{base}/request")
        office = site.run.inventory.sites["guma"]
        page.select_option("#agency", label=office.agency)
        page.select_option("#office", label=office.name)
        page.fill("#name", "<script>alert('name')</script>")
        page.fill("#phone", "+975 17 123 456")
        page.select_option("#category", "wifi")
        page.fill("#description", "<img src=x onerror=alert('description')> no Wi-Fi here")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        assert "Nothing was sent" in page.inner_text("main")
        assert page.input_value("#name") == "<script>alert('name')</script>"
        problems = page.locator(".problem").all_inner_texts()
        assert problems == [
            "Your name: HTML tags such as <script> are not accepted; write plain text",
            "Description: HTML tags such as <script> are not accepted; write plain text",
        ]
        assert fits_the_screen(page)
        shots.take(page, "08-request-refused-phone")
    assert dialogs == []
    assert site.events() == []


def test_the_turn_around_dashboard_on_the_reference_tickets(
    browser: Browser, site: DeskSite, tmp_path: Path
) -> None:
    shots = Shots(tmp_path / "screenshots")
    build_reference_log(site.log.path)
    with served(site) as base:
        page = browser.new_context(viewport=DESK).new_page()
        page.goto(f"{base}/officer/login")
        page.fill("#name", "karma")
        page.fill("#password", PASSWORDS["karma"])
        page.click("button[type=submit]")
        page.get_by_role("link", name="Turn-around").click()
        page.wait_for_load_state("load")  # the chart (wait_for_function would need eval)
        assert page.locator("img.chart").evaluate("img => img.naturalWidth") > 0
        wan = page.locator("#requests-category tr", has_text="wan").inner_text().split()
        # 4 WAN tickets, TTO 20 30 40 90 min: median 35, p90 40 + 0.7 * 50 = 75 min (1.25 h,
        # shown 1.2), 3 of 4 within 1 h; TTR 120 120 120 150: median 2 h, p90 141 min
        assert " ".join(wan) == "wan 4 0.6 h 1.2 h 75 % 2.0 h 2.4 h 100 %"
        shots.take(page, "09-officer-turn-around")

"""Waiting for the agency, breaching soon, and the officers' turn-around dashboard."""

from __future__ import annotations

import csv
import html
import io
from datetime import UTC, datetime, timedelta

from desk_support import DeskSite, login, request_form, send

from dzict.desk.sla import Due


def text_of(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_waiting_for_the_agency_stops_the_clock_and_tells_the_requester(site: DeskSite) -> None:
    client = site.client()
    tracking = send(client, "/request", request_form(site.run.inventory)).headers["Location"]
    [opened] = site.events()
    tid = opened["ticket"]
    login(client)
    page = f"/officer/tickets/{tid}"
    empty = send(client, f"{page}/pause", {"reason": ""})
    assert "Waiting for is required" in text_of(empty)
    paused = send(client, f"{page}/pause", {"reason": "the printer's serial number"})
    assert paused.status_code == 302
    assert "its clock is stopped" in text_of(client.get(page))
    assert "Status: <strong>waiting for your answer</strong>" in client.get(tracking).get_data(
        as_text=True
    )
    assert send(client, f"{page}/resume", {}).status_code == 302
    events = site.log.events(tid)
    assert [e["event"] for e in events] == ["opened", "paused", "resumed"]
    assert events[1]["reason"] == "the printer's serial number"
    assert "Status: <strong>received</strong>" in client.get(tracking).get_data(as_text=True)


def test_due_is_the_time_left_on_the_clock_that_runs() -> None:
    assert Due("TTO", 4, 0.5).soon
    assert not Due("TTR", 16, 8).soon
    assert Due("TTR", 8, -2.5).text == "TTR over by 2.5 h"
    assert Due("TTO", 4, 1.25).text == "TTO 1.2 h left"


def test_the_queue_shows_time_left_and_filters_those_breaching_soon(site: DeskSite) -> None:
    now = datetime.now(UTC)
    old = site.log.open(
        "Guma Gewog Centre",
        "wan",
        "phone",
        "normal",
        "Link down",
        "pema",
        received=now - timedelta(days=10),
    )
    fresh = site.log.open("Guma Gewog Centre", "wifi", "phone", "normal", "Slow Wi-Fi", "pema")
    dues = site.app.extensions["dzict_desk"].dues(now)
    assert dues[old].clock == "TTO"
    assert dues[old].left < 0  # ten days: more than the 1 h a WAN ticket has to be taken
    assert 0 < dues[fresh].left <= 2.0  # a Wi-Fi ticket has 2 h to be taken
    client = site.client()
    login(client)
    everything = client.get("/officer/").get_data(as_text=True)
    assert 'id="row-' + old in everything
    assert 'id="row-' + fresh in everything
    assert "TTO over by" in everything
    soon = client.get("/officer/?due=1").get_data(as_text=True)
    assert 'id="row-' + old in soon
    assert 'id="row-' + fresh not in soon


def test_the_dashboard_csv_and_chart(site: DeskSite) -> None:
    tid = site.log.open("Guma Gewog Centre", "wan", "phone", "normal", "Link down", "pema")
    site.log.assign(tid, "pema", "pema")
    site.log.close(tid, "Fibre spliced.", "pema")
    site.log.close(
        site.log.open(
            "ICT Services Unit", "os-patch", "scheduled", "normal", "Scheduled patch", "scheduler"
        ),
        "success",
        "scheduler",
    )
    client = site.client()
    assert client.get("/officer/report/").headers["Location"] == "/officer/login"
    login(client)
    page = client.get("/officer/report/").get_data(as_text=True)
    assert "agencies&#39; requests" in page
    assert "the unit&#39;s own tickets" in page
    assert 'id="requests-category"' in page
    assert 'id="unit-channel"' in page
    rows = list(
        csv.DictReader(io.StringIO(client.get("/officer/report/tat.csv").get_data(as_text=True)))
    )
    assert [(r["ticket"], r["kind"]) for r in rows] == [
        (tid, "requests"),
        (rows[1]["ticket"], "unit"),
    ]
    png = client.get("/officer/report/tat.png")
    assert png.headers["Content-Type"] == "image/png"
    assert png.get_data().startswith(b"\x89PNG")

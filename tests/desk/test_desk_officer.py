"""The officers' side: login, queue and filters, take, assign, notes, close, entered requests,
and the changes jobs record under a ticket."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from desk_support import DeskSite, login, request_form, send

from dzict.jobs import ChangeRecord, Status
from dzict.ticketlog import DIFF_LIMIT

THIMPHU = ZoneInfo("Asia/Thimphu")
WAN_DIFF = (
    "--- r1\n+++ r1\n@@ -3,2 +3,2 @@\n interface wan0\n- ip ospf cost 10\n+ ip ospf cost 20\n"
)


def text_of(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_officer_pages_need_a_login(site: DeskSite) -> None:
    client = site.client()
    tid = site.log.open("Guma Gewog Centre", "wifi", "phone", "normal", "AP down", "pema")
    for path in ("/officer/", f"/officer/tickets/{tid}", "/officer/new"):
        assert client.get(path).headers["Location"] == "/officer/login"
    assert client.get("/api/tickets").status_code == 401
    assert client.get("/api/tickets").get_json()["error"] == "log in at /officer/login first"


def test_login_then_logout(site: DeskSite) -> None:
    client = site.client()
    assert login(client).headers["Location"] == "/officer/"
    page = text_of(client.get("/officer/"))
    assert "Log out Pema Choden" in page
    assert send(client, "/officer/logout", {}).headers["Location"] == "/officer/login"
    assert client.get("/officer/").status_code == 302


def _three_tickets(site: DeskSite) -> list[str]:
    inv = site.run.inventory
    guma, talo = inv.sites["guma"].agency, inv.sites["talo"].agency
    ids = [
        site.log.open(guma, "wifi", "online-form", "normal", "Wi-Fi down", "online form"),
        site.log.open(talo, "wan", "phone", "normal", "No internet", "karma"),
        site.log.open(guma, "account", "walk-in", "normal", "New staff account", "karma"),
    ]
    site.log.assign(ids[1], "pema", "pema")
    site.log.assign(ids[2], "karma", "karma")
    site.log.close(ids[2], "Account created.", "karma")
    return ids


def test_queue_filters(site: DeskSite) -> None:
    wifi, wan, account = _three_tickets(site)
    guma = site.run.inventory.sites["guma"].agency
    assert [t.id for t in _tickets(site, "")] == [wifi, wan]  # open, oldest first
    assert [t.id for t in _tickets(site, "state=closed")] == [account]
    assert [t.id for t in _tickets(site, "state=all")] == [wifi, wan, account]
    assert [t.id for t in _tickets(site, "mine=1")] == [wan]
    assert [t.id for t in _tickets(site, f"state=all&agency={guma}")] == [wifi, account]
    assert [t.id for t in _tickets(site, "state=all&category=wan")] == [wan]
    assert [t.id for t in _tickets(site, "state=bogus")] == [wifi, wan]


def _tickets(site: DeskSite, query: str) -> list[object]:
    client = site.client()
    login(client)
    page = client.get(f"/officer/?{query}").get_data(as_text=True)
    found = [(page.find(f'id="row-{t.id}"'), t) for t in site.log.tickets()]
    return [t for at, t in sorted(found, key=lambda pair: pair[0]) if at >= 0]


def test_take_assign_note_and_close(site: DeskSite) -> None:
    tid = site.log.open("Guma Gewog Centre", "wifi", "phone", "normal", "AP down", "karma")
    client = site.client()
    login(client)
    page = f"/officer/tickets/{tid}"
    taken = send(client, f"{page}/take", {})
    assert taken.headers["Location"] == page
    assert f"You took {tid}." in text_of(client.get(page))
    assert send(client, f"{page}/assign", {"assignee": "karma"}).status_code == 302
    internal = {"text": "Power cut at the gewog; waiting for BPC.", "visibility": "internal"}
    public = {"text": "སྒོ་ཕྱེ་ We will come tomorrow.", "visibility": "requester"}
    assert send(client, f"{page}/note", internal).status_code == 302
    assert send(client, f"{page}/note", public).status_code == 302
    closed = send(client, f"{page}/close", {"resolution": "AP replaced."})
    assert closed.status_code == 302
    events = site.log.events(tid)
    assert [e["event"] for e in events] == [
        "opened",
        "assigned",
        "assigned",
        "note",
        "note",
        "closed",
    ]
    assert (events[1]["assignee"], events[1]["officer"]) == ("pema", "pema")
    assert (events[2]["assignee"], events[2]["officer"]) == ("karma", "pema")
    assert [e["visibility"] for e in events[3:5]] == ["internal", "requester"]
    assert events[4]["text"] == "སྒོ་ཕྱེ་ We will come tomorrow."
    assert (events[5]["resolution"], events[5]["officer"]) == ("AP replaced.", "pema")
    shown = text_of(client.get(page))
    assert "CLOSED" in shown.upper()
    assert "(requester)" in shown
    assert "(internal)" in shown
    assert 'id="take"' not in shown  # a closed ticket offers no take or close


def test_an_action_on_a_closed_ticket_is_refused_with_the_reason(site: DeskSite) -> None:
    tid = site.log.open("Guma Gewog Centre", "wifi", "phone", "normal", "AP down", "karma")
    site.log.close(tid, "done", "karma")
    client = site.client()
    login(client)
    response = send(client, f"/officer/tickets/{tid}/take", {})
    assert response.status_code == 400
    assert f"ticket {tid} is not open" in text_of(response)
    assert len(site.log.events(tid)) == 2


def test_an_empty_note_or_resolution_is_named(site: DeskSite) -> None:
    tid = site.log.open("Guma Gewog Centre", "wifi", "phone", "normal", "AP down", "karma")
    client = site.client()
    login(client)
    note = send(client, f"/officer/tickets/{tid}/note", {"text": " ", "visibility": "internal"})
    assert "Note is required" in text_of(note)
    close = send(client, f"/officer/tickets/{tid}/close", {"resolution": ""})
    assert "Resolution is required" in text_of(close)
    nobody = send(client, f"/officer/tickets/{tid}/assign", {"assignee": "mallory"})
    assert "Assign to: choose one of the list" in text_of(nobody)
    assert len(site.log.events(tid)) == 1


def test_an_unknown_ticket_is_a_404(site: DeskSite) -> None:
    client = site.client()
    login(client)
    response = client.get("/officer/tickets/LAB-2026-9999")
    assert response.status_code == 404
    assert "No ticket LAB-2026-9999" in text_of(response)


def test_a_phone_request_is_entered_with_the_time_it_was_received(site: DeskSite) -> None:
    client = site.client()
    login(client, "karma")
    received = datetime.now(UTC).astimezone(THIMPHU).replace(second=0, microsecond=0)
    received -= timedelta(hours=3)
    form = request_form(
        site.run.inventory, channel="phone", received=received.strftime("%Y-%m-%dT%H:%M")
    )
    response = send(client, "/officer/new", form)
    assert response.status_code == 302
    [opened] = site.events()
    assert response.headers["Location"] == f"/officer/tickets/{opened['ticket']}"
    assert opened["channel"] == "phone"
    assert opened["officer"] == "karma"
    assert datetime.fromisoformat(opened["received"]) == received
    page = text_of(client.get(response.headers["Location"]))
    assert f"Opened {opened['ticket']}. Tracking link for the requester: http://localhost/t/" in (
        page
    )
    assert f"{received:%Y-%m-%d %H:%M} (phone)" in page
    [summary] = site.log.tickets()
    assert summary.start == received


def test_an_entered_request_received_in_the_future_is_refused(site: DeskSite) -> None:
    client = site.client()
    login(client)
    later = datetime.now(UTC).astimezone(THIMPHU) + timedelta(hours=2)
    form = request_form(
        site.run.inventory, channel="fax", received=later.strftime("%Y-%m-%dT%H:%M")
    )
    response = send(client, "/officer/new", form)
    assert response.status_code == 400
    assert "Received: the time is in the future" in text_of(response)
    bad = send(client, "/officer/new", {**form, "received": "yesterday", "channel": "pigeon"})
    assert "Received: a date and time like" in text_of(bad)
    assert "Channel: choose one of the list" in text_of(bad)
    assert site.events() == []


def test_changes_recorded_under_a_ticket_show_on_its_page(site: DeskSite) -> None:
    tid = site.log.open("Lab Dzongkhag Administration", "wan", "phone", "normal", "Slow", "pema")
    recorder = site.run.recorder(tid)  # as a job records under its ticket
    recorder.record(
        ChangeRecord(
            task="wan.apply",
            targets=["lab-hq-r1", "lab-guma-r1"],
            status=Status.APPLIED,
            diff=WAN_DIFF,
            before={"lab-hq-r1": "a" * 64},
            after={"lab-hq-r1": "b" * 64},
            details={"stage": "canary", "backup_commit": "c0ffee1"},
        )
    )
    recorder.record(ChangeRecord(task="backup.run", targets=["lab-hq-srv1"], status=Status.OK))
    recorder.record(
        ChangeRecord(
            task="patch.apply",
            targets=["lab-guma-pc1"],
            status=Status.ROLLED_BACK,
            diff="x" * (DIFF_LIMIT + 1),
        )
    )
    client = site.client()
    login(client)
    page = client.get(f"/officer/tickets/{tid}").get_data(as_text=True)
    assert "wan.apply · applied" in page
    assert '<span class="del">- ip ospf cost 10</span>' in page
    assert '<span class="add">+ ip ospf cost 20</span>' in page
    assert "by pema on lab-hq-r1, lab-guma-r1" in page
    assert "before lab-hq-r1: aaaaaaaaaaaa → after lab-hq-r1: bbbbbbbbbbbb" in page
    assert "backup commit c0ffee1" in page
    assert "backup.run · ok" in page
    assert f"diff too long to keep: {DIFF_LIMIT + 1} bytes, sha256" in page
    assert "<dt>stage</dt><dd>&#34;canary&#34;</dd>" in page

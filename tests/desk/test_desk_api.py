"""The JSON API: health, the queue and a ticket for officers, the tracking view."""

from __future__ import annotations

from desk_support import DeskSite, login, request_form, send


def test_health_counts_tickets(site: DeskSite) -> None:
    client = site.client()
    assert client.get("/api/health").get_json() == {"status": "ok", "tickets": 0, "open": 0}
    tid = site.log.open("Guma Gewog Centre", "wifi", "phone", "normal", "AP down", "pema")
    site.log.open("Guma Gewog Centre", "lan", "phone", "normal", "Switch dead", "pema")
    site.log.close(tid, "fixed", "pema")
    assert client.get("/api/health").get_json() == {"status": "ok", "tickets": 2, "open": 1}


def test_queue_and_ticket_for_a_logged_in_officer(site: DeskSite) -> None:
    client = site.client()
    path = send(client, "/request", request_form(site.run.inventory)).headers["Location"]
    [opened] = site.events()
    tid = opened["ticket"]
    site.log.change(tid, "ap.apply", ["lab-guma-ap1"], "applied", diff="+ssid x", officer="pema")
    login(client)
    queue = client.get("/api/tickets?state=open").get_json()["tickets"]
    assert [(t["id"], t["status"], t["channel"]) for t in queue] == [
        (tid, "received", "online-form")
    ]
    assert "requester" not in queue[0]
    ticket = client.get(f"/api/tickets/{tid.lower()}").get_json()
    assert ticket["requester"]["name"] == "Karma Dema ཀརྨ་བདེ་མ"
    assert [e["event"] for e in ticket["history"]] == ["opened", "change"]
    [change] = ticket["changes"]
    assert (change["task"], change["targets"], change["diff"]) == (
        "ap.apply",
        "lab-guma-ap1",
        "+ssid x",
    )
    track = client.get(f"/api{path.replace('/t/', '/track/')}").get_json()
    assert track == {
        "id": tid,
        "status": "received",
        "received": ticket["received"],
        "notes": [],
        "resolution": None,
    }


def test_api_errors_are_json(site: DeskSite) -> None:
    client = site.client()
    missing = client.get("/api/track/nothing-here")
    assert missing.status_code == 404
    assert missing.get_json() == {"error": "no request has this tracking link", "status": 404}
    login(client)
    assert client.get("/api/tickets/LAB-2026-0042").get_json()["status"] == 404

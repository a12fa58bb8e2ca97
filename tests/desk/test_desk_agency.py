"""The agencies' side: the request form, its refusals, the tracking page."""

from __future__ import annotations

import hashlib
import html
import re

from desk_support import DeskSite, request_form, send


def tracking_path(response: object) -> str:
    location = response.headers["Location"]
    assert re.fullmatch(r"/t/[A-Za-z0-9_-]{32}", location), location
    return str(location)


def test_the_front_door_is_the_form(site: DeskSite) -> None:
    client = site.client()
    assert client.get("/").headers["Location"] == "/request"
    page = client.get("/request").get_data(as_text=True)
    for office in site.run.inventory.sites.values():
        assert html.escape(office.name) in page
    assert 'name="viewport"' in page
    assert "Backup or restore of files and databases" in page


def test_a_request_becomes_a_ticket_with_a_private_tracking_link(site: DeskSite) -> None:
    client = site.client()
    form = request_form(site.run.inventory)
    response = send(client, "/request", form)
    assert response.status_code == 302
    path = tracking_path(response)
    [opened] = site.events()
    assert opened["event"] == "opened"
    assert re.fullmatch(r"LAB-\d{4}-0001", opened["ticket"])
    assert opened["channel"] == "online-form"
    assert opened["office"] == "guma"
    assert opened["agency"] == form["agency"]
    assert opened["requester"] == {
        "name": form["name"],
        "phone": form["phone"],
        "email": form["email"],
    }
    assert opened["description"] == form["description"]
    assert opened["summary"] == "Wi-Fi down in the Gewog hall since morning."
    token = path.removeprefix("/t/")
    # only the token's hash is in the log
    assert token not in site.log.path.read_text()
    assert opened["tracking_sha256"] == hashlib.sha256(token.encode()).hexdigest()
    page = client.get(path).get_data(as_text=True)
    assert f"Your request was received as {opened['ticket']}" in page
    assert "གླིང་ཁང་ནང་ Wi-Fi མེད།" in page
    assert "Status: <strong>received</strong>" in page
    assert f"http://localhost{path}" in page


def test_the_tracking_page_shows_notes_for_the_requester_only_and_the_resolution(
    site: DeskSite,
) -> None:
    client = site.client()
    path = tracking_path(send(client, "/request", request_form(site.run.inventory)))
    [opened] = site.events()
    tid = opened["ticket"]
    site.log.assign(tid, "pema", "pema")
    site.log.note(tid, "internal: AP in the hall lost power", "pema")
    site.log.note(tid, "We are on the way, ལམ་ཁར་ཡོད།", "pema", visibility="requester")
    page = client.get(path).get_data(as_text=True)
    assert "Status: <strong>in progress</strong>" in page
    assert "We are on the way, ལམ་ཁར་ཡོད།" in page
    assert "lost power" not in page
    site.log.close(tid, "The access point's power supply was replaced.", "pema")
    page = client.get(path).get_data(as_text=True)
    assert "Status: <strong>closed</strong>" in page
    assert "The access point&#39;s power supply was replaced." in page


def test_an_unknown_tracking_link_is_a_clear_404(site: DeskSite) -> None:
    response = site.client().get("/t/not-a-real-token-at-all-0000000000")
    assert response.status_code == 404
    assert "No request has this tracking link" in response.get_data(as_text=True)


def test_each_missing_or_bad_field_is_named_and_nothing_is_stored(site: DeskSite) -> None:
    client = site.client()
    form = request_form(
        site.run.inventory,
        agency="Ministry of Nowhere",
        office="atlantis",
        name="",
        phone="call me",
        email="not-an-address",
        category="coffee",
        description="short",
    )
    response = send(client, "/request", form)
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "Nothing was sent: please correct the fields marked below." in page
    for line in (
        "Agency: choose one of the list",
        "Office or gewog: choose one of the list",
        "Your name is required",
        "Phone: digits, spaces, ( ) - and a leading + only",
        "E-mail: not an address like name@agency.gov.bt",
        "Category: choose one of the list",
        "Description is too short",
    ):
        assert line in page
    assert 'value="call me"' in page  # what was typed is kept
    assert site.events() == []


def test_a_phone_or_an_email_is_enough_but_one_is_needed(site: DeskSite) -> None:
    client = site.client()
    neither = send(client, "/request", request_form(site.run.inventory, phone="", email=""))
    assert neither.status_code == 400
    assert "Phone or e-mail: give at least one" in neither.get_data(as_text=True)
    assert site.events() == []
    only_email = send(client, "/request", request_form(site.run.inventory, phone=""))
    assert only_email.status_code == 302
    assert len(site.events()) == 1


def test_a_long_field_is_named_with_its_limit(site: DeskSite) -> None:
    response = send(site.client(), "/request", request_form(site.run.inventory, name="x" * 101))
    assert response.status_code == 400
    assert "Your name is too long (101 characters, at most 100)" in response.get_data(as_text=True)
    assert site.events() == []

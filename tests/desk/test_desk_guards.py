"""What every form must survive: CSRF, size, markup, floods, password guessing.

Each refusal is a clear message, and nothing reaches the ticket log.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from desk_support import PASSWORDS, DeskSite, csrf_of, login, make_site, request_form, send
from markupsafe import escape

from dzict.inventory import Inventory

SCRIPT = "<script>alert('x')</script>"


def test_a_form_without_a_csrf_token_is_refused(site: DeskSite) -> None:
    client = site.client()
    client.get("/request")
    response = client.post("/request", data=request_form(site.run.inventory))
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Refused: the form carried no security token." in text
    assert "nothing was stored" in text
    assert site.events() == []


def test_a_token_of_another_session_is_refused(site: DeskSite) -> None:
    other = csrf_of(site.client(), "/request")
    client = site.client()
    csrf_of(client, "/request")
    response = send(client, "/request", request_form(site.run.inventory), token=other)
    assert response.status_code == 400
    assert "not the one this page gave" in response.get_data(as_text=True)
    forged = send(client, "/request", request_form(site.run.inventory), token="forged" * 8)
    assert forged.status_code == 400
    assert site.events() == []


def test_officer_forms_need_the_token_too(site: DeskSite) -> None:
    client = site.client()
    tid = site.log.open("Guma Gewog Centre", "wifi", "phone", "normal", "AP down", "pema")
    login(client)
    for action, form in (
        ("take", {}),
        ("note", {"text": "hello", "visibility": "internal"}),
        ("close", {"resolution": "done"}),
        ("assign", {"assignee": "karma"}),
        ("pause", {"reason": "serial number"}),
        ("resume", {}),
    ):
        response = client.post(f"/officer/tickets/{tid}/{action}", data=form)
        assert response.status_code == 400, action
    assert client.post("/officer/logout").status_code == 400
    assert [e["event"] for e in site.events()] == ["opened"]


def test_an_oversized_body_is_refused_before_anything_is_read(site: DeskSite) -> None:
    client = site.client()
    form = request_form(site.run.inventory, description="ཀ" * 40_000)
    response = send(client, "/request", form)
    assert response.status_code == 413
    assert "larger than the desk accepts" in response.get_data(as_text=True)
    assert site.events() == []


def test_script_in_every_field_is_refused_field_by_field_and_never_echoed_raw(
    site: DeskSite,
) -> None:
    client = site.client()
    form = dict.fromkeys(request_form(site.run.inventory), SCRIPT)
    response = send(client, "/request", form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "<script" not in page
    assert str(escape(SCRIPT)) in page  # the typed text comes back, escaped
    problems = page.count('class="problem"')
    assert problems == len(form)
    assert "HTML tags such as &lt;script&gt; are not accepted" in page
    assert site.events() == []


def test_script_in_the_officer_forms_is_refused_too(site: DeskSite) -> None:
    client = site.client()
    tid = site.log.open("Guma Gewog Centre", "wifi", "phone", "normal", "AP down", "pema")
    login(client)
    note = send(client, f"/officer/tickets/{tid}/note", {"text": SCRIPT, "visibility": "requester"})
    close = send(client, f"/officer/tickets/{tid}/close", {"resolution": SCRIPT})
    assign = send(client, f"/officer/tickets/{tid}/assign", {"assignee": SCRIPT})
    pause = send(client, f"/officer/tickets/{tid}/pause", {"reason": SCRIPT})
    entered = send(
        client,
        "/officer/new",
        {
            **dict.fromkeys(request_form(site.run.inventory), SCRIPT),
            "channel": SCRIPT,
            "received": SCRIPT,
        },
    )
    for response in (note, close, assign, pause, entered):
        assert response.status_code == 400
        assert "<script" not in response.get_data(as_text=True)
    assert entered.get_data(as_text=True).count('class="problem"') == 9
    assert [e["event"] for e in site.events()] == ["opened"]


def test_text_recorded_elsewhere_is_escaped_on_every_page(site: DeskSite) -> None:
    """The log may hold markup written by other tools (ticket.note, a job's diff)."""
    tid = site.log.open("Guma <b>Gewog</b>", "wifi", "phone", "normal", SCRIPT, "pema")
    site.log.note(tid, SCRIPT, "pema", visibility="requester")
    site.log.change(tid, "wan.apply", ["r1"], "applied", diff=f"+{SCRIPT}", officer="pema")
    client = site.client()
    login(client)
    for path in ("/officer/", f"/officer/tickets/{tid}", "/officer/?state=all"):
        page = client.get(path).get_data(as_text=True)
        assert "<script" not in page, path
        assert "&lt;script&gt;" in page, path
    api = client.get(f"/api/tickets/{tid}")
    assert api.headers["Content-Type"] == "application/json"
    assert json.loads(api.get_data())["summary"] == SCRIPT


def test_no_page_may_run_a_script_or_be_framed(site: DeskSite) -> None:
    response = site.client().get("/request")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_the_session_cookie_is_secure_http_only_and_same_site(site: DeskSite) -> None:
    cookie = site.client().get("/request").headers["Set-Cookie"]
    assert cookie.startswith("dzict_desk=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert flag in cookie


def test_too_many_forms_from_one_address_are_refused(
    tmp_path: Path, lab_inventory: Inventory
) -> None:
    site = make_site(tmp_path, lab_inventory, desk_rate_limit="3")
    client = site.client()
    for _ in range(3):
        assert send(client, "/request", request_form(lab_inventory)).status_code == 302
    refused = send(client, "/request", request_form(lab_inventory))
    assert refused.status_code == 429
    assert "Too many forms sent from your address" in refused.get_data(as_text=True)
    assert len(site.events()) == 3
    other = site.client()
    other.environ_base["REMOTE_ADDR"] = "198.18.160.9"
    assert send(other, "/request", request_form(lab_inventory)).status_code == 302


def test_ten_wrong_passwords_lock_the_account(site: DeskSite) -> None:
    client = site.client()
    answers = []
    for attempt in range(10):
        response = send(client, "/officer/login", {"name": "pema", "password": f"guess {attempt}"})
        assert response.status_code == 401
        answers.append(html.unescape(response.get_data(as_text=True)))
    assert all("officer name or password is wrong" in a for a in answers[:5])
    assert "account locked for 15 minutes" in answers[4]
    assert all("too many failed logins: account locked until" in a for a in answers[5:])
    right = send(client, "/officer/login", {"name": "pema", "password": PASSWORDS["pema"]})
    assert right.status_code == 401
    assert "locked until" in right.get_data(as_text=True)
    assert client.get("/officer/").status_code == 302  # still not logged in
    assert site.events() == []
    # the other officer is not locked out
    assert login(site.client(), "karma").status_code == 302


def test_an_unknown_officer_gets_the_same_answer_as_a_wrong_password(site: DeskSite) -> None:
    response = send(site.client(), "/officer/login", {"name": "mallory", "password": "x" * 20})
    assert response.status_code == 401
    assert "officer name or password is wrong" in html.unescape(response.get_data(as_text=True))

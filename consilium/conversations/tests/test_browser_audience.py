"""A care-team note in a real Chromium: the coordinator chooses "Care team only", the note is
labelled as such (desktop and phone width, accessible), and the patient never sees it."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect, sync_playwright

from consilium.cases.actions import do_share_case

ROOT = Path(__file__).resolve().parents[3]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
SHOTS = Path(os.environ.get("CONSILIUM_SCREENSHOTS", "/tmp/consilium-screenshots"))
NOTE = "Care-team only: ask our pathologist to review the slides first."

pytestmark = pytest.mark.browser


@pytest.fixture
def browser():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def _page_as(browser, live_server, login, user, width):
    """A browser page signed in as ``user`` (the session of the test client's sign-in)."""
    client = login(user, Client())
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])
    return context.new_page()


def _accessible(page):
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "async () => (await axe.run()).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id)")
    assert violations == [], violations


@pytest.mark.parametrize("width", [1280, 375])
def test_a_care_team_note_in_chromium(browser, live_server, journey, users, login, width):
    case, _ = journey("accepted")
    do_share_case(case, "caregiver", acting_user=users["patient"])
    SHOTS.mkdir(parents=True, exist_ok=True)
    url = f"{live_server.url}/cases/{case.id}/messages/"
    page = _page_as(browser, live_server, login, users["coordinator"], width)
    page.goto(url)
    page.get_by_label("Care team only — the patient will not see this").check()
    page.get_by_label("Message", exact=True).fill(NOTE)
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_load_state()
    expect(page.get_by_text("Your message is sent.")).to_be_visible()
    note = page.get_by_role("region", name="Care-team note started")
    expect(note.get_by_text("Care team only", exact=True)).to_be_visible()
    expect(note.get_by_text(NOTE)).to_be_visible()
    _accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(SHOTS / f"messages-coordinator-{width}.png"), full_page=True)

    for name in ("patient", "caregiver"):
        page = _page_as(browser, live_server, login, users[name], width)
        page.goto(url)
        expect(page.get_by_text("No messages yet")).to_be_visible()
        assert "Care team" not in page.content() and "pathologist" not in page.content()
        expect(page.get_by_text("Who reads this")).to_have_count(0)
        _accessible(page)
        page.screenshot(path=str(SHOTS / f"messages-{name}-{width}.png"), full_page=True)

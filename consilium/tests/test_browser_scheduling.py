"""Time zones in a real Chromium: a specialist in Denver and a patient in New York choose
their zones on the account page and read one appointment each in their own time; every
page is axe-checked, and fits a phone."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from consilium.appointments.actions import do_schedule_appointment
from consilium.tests.test_browser_journey import Visitor, browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser
DENVER, NEW_YORK = ZoneInfo("America/Denver"), ZoneInfo("America/New_York")


def test_each_person_reads_the_appointment_in_their_own_zone(browser, live_server,  # noqa: F811
                                                             journey, users, settings):
    settings.VIDEO_URL_TEMPLATE = "https://video.example.org/room-{room}"
    case, consultation = journey("accepted")
    day = datetime.now(DENVER).date() + timedelta(days=7)
    appointment = do_schedule_appointment(consultation, {
        "kind": "video", "starts_at": datetime(day.year, day.month, day.day, 9, 30),
        "time_zone": "America/Denver", "minutes": 30}, acting_user=users["coordinator"])
    checked: set[str] = set()
    for who, zone in [("specialist", DENVER), ("patient", NEW_YORK)]:
        person = Visitor(browser, live_server.url, checked)
        person.sign_in(who)
        if users[who].needs_two_factor:
            person.pass_two_factor(users[who])
        person.go("/account/time-zone/")
        person.page.get_by_label("Your time zone").select_option(zone.key)
        person.click("Save")
        expect(person.page.get_by_text(f"times are shown in {zone.key.replace('_', ' ')}")
               ).to_be_visible()
        local = appointment.starts_at.astimezone(zone)
        for width in (1280, 390):
            person.page.set_viewport_size({"width": width, "height": 900})
            person.go(f"/cases/{case.id}/")
            expect(person.page.locator(".appointments strong")).to_have_text(
                f"{local:%A} {local.day} {local:%B %Y, %H:%M %Z}")
            scroll = person.page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"the case page scrolls sideways at {width}px"
        person.context.close()
    assert len(checked) >= 3

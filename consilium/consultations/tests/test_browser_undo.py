"""Withdraw, re-offer, accept and hand back in a real Chromium, on a desktop and a phone; every
page passes axe. Screenshots go to $CONSILIUM_SCREENSHOTS when it is set, to be looked at."""

import os
import re

import pytest
from playwright.sync_api import expect

from consilium.consultations.models import ConsultationStatus
from consilium.tests.test_browser_journey import Visitor, browser  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 740}


def shoot(page, name: str) -> None:
    folder = os.environ.get("CONSILIUM_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_withdraw_reoffer_accept_and_hand_back(browser, live_server, journey, users,  # noqa: F811
                                               specialists, viewport):
    case, first = journey("offered")
    kind = "phone" if viewport else "desktop"
    coordinator = Visitor(browser, live_server.url, set())
    if viewport:
        coordinator.page.set_viewport_size(viewport)
    coordinator.sign_in("coordinator")
    coordinator.pass_two_factor(users["coordinator"])
    coordinator.go(f"/cases/{case.id}/")
    shoot(coordinator.page, f"case-offered-{kind}")
    coordinator.click(re.compile(r"^Withdraw offer to Dr\. Helen Okafor"), role="link")
    shoot(coordinator.page, f"withdraw-confirm-{kind}")
    viewport and fits_the_phone(coordinator.page)
    coordinator.page.get_by_label("Why are you withdrawing the offer?").fill(
        "Offered to the wrong oncologist.")
    coordinator.click("Withdraw the offer")
    expect(coordinator.page.get_by_text("The offer to Dr. Helen Okafor is withdrawn")
           ).to_be_visible()
    assert coordinator.page.url.endswith(f"/cases/{case.id}/matches/")
    shoot(coordinator.page, f"withdrawn-matches-{kind}")
    expect(coordinator.page.get_by_role("button", name="Offer the case to Dr. Helen Okafor")
           ).to_have_count(0)
    coordinator.click("Offer the case to Dr. Daniel Weiss")
    first.refresh_from_db()
    assert first.status == ConsultationStatus.WITHDRAWN

    specialist = Visitor(browser, live_server.url, set())
    if viewport:
        specialist.page.set_viewport_size(viewport)
    specialist.sign_in("specialist2")
    specialist.pass_two_factor(users["specialist2"])
    specialist.go(f"/cases/{case.id}/")
    specialist.click("Accept the case…", role="link")
    shoot(specialist.page, f"accept-confirm-{kind}")
    viewport and fits_the_phone(specialist.page)
    specialist.click(re.compile(r"^Accept, opinion due"))
    specialist.click("Hand the case back…", role="link")
    shoot(specialist.page, f"release-confirm-{kind}")
    viewport and fits_the_phone(specialist.page)
    specialist.page.get_by_label("Why are you handing the case back?").fill(
        "I will be away for a month.")
    specialist.click("Hand the case back")
    expect(specialist.page.get_by_text("You handed the case back")).to_be_visible()
    specialist.go(f"/cases/{case.id}/")  # gone: the same page as any unknown case
    assert "Breast cancer" not in specialist.page.content()

    coordinator.go(f"/cases/{case.id}/")
    expect(coordinator.page.get_by_text("I will be away for a month.")).to_be_visible()
    shoot(coordinator.page, f"case-after-release-{kind}")
    viewport and fits_the_phone(coordinator.page)

"""The decision aid in a real Chromium, on a desktop and a phone: the breast cancer options
once each, a refused rating shown at its cell with everything typed kept, a chart whose
labels can be read. Screenshots go to $CONSILIUM_SCREENSHOTS when it is set."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from consilium.decisions.access import options_of_case
from consilium.decisions.tests.test_aid_options import BREAST_CONSERVING, signed
from consilium.tests.test_browser_journey import Visitor, browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser
SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def shot(page, name):
    if folder := os.environ.get("CONSILIUM_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)
        page.locator("section[aria-labelledby=weigh]").screenshot(
            path=f"{folder}/{name}-weigh.png")


@pytest.mark.parametrize("screen", SCREENS)
def test_the_aid_in_chromium(browser, live_server, journey, users, screen):  # noqa: F811
    case = signed(journey, users, BREAST_CONSERVING, first={
        "diagnosis_text": "Invasive ductal carcinoma, left breast, 2 cm, nodes negative",
        "treatment_description": "Mastectomy"})
    first, conserving, _ = (o.key for o in options_of_case(users["patient"], case))
    visitor = Visitor(browser, live_server.url, set())
    visitor.page.set_viewport_size(SCREENS[screen])
    visitor.sign_in("patient")
    visitor.go(f"/cases/{case.id}/decide/")
    page = visitor.page
    cards = page.locator(".option-card h3")
    expect(cards).to_have_count(3)
    expect(page.get_by_text("Watchful waiting")).to_have_count(0)

    page.fill("#own1", "Keeping my breast")
    page.fill("#weight_effectiveness", "10")
    visitor.click("Save and show the chart")  # a point of one's own gets its row once saved
    page.fill("#weight_own1", "9")
    page.fill(f"#rate_{first}__effectiveness", "9")
    page.fill(f"#rate_{conserving}__own1", "11")
    visitor.click("Save and show the chart")
    refused = page.locator(f"#rate_{conserving}__own1")
    expect(refused).to_have_value("11")
    expect(refused).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#rate_{conserving}__own1_error")).to_have_text(
        "Use a whole number from 0 to 10.")
    for field, value in (("#own1", "Keeping my breast"), ("#weight_effectiveness", "10"),
                         ("#weight_own1", "9"), (f"#rate_{first}__effectiveness", "9")):
        expect(page.locator(field)).to_have_value(value)
    page.get_by_role("link", name="Breast-conserving surgery plus radiation, “Keeping my "
                                  "breast”: use a whole number from 0 to 10.").click()
    shot(page, f"aid-refused-{screen}")

    page.fill(f"#rate_{conserving}__own1", "10")
    page.fill(f"#rate_{conserving}__effectiveness", "9")
    visitor.click("Save and show the chart")
    chart = page.locator("svg.chart.stacked")
    expect(chart).to_be_visible()
    label = chart.locator("text", has_text="Breast-conserving surgery plus radiation")
    assert label.bounding_box()["height"] >= 12, "chart labels too small to read"
    assert chart.bounding_box()["width"] <= SCREENS[screen]["width"]
    shot(page, f"aid-chart-{screen}")

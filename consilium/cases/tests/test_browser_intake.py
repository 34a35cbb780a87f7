"""The case summary for the specialist in a real Chromium: the coordinator confirms the
pre-filled draft, offers the case, and the specialist reads the summary before accepting while
the records stay closed to them. Every page is checked with axe-core, on a desktop and a phone
width."""

import io

import pytest
from playwright.sync_api import expect

from consilium.cases.models import IntakeSummary
from consilium.consultations.actions import do_offer_consultation
from consilium.records.actions import Upload, do_add_records
from consilium.records.tests.test_packet import a_pdf
from consilium.tests.test_browser_journey import Visitor, browser  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

KEY_QUESTION = "Is breast-conserving surgery with radiation as safe as a mastectomy?"


def test_the_summary_from_draft_to_the_specialist(browser, live_server, users,  # noqa: F811
                                                  specialists, journey):
    case, _ = journey("submitted")
    report = a_pdf("Pathology: invasive ductal carcinoma, grade 2")
    do_add_records(case, [Upload("pathology.pdf", io.BytesIO(report), len(report))],
                   acting_user=users["patient"])
    checked: set[str] = set()

    coordinator = Visitor(browser, live_server.url, checked)
    coordinator.sign_in("coordinator")
    coordinator.pass_two_factor(users["coordinator"])
    coordinator.go(f"/cases/{case.id}/")
    expect(coordinator.page.get_by_text("No case summary yet.").first).to_be_visible()
    # the summary's panel and the offer's notice both link to the page
    coordinator.page.get_by_role("link", name="Write the summary").first.click()
    coordinator.check()
    expect(coordinator.page.get_by_text("A draft, not saved yet.")).to_be_visible()
    expect(coordinator.page.locator("#id_history")).to_contain_text("Breast cancer, left breast")
    coordinator.page.fill("#id_key_question", "")
    coordinator.click("Save the summary")  # refused: the key question is required
    expect(coordinator.page.get_by_text("Say in a sentence what the specialist")).to_be_visible()
    assert not IntakeSummary.objects.exists()
    coordinator.page.set_viewport_size({"width": 390, "height": 844})
    coordinator.check()
    coordinator.page.fill("#id_key_question", KEY_QUESTION)
    coordinator.click("Save the summary")
    expect(coordinator.page.get_by_role("heading", name="Case summary for the specialist")
           ).to_be_visible()
    expect(coordinator.page.get_by_text(KEY_QUESTION)).to_be_visible()

    do_offer_consultation(case, specialists["specialist"].id, acting_user=users["coordinator"])
    specialist = Visitor(browser, live_server.url, checked)
    specialist.sign_in("specialist")
    specialist.pass_two_factor(users["specialist"])
    for width in (1280, 390):
        specialist.page.set_viewport_size({"width": width, "height": 900})
        specialist.go(f"/cases/{case.id}/")
        expect(specialist.page.get_by_text(KEY_QUESTION)).to_be_visible()
        expect(specialist.page.get_by_text("once you accept the case")).to_be_visible()
        expect(specialist.page.get_by_text("pathology.pdf")).to_have_count(0)
    specialist.go(f"/cases/{case.id}/records/")
    expect(specialist.page.get_by_text("Accept the case to see its records")).to_be_visible()

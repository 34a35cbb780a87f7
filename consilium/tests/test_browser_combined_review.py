"""A combined review in a real Chromium: the coordinator asks a pathologist for a part of a
case led by an oncologist; the pathologist accepts, writes and signs it; the lead's signing
page waits for nothing more, and the patient reads one opinion naming both. Every page is
checked with axe-core; the part's pages also at a phone's width."""

import pytest
from playwright.sync_api import expect

from consilium.accounts.models import Role
from consilium.conftest import COMPLETE_OPINION, PASSWORD
from consilium.consultations.models import Consultation
from consilium.directory.builders import build_specialist
from consilium.opinions.actions import do_save_opinion
from consilium.tests.test_browser_journey import Visitor, browser  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

ASKED = "Re-read the core biopsy slides: grade 2 or grade 3?"


def test_two_specialists_write_one_opinion(browser, live_server, users,  # noqa: F811
                                           journey, make_user):
    case, lead = journey("accepted")
    pathologist = make_user("pathologist", Role.SPECIALIST)
    build_specialist(name="Dr. Priya Raman", user=pathologist, taxonomy_code="207ZP0102X",
                     specialty="Anatomic & Clinical Pathology", institution="Summit Pathology",
                     hospital_system="Summit Health", postal_code="80218", city="Denver",
                     state="CO")
    checked: set[str] = set()

    coordinator = Visitor(browser, live_server.url, checked)
    coordinator.sign_in("coordinator")
    coordinator.pass_two_factor(users["coordinator"])
    coordinator.go(f"/cases/{case.id}/")
    coordinator.click("Ask another specialist for a part of the review", role="link")
    coordinator.page.get_by_label("What do you ask of them?").fill(ASKED)
    coordinator.page.get_by_label("Specialty").select_option("207ZP0102X")
    coordinator.click("Find specialists")
    coordinator.click("Ask for this part")  # nobody chosen: refused, in words
    expect(coordinator.page.get_by_text("Choose a specialist from the directory.")).to_be_visible()
    coordinator.page.get_by_label("Dr. Priya Raman", exact=False).check()
    coordinator.click("Ask for this part")
    expect(coordinator.page.get_by_text("Part of the review").first).to_be_visible()
    part = Consultation.objects.get(is_part=True)

    reader = Visitor(browser, live_server.url, checked)
    reader.sign_in("pathologist")
    reader.pass_two_factor(pathologist)
    reader.go(f"/cases/{case.id}/")
    expect(reader.page.get_by_text(ASKED)).to_be_visible()
    reader.click("Accept the part…", role="link")
    reader.click("Accept, part due", role="button")
    expect(reader.page.get_by_role("heading", name="Your part of the review")).to_be_visible()
    reader.page.set_viewport_size({"width": 390, "height": 844})
    reader.check()
    reader.page.get_by_label("Your findings").fill("Grade 2 on re-reading; margins clear.")
    reader.click("Review and sign…")
    reader.page.get_by_label("I have reviewed my part", exact=False).check()
    reader.page.get_by_label("Your password", exact=False).fill(PASSWORD)
    reader.click("Sign my part")
    part.refresh_from_db()
    assert part.status == "completed"

    answers = {q.id: {"text": "An answer."} for q in case.questions.all()}
    do_save_opinion(lead, {**COMPLETE_OPINION, "answers": answers},
                    acting_user=users["specialist"], base_version=0)
    specialist = Visitor(browser, live_server.url, checked)
    specialist.sign_in("specialist")
    specialist.pass_two_factor(users["specialist"])
    specialist.go(f"/consultations/{lead.id}/opinion/sign/")
    expect(specialist.page.get_by_text("Grade 2 on re-reading; margins clear.")).to_be_visible()
    specialist.page.get_by_label("I have reviewed this opinion", exact=False).check()
    specialist.page.get_by_label("Your password", exact=False).fill(PASSWORD)
    specialist.click("Sign and deliver")

    patient = Visitor(browser, live_server.url, checked)
    patient.sign_in("patient")
    patient.go(f"/cases/{case.id}/")
    expect(patient.page.get_by_role("heading", name="Parts of this review by other "
                                                   "specialists")).to_be_visible()
    expect(patient.page.get_by_text("Grade 2 on re-reading; margins clear.")).to_be_visible()
    assert len(checked) >= 6

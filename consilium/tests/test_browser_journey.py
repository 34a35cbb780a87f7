"""The whole journey in a real Chromium, as patient, coordinator and specialist.

Every page visited is checked with axe-core: no serious or critical violations.
"""

import io
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from pypdf import PdfReader

from consilium.cases.models import Case
from consilium.conftest import app_code, authenticator_app

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop; Django's ORM is used from this thread anyway.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


class Visitor:
    """One person's browser session; checks accessibility of every page it lands on."""

    def __init__(self, browser, base_url, checked):
        self.context = browser.new_context(bypass_csp=True)  # to inject axe under our CSP
        self.page = self.context.new_page()
        self.base = base_url
        self.checked = checked

    def go(self, path):
        self.page.goto(self.base + path)
        self.check()

    def check(self):
        self.page.wait_for_load_state()
        self.page.add_script_tag(path=str(AXE))
        violations = self.page.evaluate(
            "async () => (await axe.run()).violations"
            ".filter(v => ['serious', 'critical'].includes(v.impact))"
            ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
        )
        assert violations == [], f"{self.page.url}: {violations}"
        self.checked.add(self.page.url.split("?")[0])

    def click(self, name, role="button"):
        self.page.get_by_role(role, name=name).click()
        self.check()

    def sign_in(self, username, password="correct horse battery"):
        """Sign in with a password; a staff member has the authenticator app they set up on
        their invitation (test_browser_staff_join.py walks that), its code asked next."""
        from consilium.accounts.models import User

        member = User.objects.filter(username=username).first()
        if member is not None and member.needs_two_factor:
            authenticator_app(member)
        self.go("/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.click("Sign in")

    def pass_two_factor(self, user):
        expect(self.page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
        self.page.fill("#id_code", app_code(authenticator_app(user)))
        self.click("Confirm")


def test_the_whole_journey_in_chromium(browser, live_server, users, specialists):
    checked: set[str] = set()
    base = live_server.url

    anonymous = Visitor(browser, base, checked)
    anonymous.go("/")
    expect(anonymous.page.get_by_role("heading", level=1)).to_have_text(
        "A second opinion, made simple"
    )

    patient = Visitor(browser, base, checked)
    patient.sign_in("patient")
    expect(patient.page.get_by_text("You have no cases yet")).to_be_visible()
    patient.click("Start a new case", role="link")
    patient.click("Save draft")  # empty form: clear messages, nothing saved
    expect(patient.page.get_by_text("Say what the first doctor diagnosed")).to_be_visible()
    assert not Case.objects.exists()
    patient.page.fill("#id_diagnosis_text", "Breast cancer, left breast")
    patient.page.get_by_label("Find a code by words").press_sequentially("breast cancer")
    patient.page.locator('[data-icd10-code="C50.919"]').first.click()  # billable first
    expect(patient.page.locator("#id_diagnosis_codes")).to_have_value("C50.919")
    patient.check()
    patient.page.select_option("#id_treatment_category", "surgery")
    patient.page.fill("#id_treatment_description", "Mastectomy")
    patient.page.fill("#id_hospital_system", "Riverside Health")
    patient.page.fill("#id_questions", "Is breast-conserving surgery an option?")
    patient.click("Save draft")
    patient.click("Submit for a second opinion")
    expect(patient.page.locator(".status")).to_have_text("Submitted")
    case = Case.objects.get()
    assert case.diagnosis_codes == ["C50.919"]

    coordinator = Visitor(browser, base, checked)
    coordinator.sign_in("coordinator")
    coordinator.pass_two_factor(users["coordinator"])
    expect(coordinator.page.get_by_role("heading", name="Work queue")).to_be_visible()
    coordinator.click("Specialists", role="link")
    coordinator.page.get_by_label("Search by name").press_sequentially("weiss")
    expect(coordinator.page.get_by_text("Dr. Helen Okafor")).to_have_count(0)  # htmx updated
    expect(coordinator.page.get_by_role("cell", name="Dr. Daniel Weiss")).to_be_visible()
    coordinator.check()
    coordinator.click("Work queue", role="link")
    coordinator.click("Breast cancer, left breast", role="link")
    coordinator.click("All proposals, how they are scored and who was left out", role="link")
    expect(coordinator.page.get_by_role("heading", name="Who was left out")).to_be_visible()
    coordinator.click("Offer the case to Dr. Helen Okafor")
    expect(coordinator.page.get_by_text("The case is offered to Dr. Helen Okafor")).to_be_visible()

    specialist = Visitor(browser, base, checked)
    specialist.sign_in("specialist")
    specialist.pass_two_factor(users["specialist"])
    specialist.click("Breast cancer, left breast", role="link")
    specialist.click("Accept the case…", role="link")
    specialist.click(re.compile(r"^Accept, opinion due \d+ \w+ \d{4}$"))
    specialist.page.get_by_label("Agree", exact=True).first.check()
    specialist.page.get_by_role("group", name="The proposed treatment").get_by_label(
        "Modify").check()
    specialist.page.select_option("#id_treatment_category", "surgery")
    specialist.page.fill("#id_treatment_description", "Lumpectomy with radiation.")
    specialist.page.fill("#id_reasoning", "Breast-conserving therapy is as safe at this stage.")
    # the draft saves itself a few seconds after typing stops
    expect(specialist.page.locator("#save-status")).to_contain_text("version 1", timeout=10_000)
    specialist.page.fill("#id_option_1_title", "Lumpectomy and radiation")
    specialist.page.fill("#id_option_1_benefits", "Keeps the breast; the same survival.")
    specialist.page.fill("#id_option_1_harms", "Radiation on weekdays for three weeks.")
    specialist.page.fill("#id_option_1_living_with", "Back to work within two weeks.")
    specialist.page.get_by_label("Question 1").fill("Yes, for a tumour of this size.")
    specialist.page.get_by_role("group", name="Your confidence").get_by_label("High").check()
    specialist.page.fill("#id_plain_summary", "A smaller operation is as safe for you.")
    specialist.click("Review and sign")
    expect(specialist.page.get_by_role("heading", name="Review and sign")).to_be_visible()
    specialist.page.get_by_label("I have reviewed this opinion").check()
    specialist.page.get_by_label("Your password").fill("correct horse battery")
    specialist.click("Sign and deliver")
    expect(specialist.page.get_by_text("Your opinion is signed and delivered")).to_be_visible()

    patient.go(f"/cases/{case.id}/")
    expect(patient.page.get_by_role("heading", name="How the two opinions compare")
           ).to_be_visible()
    expect(patient.page.get_by_text("Yes, for a tumour of this size.")).to_be_visible()
    expect(patient.page.get_by_text("A smaller operation is as safe for you.")).to_be_visible()
    # the patient opens both reports from the case page, with the browser's own session
    for link, says in (("Summary for you (PDF)", "A smaller operation is as safe for you."),
                       ("Full report for doctors (PDF)", "Lumpectomy with radiation.")):
        href = patient.page.get_by_role("link", name=link).get_attribute("href")
        pdf = patient.page.request.get(base + href)
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
        assert says in " ".join(text.split())

    # compare → decide → plan
    patient.click("Compare the opinions point by point", role="link")
    expect(patient.page.get_by_role("heading", name="Point by point")).to_be_visible()
    expect(patient.page.locator("ul.concordance")).to_contain_text("Being reviewed")
    patient.go(f"/cases/{case.id}/")
    patient.click("Work through the decision step by step", role="link")
    page = patient.page
    page.get_by_label("I decide together with someone").check()
    patient.click("Save timing and role")
    page.fill("#weight_effectiveness", "10")
    page.fill("#weight_recovery", "6")
    page.get_by_label("Mastectomy: Works well").fill("9")
    page.get_by_label("Mastectomy: Quick recovery").fill("3")
    page.get_by_label("Lumpectomy with radiation.: Works well").fill("9")
    page.get_by_label("Lumpectomy with radiation.: Quick recovery").fill("8")
    patient.click("Save and show the chart")
    expect(page.locator("svg.chart")).to_contain_text("86")  # (10*9 + 6*8) / 160
    for question in ("Do you feel sure", "Do you know the benefits", "Are you clear",
                     "Do you have enough support"):
        page.get_by_role("group", name=question).get_by_label("Yes").check()
    patient.click("Save support and answers")
    expect(page.get_by_text("Your SURE score: 4 of 4.")).to_be_visible()
    page.fill("#next_steps", "Book the breast surgeon")
    patient.click("Save next steps")
    page.get_by_label("Follow the second opinion").check()
    patient.click("Record my decision…")
    expect(page.get_by_text("You can change it until the case is closed.")).to_be_visible()
    patient.click("Yes, record my decision")
    patient.click("Start follow-up")
    patient.click("the follow-up plan", role="link")
    expect(page.locator("td[data-label=What]", has_text="Book the breast surgeon")
           ).to_be_visible()
    page.get_by_role("button", name=re.compile("Done.*Book the breast surgeon")).click()
    patient.check()
    expect(page.get_by_role("heading", name="Done")).to_be_visible()
    patient.go(f"/cases/{case.id}/")
    patient.click("Close the case…", role="link")  # it asks first
    expect(page.get_by_role("heading", name=re.compile("Close"))).to_be_visible()
    patient.click("Close the case")
    expect(patient.page.locator(".status")).to_have_text("Closed")

    case.refresh_from_db()
    assert case.status == "closed"
    assert len(checked) >= 11, checked


def test_pages_fit_a_phone_screen(browser, live_server, journey, users):
    case, _ = journey("opinion_delivered")
    context = browser.new_context(viewport={"width": 375, "height": 740}, bypass_csp=True)
    page = context.new_page()
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "patient")
    page.fill("#id_password", "correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    for path in ["/cases/", f"/cases/{case.id}/", f"/cases/{case.id}/comparison/",
                 f"/cases/{case.id}/decide/", f"/cases/{case.id}/story/", "/stories/"]:
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} scrolls sideways ({width}px)"
    context.close()


def test_a_story_is_scrubbed_approved_published_and_taken_down(browser, live_server, journey,
                                                               users):
    case, _ = journey("opinion_delivered")
    checked: set[str] = set()
    patient = Visitor(browser, live_server.url, checked)
    patient.sign_in("patient")
    patient.go(f"/cases/{case.id}/journal/")
    patient.page.fill("#id_text", "Drove to Denver with my sister Laura on 2 May.")
    patient.click("Add to my journal")
    patient.click("Share your story…", role="link")
    page = patient.page
    page.fill("#id_draft-title", "Why I asked again")
    page.fill("#id_draft-text", "Dr. Okafor at Summit Health Hospital suggested a lumpectomy.")
    page.get_by_label(re.compile("Drove to Denver")).check()
    patient.click("Remove names and details")
    expect(page.get_by_role("heading", name="What we removed")).to_be_visible()
    story = page.locator("#id_text").input_value()
    assert "Okafor" not in story and "Laura" not in story and "Denver" not in story
    assert "lumpectomy" in story
    page.get_by_label(re.compile("I agree that this story is published")).check()
    patient.click("Send for approval")
    expect(page.get_by_text("Waiting for approval")).to_be_visible()

    admin = Visitor(browser, live_server.url, checked)
    authenticator_app(users["admin"])
    admin.sign_in("admin")
    admin.pass_two_factor(users["admin"])
    admin.click("Stories to approve", role="link")
    expect(admin.page.get_by_role("heading", name="Why I asked again")).to_be_visible()
    admin.click("Publish")
    expect(admin.page.get_by_text("No stories are waiting")).to_be_visible()

    reader = Visitor(browser, live_server.url, checked)
    reader.go("/")
    reader.page.get_by_role("navigation").get_by_role("link", name="Patients' stories").click()
    reader.click("Why I asked again", role="link")
    expect(reader.page.locator("article")).to_contain_text("suggested a lumpectomy")
    expect(reader.page.locator("article")).not_to_contain_text("Okafor")

    patient.go(f"/cases/{case.id}/story/")
    patient.click("Take it down…", role="link")
    patient.click("Take it down")
    expect(page.get_by_text("Taken down", exact=True)).to_be_visible()
    reader.go("/stories/")
    expect(reader.page.get_by_text("No stories have been published yet")).to_be_visible()
    assert len(checked) >= 7, checked


def test_the_self_assessment_in_chromium(browser, live_server, users):
    checked: set[str] = set()
    visitor = Visitor(browser, live_server.url, checked)
    visitor.go("/")
    page = visitor.page
    page.locator("#main").get_by_role("link", name="Should I get a second opinion?").click()
    visitor.check()
    page.fill("#id_diagnosis_text", "breast cancer")
    page.get_by_label("Find a code by words").press_sequentially("C50.912")
    page.get_by_role("button", name="C50.912", exact=False).first.click()
    page.get_by_label("An operation").check()
    page.fill("#id_procedure", "mastectomy")
    page.get_by_label("I am unsure about the proposed plan").check()
    visitor.click("Check")
    expect(page.get_by_role("heading", name="A second opinion is strongly recommended")
           ).to_be_visible()
    expect(page.get_by_text("Medical Oncology")).to_be_visible()
    visitor.click("Start my case with these answers")
    page.fill("#id_username", "patient")
    page.fill("#id_password", "correct horse battery")
    visitor.click("Sign in")
    expect(page.get_by_role("heading", name="What to gather")).to_be_visible()
    case = Case.objects.get()
    assert case.diagnosis_codes == ["C50.912"] and case.checklist

    phone = browser.new_context(viewport={"width": 375, "height": 740}).new_page()
    phone.goto(live_server.url + "/assess/")
    phone.get_by_label("An operation").check()
    # The answer is a new page: read its width once it has loaded, not while navigating.
    with phone.expect_navigation():
        phone.get_by_role("button", name="Check").click()
    phone.wait_for_load_state("load")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"/assess/ scrolls sideways ({width}px)"


def test_uploads_resume_after_a_failure_and_a_reload(browser, live_server, journey, users,
                                                     tmp_path):
    from consilium.records.models import PendingUpload, Record

    case, _ = journey("submitted")
    big = tmp_path / "ct-report.pdf"
    with big.open("wb") as out:  # 20 MB: three 8 MB chunks
        out.write(b"%PDF-1.4\n" + b"x" * (20 * 1024 * 1024) + b"\n%%EOF\n")
    folder = tmp_path / "study"
    folder.mkdir()
    (folder / "lab results.txt").write_text("Hb 13.2 g/dL")
    (folder / "pathology.pdf").write_bytes(b"%PDF-1.4\nreport\n%%EOF\n")

    visitor = Visitor(browser, live_server.url, set())
    visitor.sign_in("patient")
    page = visitor.page
    patches = []
    page.on("request", lambda r: r.method == "PATCH" and patches.append(
        int(r.headers.get("upload-offset", "-1"))))

    # The folder goes up through the resumable path with its progress bars.
    visitor.go(f"/cases/{case.id}/")
    page.set_input_files("#record-folder", str(folder))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_role("link", name="study/lab results.txt", exact=True)).to_be_visible(
        timeout=20000)
    visitor.check()

    # The big file: its second chunk fails; then the page is reloaded mid-upload.
    def fail_second_chunk(route):
        if route.request.method == "PATCH" and int(
                route.request.headers.get("upload-offset", "0")) > 0:
            route.abort()
        else:
            route.continue_()

    page.route("**/uploads/**", fail_second_chunk)
    page.set_input_files("#record-files", str(big))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("#upload-overall")).to_be_visible()
    page.wait_for_function("document.querySelector('#upload-overall').value > 0")
    page.wait_for_timeout(500)
    pending = PendingUpload.objects.get()
    assert pending.offset == 8 * 1024 * 1024
    # Reload while the chunk keeps failing, so the old page cannot finish in the background.
    visitor.go(f"/cases/{case.id}/")
    page.unroute("**/uploads/**")
    patches.clear()
    page.set_input_files("#record-files", str(big))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_role("link", name="ct-report.pdf", exact=True)).to_be_visible(timeout=30000)
    assert patches[0] == 8 * 1024 * 1024, patches  # continued where it stopped
    assert Record.objects.filter(case=case, name="ct-report.pdf").get().size == big.stat().st_size
    names = set(Record.objects.filter(case=case).values_list("name", flat=True))
    assert {"study/lab results.txt", "study/pathology.pdf"} <= names
    expect(page.get_by_text("Present:", exact=False).first).to_be_attached()
    visitor.check()


def test_the_specialist_reads_records_images_and_history(browser, live_server, journey, users,
                                                         tmp_path):
    """The assigned specialist finds the records, scrolls through a CT series, searches the
    text of a PDF and reads the health history; every page passes axe, also on a phone."""
    from consilium.records.actions import Upload, do_add_records
    from consilium.records.models import ImagingSeries, Record
    from consilium.records.tasks import read_record, render_series_preview
    from consilium.records.tests.test_imaging import ECHO, ct_slices
    from consilium.records.tests.test_reading import SYNTHEA, note_pdf, note_text

    case, _ = journey("accepted")
    pdf = note_pdf(note_text("pathology_3083_Pathology_Prostate.txt"))
    synthea = next(p for p in SYNTHEA if p.name.startswith("Clemente_Kreiger"))
    uploads = [Upload(p.name, p.open("rb"), p.stat().st_size)
               for p in [*ct_slices(tmp_path, 4), ECHO, synthea]]
    uploads.append(Upload("scan0001.pdf", io.BytesIO(pdf), len(pdf)))
    do_add_records(case, uploads, acting_user=users["patient"])
    for record in Record.objects.filter(case=case, processing="queued"):
        read_record.call(str(record.id))
    for series in ImagingSeries.objects.filter(case=case):
        render_series_preview.call(series.pk)
    # The samples name their own fake patients: held, then confirmed by the patient.
    from consilium.records.tests.identities import confirm_held
    confirm_held(case, users["patient"])

    specialist = Visitor(browser, live_server.url, set())
    specialist.sign_in("specialist")
    specialist.pass_two_factor(users["specialist"])
    page = specialist.page
    specialist.go(f"/cases/{case.id}/")
    specialist.click("Records page", role="link")
    expect(page.get_by_role("heading", name="Imaging")).to_be_visible()
    page.fill("#q", "gleason")
    specialist.click("Show")
    expect(page.get_by_role("link", name="scan0001.pdf", exact=True)).to_be_visible()
    expect(page.get_by_role("combobox", name="Type of scan0001.pdf")).to_have_value(
        "pathology_report")
    expect(page.locator("td.thumb img")).to_have_count(1)

    specialist.go(f"/cases/{case.id}/records/")
    page.get_by_role("link", name="CT", exact=True).click()
    specialist.check()
    expect(page.locator("#viewer-count")).to_have_text("1 / 4")
    first = page.locator("#viewer-image").get_attribute("src")
    page.keyboard.press("ArrowRight")
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#viewer-count")).to_have_text("3 / 4")
    assert page.locator("#viewer-image").get_attribute("src") != first
    page.wait_for_function("document.querySelector('#viewer-image').complete"
                           " && document.querySelector('#viewer-image').naturalWidth === 512")
    page.locator("#viewer-image").hover()
    page.mouse.wheel(0, 100)
    expect(page.locator("#viewer-count")).to_have_text("4 / 4")

    specialist.go(f"/cases/{case.id}/health-history/")
    page.select_option("#category", "condition")
    specialist.click("Show")
    expect(page.locator("ol.history .kind").first).to_have_text("Condition")

    phone = browser.new_context(viewport={"width": 375, "height": 740},
                                storage_state=specialist.context.storage_state()).new_page()
    series = ImagingSeries.objects.get(case=case, modality="CT")
    for path in [f"/cases/{case.id}/records/", f"/cases/{case.id}/imaging/{series.pk}/",
                 f"/cases/{case.id}/health-history/"]:
        phone.goto(live_server.url + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} scrolls sideways ({width}px)"

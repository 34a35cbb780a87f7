"""In Chromium: typing into the ICD-10-CM picker, the records search and the directory puts
nothing typed in any request URL, Referer, page address or history entry (issue 17, finding
6); with JavaScript and without. axe-core checks each page (Visitor.check)."""

import io
import re
from urllib.parse import unquote_plus

import pytest
from playwright.sync_api import expect

from consilium.records.actions import Upload, do_add_records

from .test_browser_journey import Visitor, browser  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser


class Watched(Visitor):
    """A Visitor that keeps every request URL, Referer and address the tab ever shows."""

    def __init__(self, chromium, base_url, checked, *, javascript=True):
        self.context = chromium.new_context(bypass_csp=True, java_script_enabled=javascript)
        self.page = self.context.new_page()
        self.base, self.checked, self.javascript = base_url, checked, javascript
        self.seen: list[str] = []
        self.bodies: list[str] = []
        self.page.on("request", self._request)
        self.page.on("framenavigated", lambda frame: self.seen.append(frame.url))

    def _request(self, request):
        self.seen += [request.url, request.headers.get("referer", "")]
        self.bodies.append(request.post_data or "")

    def check(self):
        """axe-core needs JavaScript; the pages seen without it are checked with it too."""
        if self.javascript:
            super().check()
        self.page.wait_for_load_state()
        self.seen.append(self.page.url)

    def assert_never_in_a_url(self, *typed):
        for text in typed:
            leaked = [url for url in self.seen if re.search(re.escape(text).replace(
                r"\ ", r"(\s|%20|\+)"), url, re.I)]
            assert leaked == [], f"{text!r} in {leaked}"
        assert any(typed[0].lower() in unquote_plus(body).lower() for body in self.bodies), \
            "the search was not posted"


@pytest.fixture
def records_case(journey, users):
    case = journey("submitted")[0]
    texts = {f"note-{n:02d}.txt": f"Note {n}: azoospermia work-up.".encode() for n in range(55)}
    do_add_records(case, [Upload(n, io.BytesIO(d), len(d)) for n, d in texts.items()],
                   acting_user=users["patient"])
    return case


def test_the_icd10_picker_posts_what_is_typed(browser, live_server, users):  # noqa: F811
    patient = Watched(browser, live_server.url, set())
    patient.sign_in("patient")
    patient.go("/cases/new/")
    patient.page.get_by_label("Find a code by words").press_sequentially("breast cancer")
    # The common billable code comes first (terminology's lay ranking), not the category.
    patient.page.locator('[data-icd10-code="C50.919"]').first.click()
    expect(patient.page.locator("#id_diagnosis_codes")).to_have_value("C50.919")
    patient.check()
    patient.assert_never_in_a_url("breast cancer", "breast")


@pytest.mark.parametrize("javascript", [True, False])
def test_the_records_search_posts_and_pages_in_the_body(browser, live_server, users,  # noqa: F811
                                                        records_case, javascript):
    patient = Watched(browser, live_server.url, set(), javascript=javascript)
    patient.sign_in("patient")
    patient.go(f"/cases/{records_case.id}/records/")
    patient.page.get_by_label("Search names and text").fill("azoospermia")
    patient.click("Show")
    expect(patient.page.get_by_text("55 files found.")).to_be_visible()
    expect(patient.page.get_by_text("Page 1 of 2")).to_be_visible()
    patient.click("Next")
    expect(patient.page.get_by_text("Page 2 of 2")).to_be_visible()
    expect(patient.page.get_by_label("Search names and text")).to_have_value("azoospermia")
    patient.click(f"Case {records_case.short_id}", role="link")  # sends a Referer
    expect(patient.page.get_by_role("heading", level=1)).to_be_visible()
    patient.assert_never_in_a_url("azoospermia")


@pytest.mark.parametrize("javascript", [True, False])
def test_the_directory_condition_posts_and_pages_in_the_body(
        browser, live_server, users, specialists, monkeypatch, javascript):  # noqa: F811
    from consilium.directory import views

    monkeypatch.setattr(views, "DIRECTORY_PAGE", 2)
    coordinator = Watched(browser, live_server.url, set(), javascript=javascript)
    coordinator.sign_in("coordinator")
    coordinator.pass_two_factor(users["coordinator"])
    coordinator.go("/specialists/")
    coordinator.page.get_by_label("Condition code").fill("C50.912")
    coordinator.page.get_by_label("Near (ZIP code)").fill("80218")
    coordinator.click("Search")
    expect(coordinator.page.get_by_text("3 specialists within 100 km")).to_be_visible()
    expect(coordinator.page.get_by_text("Page 1 of 2")).to_be_visible()
    # htmx has settled the first answer before its Next is pressed; a busy CI machine may
    # take longer than the default five seconds to answer the second.
    coordinator.page.wait_for_function(
        "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    coordinator.click("Next")
    expect(coordinator.page.get_by_text("Page 2 of 2")).to_be_visible(timeout=20_000)
    expect(coordinator.page.get_by_role("cell", name="Dr. Same System")).to_be_visible()
    coordinator.page.get_by_label("Condition code").fill("Q99.999")
    coordinator.click("Search")  # refused: the message replaces the results, with htmx too
    expect(coordinator.page.get_by_role("alert")).to_contain_text("Q99.999")
    expect(coordinator.page.get_by_role("cell", name="Dr. Same System")).to_have_count(0)
    coordinator.check()
    coordinator.assert_never_in_a_url("C50.912", "C50", "80218", "Q99.999")

"""In Chromium: a new patient answers the self-assessment, creates an account from "Start my
case with these answers", opens the link from the email and lands on the draft case made from
those answers. axe-core checks each page (Visitor.check); the pages fit a phone."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import expect

from consilium.accounts.models import Role, User
from consilium.cases.models import Case

from .test_browser_journey import Visitor, browser  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser
PASSWORD = "three unrelated words 7"


def test_a_new_patient_signs_up_verifies_and_starts_a_case(browser, live_server,  # noqa: F811
                                                            settings):
    settings.SITE_URL = live_server.url  # the link in the email opens this test's server
    cache.clear()  # sign-ups are counted per address in the cache
    visitor = Visitor(browser, live_server.url, set())
    page = visitor.page
    visitor.go("/")
    expect(page.locator("#main").get_by_role("link", name="Create an account")).to_be_visible()
    page.locator("#main").get_by_role("link", name="Should I get a second opinion?").click()
    visitor.check()
    page.fill("#id_diagnosis_text", "breast cancer")
    page.get_by_label("Find a code by words").press_sequentially("C50.912")
    page.get_by_role("button", name="C50.912", exact=False).first.click()
    page.get_by_label("An operation").check()
    page.fill("#id_procedure", "mastectomy")
    visitor.click("Check")
    visitor.click("Start my case with these answers")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    visitor.click("Create an account", role="link")
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()

    visitor.click("Create my account")  # empty: each field says what is missing
    expect(page.locator("#id_email_error")).to_be_visible()
    page.get_by_label("Your email address").fill("maria.new@example.org")
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    visitor.click("Create my account")
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert not Case.objects.exists()

    [message] = mail.outbox
    assert message.to == ["maria.new@example.org"]
    assert not re.search(r"mastectomy|breast|C50|neoplasm", message.body, re.I)
    link = re.search(r"https?://\S+/confirm-email/\S+/", message.body).group(0)
    page.goto(link)
    visitor.check()
    expect(page.get_by_text("maria.new@example.org")).to_be_visible()
    visitor.click("Confirm")
    expect(page.get_by_role("heading", name="What to gather")).to_be_visible()
    case = Case.objects.get()
    assert case.patient == User.objects.get(email="maria.new@example.org", role=Role.PATIENT)
    assert case.diagnosis_codes == ["C50.912"] and case.treatment_description == "mastectomy"

    # The new patient's account page leads to changing the address (axe checks the page).
    visitor.go("/account/")
    visitor.click("Change your email address", role="link")
    visitor.click("Send the link")  # empty: the field says what is missing
    expect(page.locator("#id_email_error")).to_be_visible()

    phone = browser.new_context(viewport={"width": 375, "height": 740}).new_page()
    for path in ("/signup/", "/signup/confirm-email/", link.split(live_server.url)[1], "/login/"):
        phone.goto(live_server.url + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} scrolls sideways ({width}px)"

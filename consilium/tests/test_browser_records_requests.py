"""Requests for records in a real Chromium: the patient writes down a provider, the
coordinator sends the request, sees it overdue in the queue, closes it with the upload that
brought the records. Every page is checked with axe-core, on a desktop and a phone width."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from consilium.records.actions import Upload, do_add_records
from consilium.records.models import RecordsRequest
from consilium.tests.test_browser_journey import Visitor, browser  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


def test_a_request_from_the_patient_to_the_records(browser, live_server, users,  # noqa: F811
                                                   journey):
    case, _ = journey("submitted")
    checked: set[str] = set()
    patient = Visitor(browser, live_server.url, checked)
    patient.sign_in("patient")
    patient.go(f"/cases/{case.id}/")
    patient.click("Requests for records", role="link")
    expect(patient.page.get_by_text("No provider has been asked for records yet")).to_be_visible()
    patient.click("Ask a provider for records", role="link")
    patient.click("Write down the request")  # nothing filled in: refused, in words
    expect(patient.page.get_by_text("Give the provider's name.")).to_be_visible()
    patient.page.get_by_label("Provider (doctor, hospital, practice or lab)").fill(
        "Hill Country Imaging")
    patient.page.get_by_label("Fax (optional)").fill("+1 512 555 0100")
    patient.click("Write down the request")
    expect(patient.page.get_by_text("To send", exact=True)).to_be_visible()

    coordinator = Visitor(browser, live_server.url, checked)
    coordinator.sign_in("coordinator")
    coordinator.pass_two_factor(users["coordinator"])
    coordinator.go(f"/cases/{case.id}/records-requests/")
    coordinator.page.get_by_label("Sent on").fill(
        str(timezone.localdate() - timedelta(days=20)))
    coordinator.page.get_by_label("Due by").fill("")
    coordinator.click("Mark sent to Hill Country Imaging")
    expect(coordinator.page.get_by_text("Overdue", exact=True)).to_be_visible()
    coordinator.go("/queue/")
    coordinator.click("Records requests overdue 1", role="link")
    expect(coordinator.page.get_by_text("from Hill Country Imaging")).to_be_visible()

    note = b"CT report of the chest."
    [stored] = do_add_records(case, [Upload("ct-report.txt", io.BytesIO(note), len(note))],
                              acting_user=users["patient"])
    coordinator.go(f"/cases/{case.id}/records-requests/")
    expect(coordinator.page.get_by_label("Received with")).to_have_value(str(stored.record.id))
    coordinator.page.set_viewport_size({"width": 390, "height": 844})
    coordinator.check()
    coordinator.click("Mark received from Hill Country Imaging")
    expect(coordinator.page.get_by_text("with the upload ct-report.txt")).to_be_visible()
    assert RecordsRequest.objects.get().received_with_id == stored.record.id
    assert len(checked) >= 5

"""The records-release request: the patient's authorization for a provider to send their
records to the program, as a PDF to sign (WeasyPrint renders an HTML template). The patient
makes one for the first provider from their case page (what is missing from the checklist);
the coordinators make one from each request for records (records.RecordsRequest: that
provider, what is asked of them, by when)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from .checklist import case_checklist
from .holds import identity_of

VALID_DAYS = 90


@dataclass
class ReleaseRequest:
    provider: str
    provider_address: str
    expires: date
    # What the letter asks for; None: what the case's checklist still misses.
    asked: list[str] | None = None
    provider_contact: str = ""  # phone, fax, email, as one line
    due: date | None = None  # "please send them by"
    reference: str = ""  # the request's own reference, for the provider's reply
    # The case's diagnosing physician is the first provider's doctor: not on another's letter.
    names_doctor: bool = True


def default_request(case) -> ReleaseRequest:
    return ReleaseRequest(
        provider=case.institution or case.diagnosing_physician,
        provider_address="",
        expires=timezone.localdate() + timedelta(days=VALID_DAYS),
    )


def of_records_request(records_request) -> ReleaseRequest:
    """The letter for one request for records: to its provider, asking what it asks."""
    contact = [f"{label} {value}" for label, value in (
        ("Phone", records_request.provider_phone), ("Fax", records_request.provider_fax),
        ("Email", records_request.provider_email)) if value]
    start = records_request.sent_on or timezone.localdate()
    return ReleaseRequest(
        provider=records_request.provider_name,
        provider_address=records_request.provider_address,
        expires=start + timedelta(days=VALID_DAYS),
        asked=records_request.asked_labels(),
        provider_contact=" · ".join(contact),
        due=records_request.due_on,
        reference=str(records_request.id)[:8],
        names_doctor=False,
    )


def missing_items(case) -> list[str]:
    """Every checklist item not yet shown by a record nor sent another way."""
    return [item["label"] for item in case_checklist(case) if not item["done"]]


def render_pdf(case, request: ReleaseRequest) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango costs time at start-up

    html = render_to_string("records/release_request.html", {
        "case": case, "request": request, "patient": case.patient,
        "missing": missing_items(case) if request.asked is None else request.asked,
        "program": settings.PROGRAM_NAME,
        # The legal name and date of birth the patient gave (accounts.PatientIdentity), so the
        # provider finds the right chart; blank lines to fill in when not given.
        "identity": identity_of(case.patient),
        "today": timezone.localdate(),
    })
    return HTML(string=html).write_pdf()

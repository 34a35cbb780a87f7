"""The records-release request: the patient's authorization for the first provider to send
their records to the program, as a PDF to sign (WeasyPrint renders an HTML template)."""

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


def default_request(case) -> ReleaseRequest:
    return ReleaseRequest(
        provider=case.institution or case.diagnosing_physician,
        provider_address="",
        expires=timezone.localdate() + timedelta(days=VALID_DAYS),
    )


def missing_items(case) -> list[str]:
    """Every checklist item not yet shown by a record nor sent another way."""
    return [item["label"] for item in case_checklist(case) if not item["done"]]


def render_pdf(case, request: ReleaseRequest) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango costs time at start-up

    html = render_to_string("records/release_request.html", {
        "case": case, "request": request, "patient": case.patient,
        "missing": missing_items(case), "program": settings.PROGRAM_NAME,
        # The legal name and date of birth the patient gave (accounts.PatientIdentity), so the
        # provider finds the right chart; blank lines to fill in when not given.
        "identity": identity_of(case.patient),
        "today": timezone.localdate(),
    })
    return HTML(string=html).write_pdf()

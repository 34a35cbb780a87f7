"""The records-release request: the patient's authorization for the first provider to send
their records to the program, as a PDF to sign (WeasyPrint renders an HTML template)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from .checklist import checklist_status

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
    types = set(case.records.in_use().values_list("record_type", flat=True))
    return [item["label"] for item in checklist_status(case.checklist, types)
            if not item["done"]]


def render_pdf(case, request: ReleaseRequest) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango costs time at start-up

    html = render_to_string("records/release_request.html", {
        "case": case, "request": request, "patient": case.patient,
        "missing": missing_items(case), "program": settings.PROGRAM_NAME,
        "today": timezone.localdate(),
    })
    return HTML(string=html).write_pdf()

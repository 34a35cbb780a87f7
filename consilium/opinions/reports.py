"""The two reports of a signed opinion, rendered by WeasyPrint from HTML templates:

- the patient summary: plain language, their questions answered, the options, next steps;
- the physician report: the case, the first opinion, the records reviewed, the assessment
  with its codes, reasoning, recommendations, addenda and the signature block.

Both carry the patient's name and the case on every page, and page numbers.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from consilium.records.models import RecordType
from consilium.terminology.models import Icd10Code

from .access import questions_with_answers

KINDS = {"summary": "opinions/report_patient.html", "report": "opinions/report_physician.html"}


def report_context(opinion) -> dict:
    case = opinion.consultation.case
    codes = [*case.diagnosis_codes, *opinion.diagnosis_codes]
    titles = dict(Icd10Code.objects.filter(code__in=codes).values_list("code", "description"))
    return {
        "opinion": opinion, "case": case, "patient": case.patient,
        "patient_name": case.patient.get_full_name() or case.patient.get_username(),
        "specialist": opinion.consultation.specialist,
        "questions": questions_with_answers(case, opinion),
        "first_codes": [(c, titles.get(c, "")) for c in case.diagnosis_codes],
        "second_codes": [(c, titles.get(c, "")) for c in opinion.diagnosis_codes],
        "program": settings.PROGRAM_NAME, "printed": timezone.localtime(),
        "follow_ups_allowed": settings.FOLLOW_UP_QUESTIONS,
    }


def physician_context(opinion) -> dict:
    """Adds what the specialist reviewed: each document, and each imaging series once, and
    the records removed after the opinion was signed."""
    case = opinion.consultation.case
    return {
        **report_context(opinion),
        "records": list(case.records.in_use().filter(series__isnull=True, source__isnull=True)
                        .order_by("uploaded_at").only("name", "record_type", "uploaded_at",
                                                      "size")),
        "series": list(case.imaging_series.in_use().order_by("study_date", "series_number")),
        **removed_since(opinion),
    }


def removed_since(opinion) -> dict:
    """The records the opinion was signed with that were removed since: the documents by
    name, the DICOM images counted ("records reviewed" lists them as removed). One on hold
    when removed keeps no name and is not listed (it may have been someone else's)."""
    if opinion.signed_at is None:
        return {"removed": [], "removed_images": 0}
    removed = list(opinion.consultation.case.removed_records.filter(
        uploaded_at__lte=opinion.signed_at, removed_at__gt=opinion.signed_at).exclude(name=""))
    return {"removed": [r for r in removed if r.record_type != RecordType.IMAGING_STUDY],
            "removed_images": sum(r.record_type == RecordType.IMAGING_STUDY for r in removed)}


def render_report(opinion, kind: str) -> bytes:
    """The PDF of ``kind`` ("summary" or "report") for a signed opinion."""
    from weasyprint import HTML  # imported here: loading Pango costs time at start-up

    context = physician_context(opinion) if kind == "report" else report_context(opinion)
    return HTML(string=render_to_string(KINDS[kind], context)).write_pdf()

"""The two reports of a signed opinion, rendered by WeasyPrint from HTML templates:

- the patient summary: plain language, their questions answered, the options, next steps;
- the physician report, laid out as a consult report: who the patient is (legal name, birth
  date, sex, record number), to whom, from which consultant, the dates; the reason for the
  consultation, the history, the medicines and allergies in the records, the records
  reviewed, the assessment with its codes, reasoning, recommendations, addenda and the
  signature block with the consultant's credentials and NPI.

Both carry the patient's name and the case on every page, and page numbers; both are laid
out on the program's paper (settings.PAPER_SIZE), with times in its zone (TIME_ZONE).
"""

from datetime import date

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from consilium.accounts.models import PatientIdentity, Role
from consilium.cases.models import IntakeSummary, Share, Status
from consilium.records.models import RecordType
from consilium.records.summary import clinical_summary
from consilium.terminology.models import Icd10Code
from consilium.terms.access import current as program_terms

from .access import questions_with_answers, signed_parts

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
        "follow_ups_allowed": program_terms().follow_up_questions,
        # a combined review's signed parts, which the opinion's signature covers
        "parts": signed_parts(case.id),
    }


def local_time(moment) -> str:
    """``moment`` in the program's zone, the zone named: "3 December 2026, 09:15 CET
    (Europe/Berlin)"; a zone whose abbreviation is its name is named once ("… 08:15 UTC")."""
    if moment is None:
        return "Not recorded"
    local = timezone.localtime(moment)
    zone, abbreviation = settings.TIME_ZONE, local.tzname() or ""
    named = abbreviation if abbreviation == zone else f"{abbreviation} ({zone})".strip()
    return f"{local.day} {local:%B %Y, %H:%M} {named}"


def patient_identity(patient) -> dict:
    """Who the patient is as their records name them (their PatientIdentity, given on their
    profile), or their account's name and "Not given" for the rest."""
    identity = PatientIdentity.objects.filter(user=patient).first()
    account_name = patient.get_full_name() or patient.get_username()
    if identity is None:
        return {"name": account_name, "legal": False, "birth_date": "", "sex": "",
                "record_number": "", "issuer": ""}
    try:
        born = date.fromisoformat(identity.birth_date)
    except ValueError:
        born = None
    return {"name": f"{identity.given_names} {identity.family_name}".strip() or account_name,
            "legal": True, "birth_date": born, "sex": identity.get_sex_display(),
            "record_number": identity.record_number, "issuer": identity.record_number_issuer}


def recipient_of(case, share=None) -> dict:
    """Whom the report is addressed to: the physician it was sent to (a ReportShare), else
    the treating physicians the patient shares the case with, else the physician of the
    first opinion and their institution; else the patient's treating physician, unnamed."""
    if share is not None:
        person = share.recipient
        return {"names": [(person.get_full_name() if person else "") or share.email],
                "institution": "", "role": "Treating physician"}
    treating = [s.grantee.get_full_name() or s.grantee.get_username()
                for s in Share.objects.filter(case=case, grantee__role=Role.PHYSICIAN,
                                              revoked_at__isnull=True)
                .select_related("grantee").order_by("created_at")]
    if treating:
        return {"names": treating, "institution": "", "role": "Treating physician"}
    if case.diagnosing_physician or case.institution:
        institution = case.institution + (f" ({case.hospital_system})"
                                          if case.hospital_system else "")
        return {"names": [case.diagnosing_physician or "The treating physician"],
                "institution": institution,
                "role": "Physician of the first opinion" if case.diagnosing_physician else ""}
    return {"names": ["The patient's treating physician"], "institution": "", "role": ""}


def requested_at(case):
    """When the patient asked for the second opinion: the case's submission."""
    submitted = case.events.filter(to_status=Status.SUBMITTED).order_by("at").first()
    return submitted.at if submitted else case.created_at


def intake_history(case) -> list[tuple[str, str]]:
    """The history from the coordinator's intake summary of the case (cases.IntakeSummary),
    as (heading, text) pairs, shown first under History; none without a summary."""
    intake = IntakeSummary.objects.filter(case=case).first()
    if intake is None:
        return []
    parts = [("From the intake summary", intake.history), ("Key question", intake.key_question)]
    return [(heading, text) for heading, text in parts if text]


def physician_context(opinion, share=None) -> dict:
    """Adds the consult report's header (the patient's identity, the recipient, the dates),
    the history and the records' medicines and allergies, and what the specialist reviewed:
    each document, each imaging series once, and the records removed after signing.
    ``share``: the ReportShare it is read through, whose physician it is addressed to."""
    case = opinion.consultation.case
    identity = patient_identity(case.patient)
    return {
        **report_context(opinion),
        "identity": identity, "patient_name": identity["name"],
        "recipient": recipient_of(case, share),
        "requested": local_time(requested_at(case)), "signed": local_time(opinion.signed_at),
        "printed_local": local_time(timezone.now()),
        "intake": intake_history(case), "clinical": clinical_summary(case),
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


def render_report(opinion, kind: str, share=None) -> bytes:
    """The PDF of ``kind`` ("summary" or "report") for a signed opinion; ``share``: the
    ReportShare a physician reads the report through (it is addressed to them)."""
    from weasyprint import HTML  # imported here: loading Pango costs time at start-up

    context = (physician_context(opinion, share) if kind == "report"
               else report_context(opinion))
    return HTML(string=render_to_string(KINDS[kind], context)).write_pdf()

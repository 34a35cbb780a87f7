"""The opinion and the consultation as FHIR R4 JSON, built as plain dicts.

- ``opinion_document``: a document Bundle. The Composition comes first, with one section per
  part of the opinion; then the Patient, the Practitioner and PractitionerRole, a Condition
  per ICD-10-CM code, the ServiceRequest of the consultation, a ClinicalImpression for the
  assessment, and a DocumentReference carrying the physician report PDF.
- ``consultation_bundle``: a collection Bundle with the ServiceRequest and its Task (status,
  owner, due date, execution period).

The tests validate both against the fhir.resources R4B models.
"""

import base64
import hashlib
import uuid
from html import escape
from typing import Any

from .access import signed_parts

LOINC, ICD10CM = "http://loinc.org", "http://hl7.org/fhir/sid/icd-10-cm"
NPI, NUCC = "http://hl7.org/fhir/sid/us-npi", "http://nucc.org/provider-taxonomy"
CONSULT_NOTE = {"coding": [{"system": LOINC, "code": "11488-4", "display": "Consult note"}]}
SECOND_OPINION = {"text": "Second medical opinion"}
# Consultation status -> Task.status (FHIR R4 task-status).
TASK_STATUS = {"offered": "requested", "accepted": "in-progress", "declined": "rejected",
               "cancelled": "cancelled", "completed": "completed", "expired": "failed"}
REQUEST_STATUS = {"offered": "active", "accepted": "active", "completed": "completed",
                  "declined": "revoked", "cancelled": "revoked", "expired": "revoked"}


def _id(*parts) -> str:
    """A stable UUID for a resource, from the IDs it is made of."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "consilium:" + ":".join(map(str, parts))))


def _ref(resource: dict) -> dict:
    return {"reference": f"urn:uuid:{resource['id']}"}


def _instant(moment) -> str | None:
    return moment.isoformat() if moment else None


def _narrative(*paragraphs: str) -> dict:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs if p) or "<p>None.</p>"
    return {"status": "generated",
            "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def patient_resource(case) -> dict:
    user = case.patient
    name = {"text": user.get_full_name() or user.get_username()}
    if user.last_name:
        name["family"] = user.last_name
    if user.first_name:
        name["given"] = [user.first_name]
    return {"resourceType": "Patient", "id": _id("patient", user.pk), "name": [name]}


def practitioner_resources(specialist) -> tuple[dict, dict]:
    name = {"text": specialist.name, "family": specialist.last_name,
            "given": [specialist.first_name] if specialist.first_name else None}
    practitioner: dict[str, Any] = {
        "resourceType": "Practitioner", "id": _id("practitioner", specialist.pk),
        "name": [{part: value for part, value in name.items() if value}]}
    if specialist.npi:
        practitioner["identifier"] = [{"system": NPI, "value": specialist.npi}]
    role = {"resourceType": "PractitionerRole", "id": _id("role", specialist.pk),
            "practitioner": _ref(practitioner)}
    if specialist.taxonomy_code:
        role["specialty"] = [{"coding": [{"system": NUCC, "code": specialist.taxonomy_code,
                                          "display": specialist.specialty}]}]
    return practitioner, role


def service_request(consultation, patient: dict, role: dict) -> dict:
    request = {
        "resourceType": "ServiceRequest", "id": _id("request", consultation.pk),
        "identifier": [{"system": "urn:consilium:consultation", "value": str(consultation.pk)}],
        "status": REQUEST_STATUS.get(consultation.status, "unknown"), "intent": "order",
        "code": SECOND_OPINION, "subject": _ref(patient), "performer": [_ref(role)],
        "authoredOn": _instant(consultation.offered_at),
    }
    if consultation.due_date:
        request["occurrencePeriod"] = {"end": consultation.due_date.isoformat()}
    return request


def opinion_document(opinion, pdf: bytes) -> dict:
    """The signed opinion as a FHIR R4 document Bundle; ``pdf`` is the physician report."""
    consultation = opinion.consultation
    case, specialist = consultation.case, consultation.specialist
    patient = patient_resource(case)
    practitioner, role = practitioner_resources(specialist)
    request = service_request(consultation, patient, role)
    codes = opinion.diagnosis_codes or (case.diagnosis_codes if opinion.diagnosis_agreement
                                        == "agree" else [])
    conditions = [{
        "resourceType": "Condition", "id": _id("condition", opinion.pk, code),
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "code": "active"}]},
        "verificationStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            "code": "confirmed"}]},
        "code": {"coding": [{"system": ICD10CM, "code": code}]},
        "subject": _ref(patient), "recorder": _ref(practitioner),
    } for code in codes]
    impression = {
        "resourceType": "ClinicalImpression", "id": _id("impression", opinion.pk),
        "status": "completed", "subject": _ref(patient), "assessor": _ref(practitioner),
        "date": _instant(opinion.signed_at),
        "description": f"Diagnosis: {opinion.get_diagnosis_agreement_display()}. "
                       f"Treatment: {opinion.get_treatment_agreement_display()}. "
                       f"Confidence: {opinion.get_confidence_display()}.",
        "summary": opinion.reasoning,
        "finding": [{"itemReference": _ref(c)} for c in conditions],
    }
    document = {
        "resourceType": "DocumentReference", "id": _id("report", opinion.pk),
        "status": "current", "type": CONSULT_NOTE, "subject": _ref(patient),
        "date": _instant(opinion.signed_at), "author": [_ref(practitioner)],
        "description": "Second-opinion report (physician)",
        "content": [{"attachment": {
            "contentType": "application/pdf", "title": "Second-opinion report",
            "data": base64.b64encode(pdf).decode(), "size": len(pdf),
            "hash": base64.b64encode(hashlib.sha1(pdf).digest()).decode()}}],
    }
    # A combined review's part authors: each a Practitioner and role, an author and a
    # legal attester of the document, with a section of their own.
    parts = signed_parts(case.id)
    part_people = [practitioner_resources(p.consultation.specialist) for p in parts]
    composition = {
        "resourceType": "Composition", "id": _id("composition", opinion.pk),
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:sha256:"
                       f"{opinion.content_sha256}"},
        "status": "amended" if opinion.addenda.all() else "final", "type": CONSULT_NOTE,
        "subject": _ref(patient), "date": _instant(opinion.signed_at),
        "author": [_ref(role), *[_ref(r) for _, r in part_people]], "title": "Second opinion",
        "attester": [{"mode": "legal", "time": _instant(opinion.signed_at),
                      "party": _ref(practitioner)},
                     *[{"mode": "legal", "time": _instant(p.signed_at), "party": _ref(person)}
                       for p, (person, _) in zip(parts, part_people, strict=True)]],
        "section": [*_sections(opinion, conditions, impression, request, document),
                    *[{"title": f"Part of the review: {p.consultation.specialist.specialty}",
                       "author": [_ref(r)],
                       "text": _narrative(f"Asked: {p.consultation.part_asked}", p.findings)}
                      for p, (_, r) in zip(parts, part_people, strict=True)]],
    }
    entries = [composition, patient, practitioner, role, *conditions, request, impression,
               document, *[resource for pair in part_people for resource in pair]]
    return {
        "resourceType": "Bundle", "id": _id("bundle", opinion.pk), "type": "document",
        "identifier": {"system": "urn:ietf:rfc:3986",
                       "value": f"urn:uuid:{_id('document', opinion.pk)}"},
        "timestamp": _instant(opinion.signed_at),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in entries],
    }


def _sections(opinion, conditions, impression, request, document) -> list[dict]:
    case = opinion.consultation.case
    answers = {a.question_id: a for a in opinion.answers.all()}
    asked = [(q.text, answers.get(q.id)) for q in case.questions.all()]
    options = [f"{o.title}{' (recommended)' if o.recommended else ''}. Benefits: {o.benefits} "
               f"Harms: {o.harms} Living with it: {o.living_with}"
               for o in opinion.options.all()]

    def section(title, *paragraphs, entries=()):
        found = {"title": title, "text": _narrative(*paragraphs)}
        if entries:
            found["entry"] = [_ref(e) for e in entries]
        return found

    return [
        section("Summary for the patient", opinion.plain_summary),
        section("Request", "Second opinion on: " + case.diagnosis_text, entries=[request]),
        section("Diagnosis", opinion.get_diagnosis_agreement_display(),
                opinion.diagnosis_comment, entries=[impression, *conditions]),
        section("Treatment", opinion.get_treatment_agreement_display(),
                opinion.treatment_description, *options),
        section("Patient's questions", *[
            f"{text} — {'Deferred: ' if a and a.deferred else ''}{a.text if a else ''}"
            for text, a in asked]),
        section("Further tests", opinion.further_tests),
        section("Reasoning", opinion.reasoning),
        section("Follow-up", opinion.follow_up),
        section("Clinical trials", opinion.trials),
        section("Addenda", *[f"Addendum {a.number} ({a.signed_at:%Y-%m-%d}): {a.body}"
                             for a in opinion.addenda.all()]),
        section("Report", "The physician report as a PDF.", entries=[document]),
    ]


def consultation_bundle(consultation) -> dict:
    """The consultation as a ServiceRequest and its Task, in a collection Bundle."""
    case, specialist = consultation.case, consultation.specialist
    patient = patient_resource(case)
    practitioner, role = practitioner_resources(specialist)
    request = service_request(consultation, patient, role)
    task: dict[str, Any] = {
        "resourceType": "Task", "id": _id("task", consultation.pk),
        "identifier": [{"system": "urn:consilium:consultation", "value": str(consultation.pk)}],
        "basedOn": [_ref(request)], "status": TASK_STATUS[consultation.status],
        "intent": "order", "code": SECOND_OPINION, "focus": _ref(request),
        "for": _ref(patient), "owner": _ref(role),
        "authoredOn": _instant(consultation.offered_at),
        "lastModified": _instant(consultation.completed_at or consultation.responded_at
                                 or consultation.offered_at),
    }
    if consultation.status == "declined" and consultation.decline_reason:
        task["statusReason"] = {"text": "Declined by the specialist"}
    if consultation.due_date:
        task["restriction"] = {"period": {"end": consultation.due_date.isoformat()}}
    if consultation.status in ("accepted", "completed") and consultation.responded_at:
        task["executionPeriod"] = {"start": _instant(consultation.responded_at)}
        if consultation.completed_at:
            task["executionPeriod"]["end"] = _instant(consultation.completed_at)
    entries = [request, task, patient, practitioner, role]
    return {"resourceType": "Bundle", "id": _id("consultation-bundle", consultation.pk),
            "type": "collection",
            "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in entries]}

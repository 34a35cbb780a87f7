"""A combined review: the coordinator asks specialists of other specialties for parts of a
case's review; each writes and signs their part; the lead's opinion waits for every open
part, then covers the signed parts' hashes; the patient and the physician read one opinion
with each author; the comparison and the decision read that opinion."""

import io

import pytest
from pypdf import PdfReader

from consilium.accounts.models import Role
from consilium.audit.models import AuditEntry
from consilium.cases.models import EventKind, Status
from consilium.comparison.models import Comparison
from consilium.conftest import COMPLETE_OPINION, PASSWORD, sign_request
from consilium.consultations.actions import (
    do_accept_consultation,
    do_offer_consultation,
    do_offer_part,
    do_release_consultation,
    do_withdraw_consultation,
)
from consilium.consultations.models import Consultation, ConsultationStatus
from consilium.directory.builders import build_specialist
from consilium.errors import Conflict, InvalidInput, NotAllowed
from consilium.opinions.actions import do_save_opinion, do_sign_opinion, is_intact
from consilium.opinions.models import OpinionPart
from consilium.opinions.part_actions import do_save_part, do_sign_part, is_part_intact

ASKED = "Re-read the core biopsy slides: is it grade 2 or grade 3?"
FINDINGS = "Invasive ductal carcinoma, grade 2 (Nottingham 6). Margins clear on the core."


@pytest.fixture
def readers(make_user):
    """A pathologist and a radiologist, outside the first opinion's system."""
    pathologist = make_user("pathologist", Role.SPECIALIST)
    radiologist = make_user("radiologist", Role.SPECIALIST)
    return {
        "pathologist": build_specialist(
            name="Dr. Priya Raman", user=pathologist, taxonomy_code="207ZP0102X",
            specialty="Anatomic & Clinical Pathology", institution="Summit Pathology",
            hospital_system="Summit Health", postal_code="80218", city="Denver", state="CO",
            credentials="MD, PhD"),
        "radiologist": build_specialist(
            name="Dr. Tomas Berg", user=radiologist, taxonomy_code="2085R0202X",
            specialty="Diagnostic Radiology", institution="Lakeshore Imaging",
            hospital_system="Lakeshore Health", postal_code="60601", city="Chicago",
            state="IL"),
    }


def _part(case, specialist, coordinator, asked=ASKED):
    return do_offer_part(case, specialist.id, asked, acting_user=coordinator)


def _sign_part(consultation, user, findings=FINDINGS):
    do_save_part(consultation, findings, acting_user=user, base_version=0)
    return do_sign_part(consultation, acting_user=user, request=sign_request(), secret=PASSWORD)


def _complete(case, lead, user):
    answers = {q.id: {"text": "An answer."} for q in case.questions.all()}
    do_save_opinion(lead, {**COMPLETE_OPINION, "answers": answers}, acting_user=user,
                    base_version=0)


def test_two_specialists_through_to_one_combined_signed_opinion(journey, users, readers):
    case, lead = journey("accepted")
    coordinator = users["coordinator"]
    pathology = _part(case, readers["pathologist"], coordinator)
    radiology = _part(case, readers["radiologist"], coordinator,
                      asked="Review the MRI: is there multifocal disease?")
    assert pathology.is_part and pathology.status == ConsultationStatus.OFFERED
    assert pathology.answer_due is not None
    assert AuditEntry.objects.filter(action="consultation.offer_part").count() == 2
    assert case.events.filter(kind=EventKind.PART_OFFERED).count() == 2

    do_accept_consultation(pathology, acting_user=readers["pathologist"].user)
    do_accept_consultation(radiology, acting_user=readers["radiologist"].user)
    case.refresh_from_db()
    assert case.status == Status.SPECIALIST_ASSIGNED  # a part's answer does not move the case

    _complete(case, lead, users["specialist"])
    with pytest.raises(Conflict) as waiting:
        do_sign_opinion(lead, acting_user=users["specialist"], request=sign_request(),
                        secret=PASSWORD)
    assert "Dr. Priya Raman" in waiting.value.message
    assert "Dr. Tomas Berg" in waiting.value.message
    with pytest.raises(Conflict):  # the parts are said first: a wrong password is not tried
        do_sign_opinion(lead, acting_user=users["specialist"], request=sign_request(),
                        secret="not the password")

    signed = _sign_part(pathology, readers["pathologist"].user)
    assert signed.is_signed and is_part_intact(signed)
    pathology.refresh_from_db()
    assert pathology.status == ConsultationStatus.COMPLETED
    assert AuditEntry.objects.filter(action="opinion_part.sign").count() == 1
    _sign_part(radiology, readers["radiologist"].user, findings="Unifocal, 14 mm.")

    opinion = do_sign_opinion(lead, acting_user=users["specialist"], request=sign_request(),
                              secret=PASSWORD)
    case.refresh_from_db()
    assert case.status == Status.OPINION_DELIVERED
    covered = opinion.signed_content["parts"]
    assert [p["specialist"] for p in covered] == ["Dr. Priya Raman", "Dr. Tomas Berg"]
    assert covered[0]["sha256"] == signed.content_sha256
    assert is_intact(opinion)
    # the comparison and the decision read the combined opinion, the lead's
    assert Comparison.objects.filter(opinion=opinion, case=case).exists()


def test_a_changed_part_breaks_the_combined_opinions_seal(journey, users, readers):
    case, lead = journey("accepted")
    pathology = _part(case, readers["pathologist"], users["coordinator"])
    do_accept_consultation(pathology, acting_user=readers["pathologist"].user)
    part = _sign_part(pathology, readers["pathologist"].user)
    _complete(case, lead, users["specialist"])
    opinion = do_sign_opinion(lead, acting_user=users["specialist"], request=sign_request(),
                              secret=PASSWORD)
    OpinionPart.objects.filter(pk=part.pk).update(content_sha256="0" * 64)  # tampered
    opinion.refresh_from_db()
    assert not is_intact(opinion)


def test_each_writes_only_their_own(journey, users, readers):
    case, lead = journey("accepted")
    pathology = _part(case, readers["pathologist"], users["coordinator"])
    with pytest.raises(Conflict):  # not accepted yet
        do_save_part(pathology, FINDINGS, acting_user=readers["pathologist"].user,
                     base_version=0)
    do_accept_consultation(pathology, acting_user=readers["pathologist"].user)
    with pytest.raises(NotAllowed):  # the part's specialist writes no opinion
        do_save_opinion(pathology, {"reasoning": "Mine."},
                        acting_user=readers["pathologist"].user, base_version=0)
    with pytest.raises(NotAllowed):  # the lead writes no part
        do_save_part(lead, FINDINGS, acting_user=users["specialist"], base_version=0)
    with pytest.raises(NotAllowed):  # nor another part's
        do_save_part(pathology, FINDINGS, acting_user=users["specialist"], base_version=0)
    with pytest.raises(InvalidInput):  # nothing to sign
        do_sign_part(pathology, acting_user=readers["pathologist"].user,
                     request=sign_request(), secret=PASSWORD)
    assert not OpinionPart.objects.filter(signed_at__isnull=False).exists()


def test_offering_a_part_is_refused_plainly(journey, users, readers, specialists):
    case, lead = journey("accepted")
    coordinator = users["coordinator"]
    with pytest.raises(NotAllowed):
        _part(case, readers["pathologist"], users["specialist"])
    with pytest.raises(NotAllowed):
        _part(case, readers["pathologist"], users["patient"])
    with pytest.raises(Conflict):  # the lead cannot also hold a part
        _part(case, specialists["specialist"], coordinator)
    with pytest.raises(InvalidInput) as nothing_asked:
        _part(case, readers["pathologist"], coordinator, asked="   ")
    assert "asked" in nothing_asked.value.errors
    with pytest.raises(InvalidInput):  # the first opinion's own system
        _part(case, specialists["same_system"], coordinator)
    _part(case, readers["pathologist"], coordinator)
    with pytest.raises(Conflict):  # twice
        _part(case, readers["pathologist"], coordinator)
    assert Consultation.objects.filter(is_part=True).count() == 1


def test_no_part_is_added_once_the_opinion_is_signed(journey, users, readers):
    case, _ = journey("opinion_delivered")
    with pytest.raises(Conflict):
        _part(case, readers["pathologist"], users["coordinator"])


def test_parts_do_not_hold_the_case_from_its_lead(journey, users, readers, specialists):
    """A part asked before the lead is found: the case is still offered to a lead; a part
    handed back leaves the case where it was."""
    case, _ = journey("submitted")
    coordinator = users["coordinator"]
    pathology = _part(case, readers["pathologist"], coordinator)
    lead = do_offer_consultation(case, specialists["specialist"].id, acting_user=coordinator)
    do_accept_consultation(lead, acting_user=users["specialist"])
    do_accept_consultation(pathology, acting_user=readers["pathologist"].user)
    do_release_consultation(pathology, "Slides not readable here.",
                            acting_user=readers["pathologist"].user)
    case.refresh_from_db()
    assert case.status == Status.SPECIALIST_ASSIGNED


def test_the_coordinator_withdraws_an_accepted_part_but_not_an_accepted_lead(
        journey, users, readers):
    case, lead = journey("accepted")
    coordinator = users["coordinator"]
    pathology = _part(case, readers["pathologist"], coordinator)
    do_accept_consultation(pathology, acting_user=readers["pathologist"].user)
    with pytest.raises(Conflict):
        do_withdraw_consultation(lead, "Too slow.", acting_user=coordinator)
    do_withdraw_consultation(pathology, "The lead will not wait for it.",
                             acting_user=coordinator)
    _complete(case, lead, users["specialist"])
    opinion = do_sign_opinion(lead, acting_user=users["specialist"], request=sign_request(),
                              secret=PASSWORD)
    assert "parts" not in opinion.signed_content  # nothing signed to cover


def test_the_pages_of_a_combined_review(client, login, journey, users, readers):
    case, lead = journey("accepted")
    pathologist = readers["pathologist"]
    coordinator_client = login(users["coordinator"])
    page = coordinator_client.get(f"/cases/{case.id}/")
    assert "Ask another specialist for a part of the review" in page.content.decode()
    found = coordinator_client.post(f"/cases/{case.id}/parts/new/", {
        "intent": "find", "specialty": "207ZP0102X", "asked": ASKED})
    assert found.status_code == 200 and "Dr. Priya Raman" in found.content.decode()
    missing = coordinator_client.post(f"/cases/{case.id}/parts/new/", {
        "intent": "ask", "specialist_id": pathologist.id, "asked": ""})
    assert missing.status_code == 422 and not Consultation.objects.filter(is_part=True)
    asked = coordinator_client.post(f"/cases/{case.id}/parts/new/", {
        "intent": "ask", "specialist_id": pathologist.id, "asked": ASKED})
    assert asked.status_code == 302
    part = Consultation.objects.get(is_part=True)
    coordinator_client.logout()

    pathologist_client = login(pathologist.user)
    offered = pathologist_client.get(f"/cases/{case.id}/").content.decode()
    assert ASKED in offered and "Accept the part" in offered
    do_accept_consultation(part, acting_user=pathologist.user)
    assert pathologist_client.get(f"/consultations/{part.id}/part/").status_code == 200
    saved = pathologist_client.post(f"/consultations/{part.id}/part/", {
        "findings": FINDINGS, "version": 0, "intent": "review"})
    assert saved.status_code == 302 and saved.url.endswith("/part/sign/")
    wrong = pathologist_client.post(f"/consultations/{part.id}/part/sign/", {
        "confirm": "on", "password": "not it"})
    assert wrong.status_code == 422 and not OpinionPart.objects.get().is_signed
    signed = pathologist_client.post(f"/consultations/{part.id}/part/sign/", {
        "confirm": "on", "password": PASSWORD})
    assert signed.status_code == 302 and OpinionPart.objects.get().is_signed
    # the opinion's page is not the part's, and the part's not the lead's
    assert pathologist_client.get(f"/consultations/{part.id}/opinion/").status_code == 403
    pathologist_client.logout()
    lead_client = login(users["specialist"])
    assert lead_client.get(f"/consultations/{part.id}/part/").status_code == 404
    editor = lead_client.get(f"/consultations/{lead.id}/opinion/").content.decode()
    assert FINDINGS in editor
    _complete(case, lead, users["specialist"])
    do_sign_opinion(lead, acting_user=users["specialist"], request=sign_request(),
                    secret=PASSWORD)
    lead_client.logout()

    patient_client = login(users["patient"])
    shown = patient_client.get(f"/cases/{case.id}/").content.decode()
    assert "Parts of this review by other specialists" in shown
    assert FINDINGS in shown and "Dr. Priya Raman" in shown
    pdf = patient_client.get(f"/consultations/{lead.id}/opinion/report.pdf")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Parts of this combined review" in text and "Dr. Priya Raman" in text
    assert AuditEntry.objects.filter(action="opinion_part.view",
                                     actor=users["patient"]).exists()


def test_the_api_of_a_combined_review(api, journey, users, readers):
    case, lead = journey("accepted")
    pathologist = readers["pathologist"]
    refused = api(users["specialist"], "post", f"/cases/{case.id}/parts",
                  {"specialist_id": pathologist.id, "asked": ASKED})
    assert refused.status_code == 403
    offered = api(users["coordinator"], "post", f"/cases/{case.id}/parts",
                  {"specialist_id": pathologist.id, "asked": ASKED})
    assert offered.status_code == 201, offered.content
    assert offered.json()["is_part"] and offered.json()["part_asked"] == ASKED
    part_id = offered.json()["id"]
    assert api(pathologist.user, "post", f"/consultations/{part_id}/accept").status_code == 200
    draft = api(pathologist.user, "put", f"/consultations/{part_id}/part",
                {"findings": FINDINGS, "version": 0})
    assert draft.status_code == 200 and draft.json()["version"] == 1
    stale = api(pathologist.user, "put", f"/consultations/{part_id}/part",
                {"findings": "Other tab.", "version": 0})
    assert stale.status_code == 409
    assert api(users["specialist"], "get", f"/consultations/{part_id}/part").status_code == 404
    signed = api(pathologist.user, "post", f"/consultations/{part_id}/part/sign",
                 {"password": PASSWORD})
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    _complete(case, lead, users["specialist"])
    do_sign_opinion(lead, acting_user=users["specialist"], request=sign_request(),
                    secret=PASSWORD)
    opinion = api(users["patient"], "get", f"/consultations/{lead.id}/opinion").json()
    assert [p["specialist_name"] for p in opinion["parts"]] == ["Dr. Priya Raman"]
    assert opinion["parts"][0]["findings"] == FINDINGS


def test_the_fhir_document_names_each_author(api, journey, users, readers):
    from fhir.resources.R4B.bundle import Bundle

    case, lead = journey("accepted")
    pathology = _part(case, readers["pathologist"], users["coordinator"])
    do_accept_consultation(pathology, acting_user=readers["pathologist"].user)
    _sign_part(pathology, readers["pathologist"].user)
    _complete(case, lead, users["specialist"])
    do_sign_opinion(lead, acting_user=users["specialist"], request=sign_request(),
                    secret=PASSWORD)
    answer = api(users["patient"], "get", f"/cases/{case.id}/opinion.fhir.json")
    assert answer.status_code == 200, answer.content
    data = answer.json()
    Bundle.model_validate(data)
    composition = data["entry"][0]["resource"]
    assert len(composition["author"]) == 2 and len(composition["attester"]) == 2
    assert composition["section"][-1]["title"].startswith("Part of the review")

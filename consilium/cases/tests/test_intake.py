"""The coordinator's case summary for the specialist (the intake): the action, who may write
and read it, its page (a pre-filled draft, 422, a stale edit refused), the offer's warning,
the packet that starts with it, and the specialist who reads it before accepting while the
records stay closed to them until they do."""

import io
import subprocess

import pytest
from django.db import connection
from pypdf import PdfReader

from consilium.audit.models import AuditEntry
from consilium.cases.intake_actions import StaleIntake, do_save_intake_summary, intake_of
from consilium.cases.models import EventKind, IntakeSummary
from consilium.consultations.actions import do_accept_consultation
from consilium.errors import Conflict, InvalidInput, NotAllowed
from consilium.records.actions import Upload, do_add_records
from consilium.records.intake import draft_intake
from consilium.records.models import Record
from consilium.records.tests.test_packet import a_pdf

SUMMARY = {"history": "Left breast cancer found on screening; mastectomy proposed.",
           "key_question": "Is breast-conserving surgery with radiation as safe?",
           "records_show": "Pathology: invasive ductal carcinoma, 1.8 cm, ER positive.",
           "missing": "The MRI images; only the report is here."}


@pytest.fixture
def coordinator2(make_user):
    from consilium.accounts.models import Role

    return make_user("coordinator2", Role.COORDINATOR, first_name="Ana", last_name="Ruiz")


def intake_url(case) -> str:
    return f"/cases/{case.id}/intake/"


def form(version=0, **fields) -> dict:
    return {**SUMMARY, "version": str(version), **fields}


# --- the action --------------------------------------------------------------------------

def test_saving_writes_the_summary_an_event_and_an_audit_row(journey, users, coordinator2):
    case, _ = journey("submitted")
    coordinator = users["coordinator"]
    intake = do_save_intake_summary(case, SUMMARY, acting_user=coordinator, base_version=0)
    assert (intake.version, intake.written_by, intake.key_question) == (
        1, coordinator, SUMMARY["key_question"])
    assert case.events.filter(kind=EventKind.INTAKE_SAVED, actor=coordinator).count() == 1
    assert AuditEntry.objects.filter(action="case.intake", object_type="intakesummary",
                                     object_id=str(intake.pk), case_id=case.id).count() == 1
    changed = do_save_intake_summary(case, {**SUMMARY, "missing": ""},
                                     acting_user=coordinator2, base_version=1)
    assert (changed.version, changed.written_by, changed.missing) == (2, coordinator2, "")
    assert case.events.filter(kind=EventKind.INTAKE_SAVED).last().note == "Version 2"


def test_the_text_is_ciphertext_in_the_database(journey, users):
    case, _ = journey("submitted")
    do_save_intake_summary(case, SUMMARY, acting_user=users["coordinator"], base_version=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT history, key_question, records_show, missing "
                       "FROM cases_intakesummary")
        row = " ".join(cursor.fetchone())
    assert "breast" not in row.lower() and "MRI" not in row


def test_a_stale_edit_is_refused_and_changes_nothing(journey, users, coordinator2):
    case, _ = journey("submitted")
    do_save_intake_summary(case, SUMMARY, acting_user=users["coordinator"], base_version=0)
    with pytest.raises(StaleIntake) as refused:
        do_save_intake_summary(case, {**SUMMARY, "history": "Mine."},
                               acting_user=coordinator2, base_version=0)
    assert refused.value.current.version == 1 and "coordinator" in refused.value.message
    assert intake_of(case).history == SUMMARY["history"]
    # The same words again (a second click) are no conflict and write nothing.
    before = AuditEntry.objects.filter(action="case.intake").count()
    assert do_save_intake_summary(case, SUMMARY, acting_user=users["coordinator"],
                                  base_version=0).version == 1
    assert AuditEntry.objects.filter(action="case.intake").count() == before


@pytest.mark.parametrize("data,field", [
    ({**SUMMARY, "key_question": "   "}, "key_question"),
    ({**SUMMARY, "history": "x" * 5001}, "history"),
    ({**SUMMARY, "missing": ["not", "text"]}, "missing"),
])
def test_bad_input_is_refused_by_field(journey, users, data, field):
    case, _ = journey("submitted")
    with pytest.raises(InvalidInput) as refused:
        do_save_intake_summary(case, data, acting_user=users["coordinator"], base_version=0)
    assert field in refused.value.errors
    assert not IntakeSummary.objects.exists()


def test_unicode_and_a_nul_are_kept_as_written(journey, users):
    case, _ = journey("submitted")
    text = "Zweitmeinung: Ödem? 乳がん \x00 — 🩺"
    intake = do_save_intake_summary(case, {"key_question": text},
                                    acting_user=users["coordinator"], base_version=0)
    assert IntakeSummary.objects.get(pk=intake.pk).key_question == text


# --- the policy --------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["patient", "caregiver", "physician", "specialist"])
def test_only_a_coordinator_writes_it(journey, users, role):
    case, _ = journey("offered")
    with pytest.raises(NotAllowed):
        do_save_intake_summary(case, SUMMARY, acting_user=users[role], base_version=0)
    assert not IntakeSummary.objects.exists()


@pytest.mark.parametrize("upto,writable", [("draft", False), ("submitted", True),
                                           ("offered", True), ("accepted", True),
                                           ("in_review", True), ("opinion_delivered", False)])
def test_it_is_written_from_submission_until_the_opinion_is_signed(journey, users, upto,
                                                                    writable):
    case, _ = journey(upto)
    if writable:
        do_save_intake_summary(case, SUMMARY, acting_user=users["coordinator"], base_version=0)
    else:
        with pytest.raises(Conflict):
            do_save_intake_summary(case, SUMMARY, acting_user=users["coordinator"],
                                   base_version=0)


def test_the_page_is_the_coordinators_and_another_case_is_not_found(journey, users, login,
                                                                    client):
    mine, _ = journey("submitted")
    others, _ = journey("submitted", patient="patient2")
    login(users["patient"])
    assert client.get(intake_url(mine)).status_code == 403
    assert client.post(intake_url(mine), form()).status_code == 403
    assert client.post(intake_url(others), form()).status_code == 404
    login(users["specialist"])  # offered nothing
    assert client.get(intake_url(mine)).status_code == 404
    login(users["admin"])
    assert client.post(intake_url(mine), form()).status_code == 404
    assert not IntakeSummary.objects.exists()
    assert client.get("/cases/00000000-0000-0000-0000-000000000000/intake/").status_code == 404


@pytest.mark.parametrize("role", ["patient", "caregiver", "physician", "coordinator",
                                  "specialist"])
def test_whoever_sees_the_case_reads_it_on_the_case_page(journey, users, login, client, role):
    case, _ = journey("offered")
    for name in ("caregiver", "physician"):
        from consilium.cases.actions import do_share_case
        do_share_case(case, name, acting_user=users["patient"])
    do_save_intake_summary(case, SUMMARY, acting_user=users["coordinator"], base_version=0)
    login(users[role])
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert SUMMARY["key_question"] in page and "Case summary for the specialist" in page
    assert (intake_url(case) in page) == (role == "coordinator")
    login(users["patient2"])
    assert client.get(f"/cases/{case.id}/").status_code == 404


# --- the page ----------------------------------------------------------------------------

def test_the_page_prefills_a_draft_that_the_save_confirms(journey, users, login, client):
    case, _ = journey("submitted")
    login(users["coordinator"])
    page = client.get(intake_url(case))
    text = page.content.decode()
    assert page.status_code == 200 and "A draft, not saved yet" in text
    assert "Breast cancer, left breast" in text  # the first opinion, in the history
    assert "Is breast-conserving surgery an option?" in text  # the patient's question
    assert not IntakeSummary.objects.exists()  # nothing stored until the coordinator saves
    response = client.post(intake_url(case), form())
    assert response.status_code == 302 and response.url == f"/cases/{case.id}/"
    assert intake_of(case).written_by == users["coordinator"]
    again = client.get(intake_url(case)).content.decode()
    assert "A draft" not in again and "Version 1" in again


def test_the_draft_reads_the_records_and_the_checklist(journey, users):
    case, _ = journey("submitted")
    case.checklist = [{"key": "pathology_report", "label": "The pathology report"},
                      {"key": "imaging_images", "label": "The scans themselves"}]
    case.save(update_fields=["checklist"])
    report = b"Pathology report of the left breast: invasive ductal carcinoma."
    do_add_records(case, [Upload("path.txt", io.BytesIO(report), len(report))],
                   acting_user=users["patient"])
    Record.objects.filter(case=case).update(record_type="pathology_report")
    draft = draft_intake(case)
    assert "pathology report (1)" in draft["records_show"]
    assert "The scans themselves" in draft["missing"]
    assert "The pathology report" not in draft["missing"]


def test_bad_input_answers_422_and_keeps_what_was_typed(journey, users, login, client):
    case, _ = journey("submitted")
    login(users["coordinator"])
    response = client.post(intake_url(case), form(key_question=""))
    text = response.content.decode()
    assert response.status_code == 422 and "Say in a sentence what the specialist" in text
    assert SUMMARY["history"] in text
    assert client.post(intake_url(case), form(version="x")).status_code == 422
    assert client.post(intake_url(case), form(history="y" * 6000)).status_code == 422
    assert not IntakeSummary.objects.exists()


def test_a_stale_edit_on_the_page_shows_both_and_overwrites_nothing(journey, users, coordinator2,
                                                                   login, client):
    case, _ = journey("submitted")
    do_save_intake_summary(case, SUMMARY, acting_user=coordinator2, base_version=0)
    login(users["coordinator"])
    response = client.post(intake_url(case), form(version=0, history="My own reading."))
    text = response.content.decode()
    assert response.status_code == 409
    assert "This summary was changed by Ana Ruiz since you opened it" in text
    assert SUMMARY["history"] in text and "My own reading." in text  # theirs and mine
    assert intake_of(case).history == SUMMARY["history"]
    # Saving again, on the version now shown, replaces it knowingly.
    assert 'name="version" value="1"' in text
    assert client.post(intake_url(case), form(version=1, history="My own reading.")
                       ).status_code == 302
    assert intake_of(case).history == "My own reading."


# --- the offer, the queue and the packet -------------------------------------------------

def test_offering_without_a_summary_warns_but_offers(journey, users, specialists, login,
                                                     client):
    case, _ = journey("submitted")
    login(users["coordinator"])
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert "No case summary yet." in page
    assert "No case summary yet." in client.get(f"/cases/{case.id}/matches/").content.decode()
    response = client.post(f"/cases/{case.id}/offer/",
                           {"specialist_id": specialists["specialist"].id}, follow=True)
    text = response.content.decode()
    assert case.consultations.filter(status="offered").exists()
    assert "There is no case summary yet" in text


def test_the_queue_finds_the_cases_that_need_a_summary(journey, users, login, client):
    needs, _ = journey("submitted")
    written, _ = journey("submitted")
    do_save_intake_summary(written, SUMMARY, acting_user=users["coordinator"], base_version=0)
    login(users["coordinator"])
    queue = client.get("/queue/?intake=needed").content.decode()
    assert needs.short_id in queue and written.short_id not in queue
    assert 'data-filter="needs_intake">Needs a case summary <span class="count">1</span>' \
        in queue


def _packet_text(client, case, tmp_path) -> str:
    response = client.get(f"/cases/{case.id}/packet/")
    assert response.status_code == 200
    path = tmp_path / "packet.pdf"
    path.write_bytes(b"".join(response.streaming_content))
    assert len(PdfReader(path).pages) >= 3
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_the_packet_starts_with_the_summary(journey, users, login, client, tmp_path):
    case, consultation = journey("offered")
    do_save_intake_summary(case, SUMMARY, acting_user=users["coordinator"], base_version=0)
    do_accept_consultation(consultation, acting_user=users["specialist"])
    login(users["specialist"])
    text = _packet_text(client, case, tmp_path)
    summary_at = text.index("Case summary")
    assert summary_at < text.index("The case and the first opinion")
    assert SUMMARY["key_question"] in text and "only the report is here" in text


def test_a_packet_without_a_summary_says_so(journey, users, login, client, tmp_path):
    case, _ = journey("accepted")
    login(users["specialist"])
    assert "has not written a summary" in _packet_text(client, case, tmp_path)


# --- the specialist before and after accepting -------------------------------------------

@pytest.fixture
def offered_with_records(journey, users):
    case, consultation = journey("offered")
    do_save_intake_summary(case, SUMMARY, acting_user=users["coordinator"], base_version=0)
    report = a_pdf("Pathology: invasive ductal carcinoma, grade 2")
    do_add_records(case, [Upload("pathology.pdf", io.BytesIO(report), len(report))],
                   acting_user=users["patient"])
    return case, consultation, Record.objects.get(case=case)


def test_before_accepting_the_specialist_reads_the_summary_not_the_records(
        offered_with_records, users, login, client, api):
    case, consultation, record = offered_with_records
    login(users["specialist"])
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert SUMMARY["key_question"] in page and "Accept the case" in page
    assert "pathology.pdf" not in page and "You see them, and can download the case packet, " \
        "once you accept the case" in page
    for address in (f"/cases/{case.id}/records/", f"/cases/{case.id}/packet/",
                    f"/cases/{case.id}/health-history/"):
        response = client.get(address)
        assert response.status_code == 403, address
        assert "Accept the case to see its records" in response.content.decode()
    assert client.get(f"/cases/{case.id}/records/{record.id}/").status_code == 404
    listed = api(users["specialist"], "GET", f"/cases/{case.id}/records").json()
    assert listed["records"] == [] and "read" not in listed["allowed_actions"]
    assert api(users["specialist"], "GET",
               f"/cases/{case.id}/records/{record.id}/content").status_code == 404


def test_after_accepting_the_specialist_reads_the_records(offered_with_records, users, login,
                                                          client):
    case, consultation, record = offered_with_records
    do_accept_consultation(consultation, acting_user=users["specialist"])
    login(users["specialist"])
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert SUMMARY["key_question"] in page and "pathology.pdf" in page
    assert client.get(f"/cases/{case.id}/records/").status_code == 200
    assert client.get(f"/cases/{case.id}/records/{record.id}/").status_code == 200
    assert client.get(f"/cases/{case.id}/packet/").status_code == 200

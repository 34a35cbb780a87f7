"""A major difference suggests a third opinion: one action opens a linked case with the
first opinion, questions and records carried over, and matching avoids both earlier
hospital systems; its comparison then shows all three opinions."""

import io
from pathlib import Path

from consilium.cases.models import Case, EventKind
from consilium.comparison.tests.conftest import sign_with
from consilium.consultations.actions import do_accept_consultation, do_offer_consultation
from consilium.consultations.matching import match_case, systems_to_avoid
from consilium.records import storage
from consilium.records.actions import Upload, do_add_records
from consilium.records.models import ImagingSeries
from consilium.records.tests.identities import confirm_held

DICOM = sorted((Path(__file__).resolve().parents[4] / "shared" / "data" / "dicom-samples")
               .rglob("*.dcm"))[:2]


def add_records(case, user):
    uploads = [Upload(p.name, p.open("rb"), p.stat().st_size) for p in DICOM]
    note = b"Pathology: invasive ductal carcinoma, grade 2."
    uploads.append(Upload("pathology.txt", io.BytesIO(note), len(note)))
    outcomes = do_add_records(case, uploads, acting_user=user)
    confirm_held(case, user)  # the samples name their own fake patients: confirmed as hers
    return outcomes


def test_the_patient_asks_and_the_new_case_carries_everything_over(
        disputed, users, login, client, django_capture_on_commit_callbacks):
    case, _ = disputed
    add_records(case, users["patient"])
    login(users["patient"])
    page = client.get(f"/cases/{case.id}/comparison/").content.decode()
    assert "Ask for a third opinion" in page
    with django_capture_on_commit_callbacks(execute=False):
        answer = client.post(f"/cases/{case.id}/third-opinion/")
    third = Case.objects.get(earlier_case=case)
    assert answer.status_code == 302 and answer.url == f"/cases/{third.id}/"
    assert third.status == "submitted" and third.patient == case.patient
    assert (third.diagnosis_codes, third.hospital_system, third.treatment_category) == (
        case.diagnosis_codes, case.hospital_system, case.treatment_category)
    assert [q.text for q in third.questions.all()] == [q.text for q in case.questions.all()]
    before = {r.sha256: r for r in case.records.all()}
    after = {r.sha256: r for r in third.records.all()}
    assert set(after) == set(before) and len(after) == 3
    pathology = next(r for r in after.values() if r.name == "pathology.txt")
    assert b"".join(storage.open_plaintext(pathology)).startswith(b"Pathology:")
    assert ImagingSeries.objects.filter(case=third).count() == ImagingSeries.objects.filter(
        case=case).count() >= 1
    assert all(r.series.case_id == third.id for r in after.values() if r.series_id)
    assert case.events.filter(kind=EventKind.THIRD_OPINION).count() == 1
    # the earlier case's page now points to the third opinion, and it cannot be asked twice
    page = client.get(f"/cases/{case.id}/comparison/").content.decode()
    assert f"/cases/{third.id}/" in page and "Ask for a third opinion" not in page
    assert client.post(f"/cases/{case.id}/third-opinion/").status_code == 409
    assert Case.objects.filter(earlier_case=case).count() == 1


def test_matching_avoids_both_earlier_systems(disputed, users, specialists):
    from consilium.comparison.actions import do_request_third_opinion

    case, _ = disputed
    third = do_request_third_opinion(case, acting_user=users["coordinator"])
    # the keys of "Riverside Health", "Riverside Medical Center", "Summit Health (Hospital)"
    assert systems_to_avoid(third) == {"riverside", "summit"}
    proposed = [p.specialist for p in match_case(third).proposals]
    assert specialists["specialist2"] in proposed
    assert specialists["specialist"] not in proposed  # gave the second opinion
    assert specialists["same_system"] not in proposed  # the first opinion's system
    assert match_case(third).excluded["same_system"] == 2


def test_only_after_a_delivered_opinion_and_only_for_those_concerned(
        journey, users, login, client, disputed):
    early, _ = journey("in_review")
    login(users["patient"])
    assert client.post(f"/cases/{early.id}/third-opinion/").status_code == 409
    case, _ = disputed
    login(users["caregiver"])  # not shared with them: the case does not exist for them
    assert client.post(f"/cases/{case.id}/third-opinion/").status_code == 404
    assert not Case.objects.filter(earlier_case__isnull=False).exists()


def test_the_third_cases_comparison_shows_all_three(disputed, users, login, client, api,
                                                   specialists):
    from consilium.comparison.actions import do_request_third_opinion
    from consilium.opinions.actions import do_save_opinion

    case, _ = disputed
    third = do_request_third_opinion(case, acting_user=users["patient"])
    consultation = do_offer_consultation(third, specialists["specialist2"].id,
                                         acting_user=users["coordinator"])
    do_accept_consultation(consultation, acting_user=users["specialist2"])
    from consilium.conftest import COMPLETE_OPINION
    answers = {q.id: {"text": "Yes."} for q in third.questions.all()}
    do_save_opinion(consultation, {**COMPLETE_OPINION, "answers": answers},
                    acting_user=users["specialist2"], base_version=0)
    sign_with(consultation, users["specialist2"])
    login(users["patient"])
    page = client.get(f"/cases/{third.id}/comparison/").content.decode()
    assert "The second opinion, from Dr. Helen Okafor, against the first" in page
    assert "The third opinion, from Dr. Daniel Weiss, against the first" in page
    assert page.count('<th scope="col">') == 4  # topic, first, second, third
    body = api(users["patient"], "GET", f"/cases/{third.id}/comparison").json()
    assert (body["diagnosis_concordance"], body["clinical_impact"]) == ("confirmed", "major")
    # the second opinion's comparison is still being reviewed
    assert body["earlier_opinions"] == [{
        "title": "Second opinion", "specialist": "Dr. Helen Okafor",
        "diagnosis_concordance": "being_reviewed", "treatment_concordance": "being_reviewed",
        "clinical_impact": "being_reviewed"}]

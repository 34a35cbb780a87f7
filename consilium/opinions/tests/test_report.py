"""The physician report reads as a consult report: who the patient is, to whom and from whom,
the dates in the program's zone, the medicines and allergies of a real FHIR record, the
signature with credentials and NPI, page numbers, and the program's paper size."""

import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from consilium.accounts.models import PatientIdentity, Sex
from consilium.cases.actions import do_share_case
from consilium.conftest import COMPLETE_OPINION, PASSWORD, sign_request
from consilium.directory.models import Specialist
from consilium.opinions.actions import do_save_opinion, do_sign_opinion
from consilium.opinions.models import Opinion
from consilium.opinions.reports import render_report
from consilium.opinions.sharing import do_share_report
from consilium.records.actions import Upload, do_add_records
from consilium.records.models import ClinicalEntry
from consilium.records.tests.identities import take_identity_of

DATA = Path(__file__).resolve().parents[4] / "shared" / "data"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Points in a millimetre: the mediabox of a page is in points.
MM = 72 / 25.4


# An International Patient Summary with every section: active and stopped medicines and an
# allergy (the Synthea samples have no allergies).
IPS = DATA / "fhir-ips-examples" / "json" / "Bundle-bundle-ips-all-sections.json"


def text_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(pages: list[str]) -> str:
    return " ".join(" ".join(pages).split())


@pytest.fixture
def delivered(journey, users, settings, django_capture_on_commit_callbacks):
    """A signed opinion on a case with an IPS record (the patient is its person), a
    record number and a specialist with credentials and an NPI."""
    settings.TASKS = IMMEDIATE
    path = IPS
    take_identity_of(users["patient"], path)
    PatientIdentity.objects.filter(user=users["patient"]).update(
        sex=Sex.FEMALE, record_number="ABC1234", record_number_issuer="New Zealand NHI")
    Specialist.objects.filter(user=users["specialist"]).update(credentials="MD, PhD",
                                                               npi="1234567893")
    case, consultation = journey("accepted")
    case.diagnosing_physician, case.symptoms = "Dr. Maria Chen", "A lump in the left breast."
    case.save(update_fields=["diagnosing_physician", "symptoms"])
    with django_capture_on_commit_callbacks(execute=True), path.open("rb") as source:
        do_add_records(case, [Upload(path.name, source, path.stat().st_size)],
                       acting_user=users["patient"])
    sign(case, consultation, users)
    return case, Opinion.objects.get(consultation=consultation), path


def sign(case, consultation, users):
    answers = {q.id: {"text": "An answer."} for q in case.questions.all()}
    do_save_opinion(consultation, {**COMPLETE_OPINION, "answers": answers},
                    acting_user=users["specialist"], base_version=0)
    do_sign_opinion(consultation, acting_user=users["specialist"], request=sign_request(),
                    secret=PASSWORD)
    return case, consultation


def test_the_report_names_patient_recipient_consultant_and_dates(delivered, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    case, opinion, path = delivered
    identity = PatientIdentity.objects.get(user=case.patient)
    pages = text_of(render_report(opinion, "report"))
    whole = flat(pages)
    assert "Second-opinion consultation report" in whole
    born = date.fromisoformat(identity.birth_date)  # written "4 March 1961"
    assert f"{born.day} {born:%B %Y}" in whole
    assert f"{identity.given_names} {identity.family_name}" in whole
    assert "Female" in whole and "ABC1234, issued by New Zealand NHI" in whole
    # Addressed to the first opinion's physician (no treating physician has the case).
    assert "To: Dr. Maria Chen" in whole and "Physician of the first opinion" in whole
    assert case.institution in whole
    assert "Dr. Helen Okafor, MD, PhD" in whole and "NPI 1234567893" in whole
    assert "Medical Oncology" in whole
    assert "History Symptoms A lump in the left breast." in whole
    # Local times, the zone named, for the request and the signature.
    assert whole.count("(Europe/Berlin)") >= 3 and ("CET" in whole or "CEST" in whole)
    for number, text in enumerate(pages, 1):
        assert f"Page {number} of {len(pages)}" in text and case.short_id in text


def test_the_records_medicines_and_allergies_are_listed(delivered):
    case, opinion, _ = delivered
    whole = flat(text_of(render_report(opinion, "report")))
    medicines = ClinicalEntry.objects.filter(case=case, category="medication",
                                             status__in=["active", "on-hold", ""])
    allergies = ClinicalEntry.objects.filter(case=case, category="allergy")
    assert medicines.exists() and allergies.exists()
    unspaced = whole.replace(" ", "")  # a long name may wrap anywhere
    for entry in [*medicines, *allergies]:
        assert "".join(entry.display.split()) in unspaced
    assert "None recorded in the records received" not in whole
    assert "lisinopril 5 mg tablet" in whole and "cilazapril" not in whole  # that one stopped


def test_without_identity_or_records_the_report_says_not_given(journey, users):
    case, consultation = journey("opinion_delivered")
    whole = flat(text_of(render_report(consultation.opinion, "report")))
    name = users["patient"].get_full_name() or users["patient"].username
    assert f"{name} (account name)" in whole
    assert "Date of birth Not given" in whole and "Record number Not given" in whole
    assert whole.count("None recorded in the records received") == 2
    assert "Page 1 of" in whole


def test_the_report_is_addressed_to_the_treating_physician_it_is_shared_with(journey, users):
    users["physician"].first_name, users["physician"].last_name = "Ann", "Reyes"
    users["physician"].save()
    case, consultation = journey("opinion_delivered")
    do_share_case(case, users["physician"].email, role="physician",
                  acting_user=users["patient"])
    whole = flat(text_of(render_report(consultation.opinion, "report")))
    assert "To: Ann Reyes" in whole


def test_read_through_a_link_the_report_is_addressed_to_its_physician(journey, users):
    case, consultation = journey("opinion_delivered")
    share = do_share_report(consultation.opinion, "dr.reyes@clinic.example", 30, True,
                            acting_user=users["patient"])
    whole = flat(text_of(render_report(consultation.opinion, "report", share)))
    assert "To: dr.reyes@clinic.example Treating physician" in whole


@pytest.mark.parametrize("size, width, height", [("letter", 215.9, 279.4), ("A4", 210, 297)])
def test_the_paper_size_follows_the_setting(journey, settings, size, width, height):
    settings.PAPER_SIZE = size
    case, consultation = journey("opinion_delivered")
    for kind in ["report", "summary"]:
        box = PdfReader(io.BytesIO(render_report(consultation.opinion, kind))).pages[0].mediabox
        assert float(box.width) == pytest.approx(width * MM, abs=1)
        assert float(box.height) == pytest.approx(height * MM, abs=1)


@pytest.mark.parametrize("country, size", [("US", "letter"), ("CA", "letter"),
                                           ("DE", "A4"), ("GB", "A4")])
def test_the_default_paper_is_the_countrys(country, size):
    """Read from the settings as a fresh process reads them, with only the country set."""
    env = {k: v for k, v in os.environ.items() if k != "CONSILIUM_PAPER_SIZE"}
    env["CONSILIUM_DEFAULT_COUNTRY"] = country
    out = subprocess.run([sys.executable, "-c", "import consilium.settings as s; "
                          "print(s.PAPER_SIZE)"], env=env, capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == size


def test_the_history_starts_with_the_intake_summary(journey, users):
    from consilium.cases.intake_actions import do_save_intake_summary
    from consilium.opinions.reports import intake_history

    case, _ = journey("submitted")
    assert intake_history(case) == []
    do_save_intake_summary(case, {"history": "Palpable lump found in March.",
                                  "key_question": "Is breast-conserving surgery enough?",
                                  "records_show": "", "missing": ""},
                           acting_user=users["coordinator"], base_version=0)
    assert intake_history(case) == [
        ("From the intake summary", "Palpable lump found in March."),
        ("Key question", "Is breast-conserving surgery enough?")]

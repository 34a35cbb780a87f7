"""Reading what was uploaded: PDF and text content, the type guess, pictures, the documents
inside FHIR records, the records page and the health history. Real MTSamples notes, Synthea
and IPS files from ../shared/data; PDFs made by WeasyPrint from the notes."""

import base64
import csv
import io
import os
import re
import time
from pathlib import Path

import orjson
import pytest
from django.core.management import call_command
from django.utils.html import escape
from PIL import Image
from weasyprint import HTML

from consilium.audit.models import AuditEntry
from consilium.records import storage
from consilium.records.actions import Upload, do_add_records, do_set_record_type
from consilium.records.classify import classify
from consilium.records.models import ClinicalEntry, Preview, Record
from consilium.records.tasks import read_record
from consilium.records.tests.identities import take_identity_of

DATA = Path(__file__).resolve().parents[4] / "shared" / "data"
NOTES = DATA / "mtsamples" / "notes_txt"
SUBSET = DATA / "mtsamples" / "mtsamples_subset_referral_relevant.csv"
SYNTHEA = sorted((DATA / "synthea-r4-bundles_smart-generated-sample-data").glob("*.json"))
DOCUMENTS = (DATA / "synthea-bulk-ndjson_smart-sample-bulk-fhir-datasets"
             / "DocumentReference.000.ndjson")
IPS_ALL = DATA / "fhir-ips-examples" / "json" / "Bundle-bundle-ips-all-sections.json"


def note_text(name: str) -> str:
    """A note without its two-line provenance header."""
    return (NOTES / name).read_text().split("\n", 3)[3]


def note_pdf(text: str) -> bytes:
    return HTML(string=f"<pre style='white-space: pre-wrap'>{escape(text)}</pre>").write_pdf()


def add(case, user, name: str, data: bytes):
    (outcome,) = do_add_records(case, [Upload(name, io.BytesIO(data), len(data))],
                                acting_user=user)
    assert outcome.status == "stored", outcome.message
    return outcome.record


@pytest.fixture
def case(journey):
    return journey("submitted")[0]


def test_a_pdf_is_read_typed_from_its_text_and_pictured(case, users, client, login):
    text = note_text("pathology_3083_Pathology_Prostate.txt")
    record = add(case, users["patient"], "scan0001.pdf", note_pdf(text))
    assert record.record_type == "other" and record.processing == "queued"
    assert read_record.call(str(record.id)) == "done"
    record.refresh_from_db()
    assert record.record_type == "pathology_report"
    assert "Gleason score 9" in " ".join(record.text.split())
    assert record.processing_note == ""
    assert AuditEntry.objects.filter(action="record.read", object_id=str(record.id),
                                     actor=None, actor_role="system").exists()
    login(users["patient"])
    picture = client.get(f"/cases/{case.id}/records/{record.id}/preview.png")
    assert picture.status_code == 200
    width, height = Image.open(io.BytesIO(picture.content)).size
    assert max(width, height) == 400 and height > width  # a portrait page


def test_a_type_chosen_by_a_person_is_kept(case, users):
    text = note_text("radiology_1487_X_RAY_Neck_Soft_Tissues.txt")
    record = add(case, users["patient"], "document.pdf", note_pdf(text))
    do_set_record_type(record, "referral_letter", acting_user=users["patient"])
    read_record.call(str(record.id))
    record.refresh_from_db()
    assert record.record_type == "referral_letter" and "neck" in record.text.lower()


def test_a_text_file_is_read_at_upload(case, users):
    record = add(case, users["patient"], "notes.txt",
                 note_text("discharge_3881_TAH_Discharge_Summary.txt").encode())
    assert record.record_type == "discharge_summary" and record.processing == ""
    assert "menometrorrhagia" in record.text


def test_a_photo_gets_a_picture_the_right_way_up(case, users):
    photo = Image.new("RGB", (1200, 800), "white")
    exif = photo.getexif()
    exif[0x0112] = 6  # taken with the phone on its side: display rotated by 90°
    out = io.BytesIO()
    photo.save(out, "JPEG", exif=exif)
    record = add(case, users["patient"], "report-photo.jpg", out.getvalue())
    assert read_record.call(str(record.id)) == "done"
    preview = Preview.objects.get(record=record)
    size = Image.open(io.BytesIO(b"".join(storage.open_plaintext(preview)))).size
    assert size == (267, 400)


def test_the_sample_notes_get_their_kind_or_none():
    kinds = {"discharge": "discharge_summary", "letter": "referral_letter",
             "oncology": "clinical_note", "pathology": "pathology_report",
             "radiology": "imaging_report"}
    notes = sorted(NOTES.glob("*.txt"))
    guesses = {p.name: classify("text", "document.txt", note_text(p.name)) for p in notes}
    right = [n for n, guess in guesses.items() if guess == kinds[n.split("_")[0]]]
    assert len(notes) == 15 and len(right) >= 14, guesses
    assert set(guesses.values()) <= set(kinds.values()) | {"other"}


def test_the_type_guess_on_141_transcribed_notes():
    """On the notes whose kind is clear, most are right and few are wrong: an unsure guess
    is "other", for a person to choose."""
    expected = {"Lab Medicine - Pathology": "pathology_report", "Radiology": "imaging_report",
                "Discharge Summary": "discharge_summary", "Letters": "referral_letter",
                "Consult - History and Phy.": "clinical_note"}
    right = wrong = total = 0
    with SUBSET.open() as rows:
        for row in csv.DictReader(rows):
            kind = expected.get(row["medical_specialty"].strip())
            if kind:
                guess = classify("text", "document.txt", row["transcription"])
                total += 1
                right += guess == kind
                wrong += guess not in (kind, "other")
    assert total == 78 and right / total >= 0.75 and wrong / total <= 0.05, (right, wrong)


def test_documents_inside_a_fhir_record_become_records(case, users, settings,
                                                       django_capture_on_commit_callbacks):
    lines = DOCUMENTS.read_bytes().splitlines()[:12]
    record = add(case, users["patient"], "documents.ndjson", b"\n".join(lines))
    with django_capture_on_commit_callbacks(execute=False):
        assert read_record.call(str(record.id)) == "done"
    record.refresh_from_db()
    derived = list(record.derived.all())
    assert len(derived) == 12 and "12 attached documents added" in record.processing_note
    first = orjson.loads(lines[0])
    expected = base64.b64decode(first["content"][0]["attachment"]["data"])
    match = next(d for d in derived if b"".join(storage.open_plaintext(d)) == expected)
    assert match.kind == "text" and match.name.endswith(" 1987-11-19.txt")
    assert match.record_type == "clinical_note" and match.uploaded_by == users["patient"]
    assert AuditEntry.objects.filter(action="record.create", object_id=str(match.id),
                                     actor=None, actor_role="system").exists()
    # Reading again imports nothing twice.
    Record.objects.filter(id=record.id).update(processing="queued")
    read_record.call(str(record.id))
    assert record.derived.count() == 12


def test_attachments_that_are_not_what_they_say_are_left_out(case, users):
    def document(content_type, data, title):
        return {"resource": {"resourceType": "DocumentReference", "status": "current",
                             "type": {"text": title},
                             "content": [{"attachment": {"contentType": content_type,
                                                         "data": data, "title": title}}]}}
    pdf = base64.b64encode(note_pdf("SURGICAL PATHOLOGY REPORT")).decode()
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        document("application/pdf", pdf, "Biopsy report"),
        document("application/pdf", base64.b64encode(b"MZ\x90\x00 not a pdf").decode(),
                 "Fake"),
        document("text/plain", "%%% not base64 %%%", "Broken"),
        document("text/html", base64.b64encode(b"<p>hello</p>").decode(), "Web page"),
        {"resource": {"resourceType": "DocumentReference", "status": "current",
                      "type": {"text": "Linked"},
                      "content": [{"attachment": {"url": "https://example.org/x.pdf"}}]}},
    ]}
    record = add(case, users["patient"], "bundle.json", orjson.dumps(bundle))
    read_record.call(str(record.id))
    record.refresh_from_db()
    (kept,) = record.derived.all()
    assert kept.name == "Biopsy report.pdf" and kept.kind == "pdf"
    assert kept.processing == "queued"  # its own reading follows
    assert "1 document(s) are only linked" in record.processing_note
    assert "1 attached document(s) in other formats" in record.processing_note


def test_the_ips_document_links_its_pdf_without_including_it(case, users):
    record = add(case, users["patient"], IPS_ALL.name, IPS_ALL.read_bytes())
    read_record.call(str(record.id))
    record.refresh_from_db()
    assert "only linked" in record.processing_note and not record.derived.exists()


def test_the_records_page_searches_text_filters_and_pages(case, users, client, login,
                                                          django_assert_max_num_queries):
    for number in range(55):
        add(case, users["patient"], f"note-{number:02d}.txt",
            f"Progress note {number}\nCHIEF COMPLAINT: follow-up.".encode())
    add(case, users["patient"], "letter.txt",
        note_text("letter_3059_Urology_Letter.txt").encode())
    login(users["coordinator"])
    with django_assert_max_num_queries(20):
        first = client.get(f"/cases/{case.id}/records/")
    assert first.status_code == 200 and "56 files" in first.content.decode()
    assert len(first.context["page"].object_list) == 50
    second = client.post(f"/cases/{case.id}/records/", {"page": "2"})
    assert len(second.context["page"].object_list) == 6
    found = client.post(f"/cases/{case.id}/records/", {"q": "AZOOSPERMIC"})
    assert [r.name for r in found.context["page"].object_list] == ["letter.txt"]
    letters = client.post(f"/cases/{case.id}/records/", {"type": "referral_letter"})
    assert [r.name for r in letters.context["page"].object_list] == ["letter.txt"]
    nothing = client.post(f"/cases/{case.id}/records/", {"q": "zebra"}).content.decode()
    assert "No file matches" in nothing
    # The case page shows the newest ten and links to the rest.
    detail = client.get(f"/cases/{case.id}/").content.decode()
    assert "All 56 records" in detail and detail.count('class="thumb"') == 10


def test_the_records_page_when_there_are_none(case, users, client, login):
    login(users["patient"])
    page = client.get(f"/cases/{case.id}/records/").content.decode()
    assert "No records yet" in page and "Add them on the case page" in page


def test_the_health_history_lists_every_entry_by_date(case, users, client, login,
                                                      make_user):
    path = next(p for p in SYNTHEA if p.name.startswith("Clemente_Kreiger"))
    take_identity_of(users["patient"], path)
    record = add(case, users["patient"], path.name, path.read_bytes())
    read_record.call(str(record.id))
    login(users["patient"])
    page = client.get(f"/cases/{case.id}/health-history/")
    entries = ClinicalEntry.objects.filter(case=case).exclude(category="patient")
    assert page.context["page"].paginator.count == entries.count() > 0
    shown = page.context["page"].object_list
    dates = [e.effective for e in shown if e.effective]
    assert dates == sorted(dates, reverse=True)
    pressure = entries.filter(display="Blood Pressure").first()
    systolic, diastolic = re.fullmatch(r"([\d.]+)/([\d.]+) mm\[Hg\]",
                                       pressure.value_text).groups()
    assert float(systolic) > float(diastolic)
    assert f"Blood Pressure: {pressure.value_text}" in page.content.decode()
    conditions = client.get(f"/cases/{case.id}/health-history/", {"category": "condition"})
    assert {e.category for e in conditions.context["page"].object_list} == {"condition"}
    assert AuditEntry.objects.filter(action="case.health_history").exists()
    login(make_user("stranger", "patient"))
    assert client.get(f"/cases/{case.id}/health-history/").status_code == 404


def test_the_health_history_when_nothing_was_imported(case, users, client, login):
    login(users["patient"])
    page = client.get(f"/cases/{case.id}/health-history/").content.decode()
    assert "No health records have been read yet" in page


def test_no_encrypted_copy_is_left_in_the_temporary_folder(case, users, settings):
    add(case, users["patient"], "a.txt", b"hello")
    assert not list(Path(settings.FILE_UPLOAD_TEMP_DIR).glob("seal-*"))


def test_a_copy_left_by_a_stopped_process_is_cleared(settings, db):
    leftover = Path(settings.FILE_UPLOAD_TEMP_DIR) / "seal-leftover"
    leftover.write_bytes(b"x")
    two_days_ago = time.time() - 48 * 3600
    os.utime(leftover, (two_days_ago, two_days_ago))
    out = io.StringIO()
    call_command("clear_stale_uploads", "--hours", "24", stdout=out)
    assert not leftover.exists() and "1 temporary copies" in out.getvalue()

"""Records: sniffing, refusals one by one, encryption at rest, dedupe, checklist ticks."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from consilium import crypto
from consilium.records import storage
from consilium.records.actions import Upload, do_add_records
from consilium.records.models import Record

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(name, content: bytes) -> Upload:
    return Upload(name, io.BytesIO(content), len(content))


def zipped(members: dict[str, bytes], **info) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(zipfile.ZipInfo(name, **info) if info else name, content)
    return buffer.getvalue()


@pytest.fixture
def case(journey):
    return journey("submitted")[0]


def add(case, user, *files):
    return do_add_records(case, list(files), acting_user=user)


def test_good_files_are_stored_and_bad_ones_refused_one_by_one(case, users, tmp_path):
    dicom = next((DATA / "dicom-samples").rglob("*.dcm"))
    outcomes = add(
        case, users["patient"],
        upload("pathology_report.pdf", PDF),
        upload("setup.exe", b"MZ\x90\x00" + b"\x00" * 100),
        upload("broken.pdf", b"%PDF-1.4\nno end"),
        upload("locked.pdf", b"%PDF-1.4\ntrailer<</Encrypt 5 0 R>>\n%%EOF"),
        upload("empty.txt", b""),
        upload("notes.txt", b"Clinic note: knee pain for two years."),
        Upload(dicom.name, dicom.open("rb"), dicom.stat().st_size),
        upload("archive.rar", b"Rar!\x1a\x07\x00rest"),
    )
    assert [o.status for o in outcomes] == [
        "stored", "refused", "refused", "refused", "refused", "stored", "stored", "refused"
    ]
    assert "password" in outcomes[3].message
    types = {r.name: r.record_type for r in case.records.all()}
    assert types == {"pathology_report.pdf": "pathology_report", "notes.txt": "clinical_note",
                     dicom.name: "imaging_study"}


def test_files_are_encrypted_at_rest_and_read_back_checked(case, users):
    secret = b"Lumpectomy recommended. " * 5000
    (outcome,) = add(case, users["patient"], upload("note.txt", secret))
    record = outcome.record
    with default_storage.open(record.storage_name, "rb") as stored:
        raw = stored.read()
    assert b"Lumpectomy" not in raw and raw.startswith(crypto.MAGIC)
    assert b"".join(storage.open_plaintext(record)) == secret


def test_tampering_with_a_stored_file_is_detected(case, users):
    (outcome,) = add(case, users["patient"], upload("note.txt", b"x" * 3_000_000))
    path = default_storage.path(outcome.record.storage_name)
    with open(path, "r+b") as stored:
        stored.seek(2_000_000)
        stored.write(b"\x00\x01")
    with pytest.raises(crypto.Tampered):
        b"".join(storage.open_plaintext(outcome.record))
    # Cutting off the last segment is detected too.
    with open(path, "r+b") as stored:
        stored.truncate(crypto.HEADER.size + crypto.SEGMENT + crypto.TAG)
    with pytest.raises(crypto.Tampered):
        b"".join(storage.open_plaintext(outcome.record))


def test_a_file_uploaded_twice_is_stored_once(case, users):
    first = add(case, users["patient"], upload("a.pdf", PDF))[0]
    again = add(case, users["patient"], upload("b.pdf", PDF))[0]
    assert again.status == "duplicate" and again.record == first.record
    assert Record.objects.count() == 1
    assert len(default_storage.listdir("records")[1]) == 1


def test_zips_are_unpacked_member_by_member(case, users):
    archive = zipped({"study/report.pdf": PDF, "study/lab results.txt": b"Hb 13.2 g/dL",
                      "study/tool.exe": b"MZ\x90\x00", "__MACOSX/._report.pdf": b"junk"})
    outcomes = add(case, users["patient"], upload("records.zip", archive))
    assert [(o.name, o.status) for o in outcomes] == [
        ("records.zip/study/report.pdf", "stored"),
        ("records.zip/study/lab results.txt", "stored"),
        ("records.zip/study/tool.exe", "refused"),
    ]


@pytest.mark.parametrize("members,message", [
    ({"../../etc/passwd": b"x"}, "outside"),
    ({"/abs/path.txt": b"x"}, "outside"),
    ({"bomb.txt": b"\x00" * (50 * 1024 * 1024)}, "zip bomb"),
])
def test_hostile_zips_are_refused_whole(case, users, members, message):
    outcomes = add(case, users["patient"], upload("bad.zip", zipped(members)),
                   upload("fine.txt", b"still stored"))
    assert outcomes[0].status == "refused" and message in outcomes[0].message
    assert outcomes[1].status == "stored"


def test_zips_with_links_are_refused(case, users):
    link = zipfile.ZipInfo("link")
    link.external_attr = (0o120777 << 16)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(link, "/etc/passwd")
    (outcome,) = add(case, users["patient"], upload("links.zip", buffer.getvalue()))
    assert outcome.status == "refused" and "links" in outcome.message


def test_limits_come_from_settings(case, users, settings):
    settings.RECORDS_MAX_FILE_BYTES = 10
    (outcome,) = add(case, users["patient"], upload("big.txt", b"x" * 11))
    assert outcome.status == "refused" and "larger than" in outcome.message
    settings.RECORDS_MAX_FILE_BYTES = 1000
    settings.RECORDS_MAX_CASE_BYTES = 15
    outcomes = add(case, users["patient"], upload("a.txt", b"a" * 10), upload("b.txt", b"b" * 10))
    assert [o.status for o in outcomes] == ["stored", "refused"]


def test_a_failed_save_leaves_no_orphan_file(case, users, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Record.objects, "create", broken)
    with pytest.raises(RuntimeError):
        add(case, users["patient"], upload("a.txt", b"hello"))
    assert not Record.objects.exists()
    assert not default_storage.exists("records") or default_storage.listdir("records")[1] == []


def test_rotate_keys_rewraps_without_touching_the_data(case, users, settings):
    import base64
    import secrets

    from django.core.management import call_command

    from consilium.records.tasks import save_preview

    (outcome,) = add(case, users["patient"], upload("a.txt", b"rotate me"))
    save_preview(outcome.record, b"a picture")
    with default_storage.open(outcome.record.storage_name, "rb") as stored:
        before = stored.read()
    new_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    settings.RECORDS_MASTER_KEYS = [new_key, *settings.RECORDS_MASTER_KEYS]
    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    assert "Rewrapped 2 file keys" in out.getvalue()
    record = Record.objects.get()
    assert record.key_id == crypto.current_key_id() != outcome.record.key_id
    settings.RECORDS_MASTER_KEYS = [new_key]  # the old master key is gone
    assert b"".join(storage.open_plaintext(record)) == b"rotate me"
    assert b"".join(storage.open_plaintext(record.preview)) == b"a picture"
    with default_storage.open(record.storage_name, "rb") as stored:
        assert stored.read() == before


def test_who_may_add_records(case, users, specialists):
    from consilium.consultations.actions import do_offer_consultation
    from consilium.errors import NotAllowed

    consultation = do_offer_consultation(case, specialists["specialist"].id,
                                         acting_user=users["coordinator"])
    with pytest.raises(NotAllowed):
        add(case, users["specialist"], upload("note.txt", b"offered only"))
    from consilium.consultations.actions import do_accept_consultation

    do_accept_consultation(consultation, acting_user=users["specialist"])
    assert add(case, users["specialist"], upload("note.txt", b"my notes"))[0].status == "stored"
    assert add(case, users["coordinator"], upload("c.txt", b"from the coordinator"))[0].record


def test_the_checklist_ticks_from_record_types(client, login, users, case):
    login(users["patient"])
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert "Missing:</span> The pathology report" in page
    add(case, users["patient"], upload("pathology.pdf", PDF))  # unread: shows nothing yet
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert "Missing:</span> The pathology report" in page
    add(case, users["patient"], upload("biopsy.txt", b"SURGICAL PATHOLOGY REPORT\nSPECIMEN: "
                                       b"Left breast, core biopsy.\nFINAL DIAGNOSIS: invasive "
                                       b"ductal carcinoma, grade 2."))
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert "Present:</span> The pathology report" in page


def test_records_through_the_api(client, users, token_for, case):
    from django.core.files.uploadedfile import SimpleUploadedFile

    headers = {"Authorization": f"Bearer {token_for(users['patient'])}"}
    response = client.post(f"/api/v1/cases/{case.id}/records", {"files": [
        SimpleUploadedFile("report.pdf", PDF), SimpleUploadedFile("x.exe", b"MZ\x90\x00"),
    ]}, headers=headers)
    assert response.status_code == 200
    assert [o["status"] for o in response.json()] == ["stored", "refused"]
    answer = client.get(f"/api/v1/cases/{case.id}/records", headers=headers).json()
    assert answer["allowed_actions"] == ["add", "add_request", "mark_checklist", "read",
                                         "remove", "request_release", "retype", "see_held",
                                         "see_requests", "settle_hold"]
    listed = answer["records"]
    assert [r["name"] for r in listed] == ["report.pdf"]
    assert listed[0]["processing"] == "queued" and listed[0]["source_id"] is None
    content = client.get(f"/api/v1/cases/{case.id}/records/{listed[0]['id']}/content",
                         headers=headers)
    assert b"".join(content.streaming_content) == PDF
    assert 'filename="report.pdf"' in content["Content-Disposition"]
    stranger = {"Authorization": f"Bearer {token_for(users['patient2'])}"}
    assert client.get(f"/api/v1/cases/{case.id}/records/{listed[0]['id']}/content",
                      headers=stranger).status_code == 404
    assert client.post(f"/api/v1/cases/{case.id}/records", {}, headers=headers
                       ).status_code == 422


def test_records_through_the_page(client, login, users, case):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from consilium.audit.models import AuditEntry

    login(users["patient"])
    response = client.post(f"/cases/{case.id}/records/upload/", {"files": [
        SimpleUploadedFile("mri report.pdf", PDF), SimpleUploadedFile("evil.sh", b"#!/bin/sh"),
    ]}, follow=True)
    body = response.content.decode()
    assert "1 file added." in body and "evil.sh: Programs and scripts are not accepted." in body
    record = Record.objects.get()
    assert record.record_type == "imaging_report"
    client.post(f"/cases/{case.id}/records/{record.id}/type/", {"record_type": "lab_results"})
    record.refresh_from_db()
    assert record.record_type == "lab_results"
    download = client.get(f"/cases/{case.id}/records/{record.id}/")
    assert b"".join(download.streaming_content) == PDF
    actions = set(AuditEntry.objects.filter(object_id=str(record.id))
                  .values_list("action", flat=True))
    assert {"record.create", "record.retype", "record.download", "record.list"} <= actions

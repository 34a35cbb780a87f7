"""The tus server the upload page speaks to: create, ask the offset, append, finish, resume."""

import base64

import pytest

from consilium.records.models import PendingUpload, Record
from consilium.records.resumable import part_path

PDF = b"%PDF-1.4\n" + b"0123456789" * 50_000 + b"\n%%EOF\n"
PDF_SIZE = len(PDF)


def meta(**values) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


@pytest.fixture
def tus(client, login, users, journey):
    case, _ = journey("submitted")
    login(users["patient"])

    class Tus:
        def create(self, name="scan report.pdf", length=PDF_SIZE, case_id=None):
            return client.post("/uploads/", headers={
                "Tus-Resumable": "1.0.0", "Upload-Length": str(length),
                "Upload-Metadata": meta(filename=name, case=str(case_id or case.id)),
            })

        def head(self, location):
            return client.head(location, headers={"Tus-Resumable": "1.0.0"})

        def patch(self, location, offset, data):
            return client.patch(location, data, content_type="application/offset+octet-stream",
                                headers={"Tus-Resumable": "1.0.0", "Upload-Offset": str(offset)})

    tus = Tus()
    tus.case = case
    return tus


def test_an_upload_in_two_parts_becomes_a_record(tus):
    created = tus.create()
    assert created.status_code == 201 and created["Tus-Resumable"] == "1.0.0"
    location = created["Location"]
    half = len(PDF) // 2
    first = tus.patch(location, 0, PDF[:half])
    assert first.status_code == 204 and first["Upload-Offset"] == str(half)
    assert not Record.objects.exists()  # nothing is a record until every byte is in
    # After a "network failure" the client asks where to continue.
    assert tus.head(location)["Upload-Offset"] == str(half)
    done = tus.patch(location, half, PDF[half:])
    assert done.status_code == 204 and done["Upload-Offset"] == str(len(PDF))
    record = Record.objects.get()
    assert (record.name, record.size, record.case_id) == ("scan report.pdf", len(PDF),
                                                          tus.case.id)
    assert not PendingUpload.objects.exists()


def test_a_wrong_offset_is_a_conflict(tus):
    location = tus.create()["Location"]
    tus.patch(location, 0, PDF[:1000])
    assert tus.patch(location, 0, PDF[:1000]).status_code == 409
    assert tus.head(location)["Upload-Offset"] == "1000"


def test_an_aborted_upload_leaves_no_record_and_can_be_deleted(tus, client):
    location = tus.create()["Location"]
    tus.patch(location, 0, PDF[:5000])
    pending = PendingUpload.objects.get()
    assert part_path(pending).exists()
    assert client.delete(location, headers={"Tus-Resumable": "1.0.0"}).status_code == 204
    assert not part_path(pending).exists() and not Record.objects.exists()


def test_a_refused_file_is_reported_and_not_stored(tus, client):
    location = tus.create(name="tool.exe", length=6)["Location"]
    tus.patch(location, 0, b"MZ\x90\x00ab")
    assert not Record.objects.exists() and not PendingUpload.objects.exists()
    page = client.get(f"/cases/{tus.case.id}/").content.decode()
    assert "tool.exe: Programs and scripts are not accepted." in page


def test_only_the_uploader_can_continue(tus, client, login, users):
    location = tus.create()["Location"]
    login(users["coordinator"])
    assert tus.head(location).status_code == 404
    assert tus.patch(location, 0, PDF[:10]).status_code == 404


def test_uploads_need_a_visible_case_and_a_sane_length(tus, client, login, users, settings):
    import uuid

    assert tus.create(case_id=uuid.uuid4()).status_code == 404
    settings.RECORDS_MAX_FILE_BYTES = 100
    assert tus.create(length=101).status_code == 413
    login(users["patient2"])
    assert tus.create().status_code == 404


def test_stale_uploads_are_cleared(tus, settings, tmp_path):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    settings.VAR_DIR = tmp_path
    location = tus.create()["Location"]
    tus.patch(location, 0, PDF[:100])
    orphan = tmp_path / "uploads" / "left-behind.part"
    orphan.write_bytes(b"x")
    call_command("clear_stale_uploads")
    assert PendingUpload.objects.count() == 1 and not orphan.exists()
    PendingUpload.objects.update(created_at=timezone.now() - timedelta(days=4))
    call_command("clear_stale_uploads")
    assert not PendingUpload.objects.exists()
    assert list((tmp_path / "uploads").glob("*.part")) == []

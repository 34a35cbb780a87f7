"""An empty file is refused with a message on every way in, never dropped unseen."""

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from consilium.records.models import PendingUpload, Record

from .test_records import PDF, add, upload, zipped

EMPTY = "The file is empty."


@pytest.fixture
def case(journey):
    return journey("submitted")[0]


def test_an_empty_file_is_refused_by_the_action(case, users):
    outcomes = add(case, users["patient"], upload("blank.pdf", b""), upload("r.pdf", PDF))
    assert [(o.status, o.message) for o in outcomes] == [("refused", EMPTY), ("stored", "")]


def test_an_empty_zip_member_is_refused_not_dropped(case, users):
    outcomes = add(case, users["patient"], upload("scans.zip", zipped(
        {"report.pdf": PDF, "empty.txt": b""})))
    assert [(o.name, o.status, o.message) for o in outcomes] == [
        ("scans.zip/report.pdf", "stored", ""), ("scans.zip/empty.txt", "refused", EMPTY)]


def test_an_empty_file_is_refused_on_the_page(client, login, users, case):
    login(users["patient"])
    response = client.post(f"/cases/{case.id}/records/upload/", {"files": [
        SimpleUploadedFile("blank.pdf", b""), SimpleUploadedFile("r.pdf", PDF)]}, follow=True)
    body = response.content.decode()
    assert "blank.pdf: The file is empty." in body and "1 file added." in body


def test_only_an_empty_file_on_the_page_is_refused_too(client, login, users, case):
    login(users["patient"])
    response = client.post(f"/cases/{case.id}/records/upload/", {
        "files": [SimpleUploadedFile("blank.pdf", b"")]}, follow=True)
    assert "blank.pdf: The file is empty." in response.content.decode()
    assert not Record.objects.exists()


def test_an_empty_file_is_refused_by_the_api(client, users, token_for, case):
    headers = {"Authorization": f"Bearer {token_for(users['patient'])}"}
    response = client.post(f"/api/v1/cases/{case.id}/records", {"files": [
        SimpleUploadedFile("blank.pdf", b"")]}, headers=headers)
    assert response.status_code == 200
    assert [(o["name"], o["status"], o["message"]) for o in response.json()] == [
        ("blank.pdf", "refused", EMPTY)]


def test_an_empty_resumable_upload_is_refused_at_once(client, login, users, case):
    login(users["patient"])
    meta = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}"
                    for k, v in {"filename": "blank.pdf", "case": str(case.id)}.items())
    response = client.post("/uploads/", headers={
        "Tus-Resumable": "1.0.0", "Upload-Length": "0", "Upload-Metadata": meta})
    assert response.status_code == 400 and EMPTY in response.content.decode()
    assert not PendingUpload.objects.exists() and not Record.objects.exists()
    page = client.get(f"/cases/{case.id}/").content.decode()  # the page reloads after uploads
    assert "blank.pdf: The file is empty." in page

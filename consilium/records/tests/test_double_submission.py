"""An upload sent twice with the same one-time key (a double click, an API retry) stores
each file once and answers as the first did ("1 file added", "stored"); without the key,
or with another, the file is "already in the case" (one_copy_per_case)."""

import io
import zipfile

from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile

from consilium.records.models import Record
from consilium.submissions.models import Submission

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TEXT = b"Creatinine 1.1 mg/dL"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("scan.pdf", PDF)
        archive.writestr("labs.txt", TEXT)
    return buffer.getvalue()


def test_the_upload_form_sent_twice_lands_on_the_same_success(client, login, journey, users):
    case, _ = journey("submitted")
    login(users["patient"])
    upload_form = client.get(f"/cases/{case.id}/").content.decode().split(
        f'action="/cases/{case.id}/records/upload/"')[1].split("</form>")[0]
    assert 'name="submission_key"' in upload_form
    url = f"/cases/{case.id}/records/upload/"

    def send(key):
        response = client.post(url, {"files": [SimpleUploadedFile("labs.zip", _zip())],
                                     "submission_key": key})
        assert response.status_code == 302 and response["Location"] == f"/cases/{case.id}/"
        return [str(m) for m in get_messages(client.get(response["Location"]).wsgi_request)]

    assert send("u" * 24) == ["2 files added."]
    assert send("u" * 24) == ["2 files added."]
    assert Record.objects.filter(case=case).count() == 2
    assert Submission.objects.filter(user=users["patient"]).count() == 2  # one per record
    # Another rendering of the form: the files are already in the case, and it says so.
    assert send("U" * 24) == ["labs.zip/scan.pdf: This file is already in the case.",
                              "labs.zip/labs.txt: This file is already in the case."]
    assert Record.objects.filter(case=case).count() == 2


def test_the_api_with_the_same_key_answers_the_first_outcomes(client, journey, users,
                                                             token_for):
    case, _ = journey("submitted")
    headers = {"Authorization": f"Bearer {token_for(users['patient'])}",
               "Idempotency-Key": "records-retry-1"}

    def send(**extra):
        return client.post(f"/api/v1/cases/{case.id}/records",
                           {"files": [SimpleUploadedFile("report.pdf", PDF),
                                      SimpleUploadedFile("x.exe", b"MZ\x90\x00")]},
                           headers={**headers, **extra})

    first, second = send(), send()
    assert first.status_code == second.status_code == 200
    assert [o["status"] for o in first.json()] == ["stored", "refused"]
    assert [o["status"] for o in second.json()] == ["stored", "refused"]
    assert first.json()[0]["record"]["id"] == second.json()[0]["record"]["id"]
    assert Record.objects.filter(case=case).count() == 1
    third = send(**{"Idempotency-Key": "records-retry-2"})
    assert [o["status"] for o in third.json()] == ["duplicate", "refused"]
    assert Record.objects.filter(case=case).count() == 1

"""Hostile input answers 4xx with a clear message and changes nothing (issue 17, findings 8
and 9): pages of lists, file names, nested JSON, NUL characters, huge numbers, tus headers,
the case's allowance for resumable uploads, and a share revoked during an upload."""

import base64
import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from consilium.cases.actions import do_revoke_share, do_share_case
from consilium.cases.models import Case
from consilium.records.models import PendingUpload, Record

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NESTED_BUNDLE = (b'{"resourceType": "Bundle", "type": "collection", "entry": '
                 + b"[" * 50_000 + b"]" * 50_000 + b"}")


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def named_file(name: str, content: bytes) -> io.BytesIO:
    """A file the test client sends under its whole name (SimpleUploadedFile cuts it)."""
    sent = io.BytesIO(content)
    sent.name = name
    return sent


def deep(levels: int) -> list:
    nested = ["deep"]
    for _ in range(levels):
        nested = [nested]
    return nested


def stored_files(settings) -> list[Path]:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def case(journey):
    return journey("submitted")[0]


@pytest.fixture
def bearer(users, token_for):
    return {"Authorization": f"Bearer {token_for(users['patient'])}"}


@pytest.mark.parametrize("query", ["offset=9223372036854775808", "offset=-1", "limit=0",
                                   "limit=100000", "offset=99999999999999999999999"])
@pytest.mark.parametrize("path", ["/cases", "/specialists"])
def test_pages_out_of_range_are_refused(api, users, case, path, query):
    answer = api(users["patient"], "GET", f"{path}?{query}")
    assert answer.status_code == 422
    field = query.split("=")[0]
    assert answer.json()["errors"][f"query.{field}"]


def test_a_posted_search_pages_within_the_same_bounds(api, users):
    answer = api(users["patient"], "POST", "/specialists/search", {"offset": 2**63})
    assert answer.status_code == 422


@pytest.mark.parametrize("body, message", [
    ({"diagnosis_text": "x\x00y", "treatment_category": "surgery"}, "NUL"),
    ({"diagnosis_text": "x", "treatment_category": "surgery", "travel_km": 2**64}, "large"),
    ({"diagnosis_text": "x", "treatment_category": "surgery", "questions": deep(40)},
     "nested"),
])
def test_hostile_json_bodies_are_refused_before_any_action(api, users, body, message):
    answer = api(users["patient"], "POST", "/cases", body)
    assert answer.status_code == 422 and message in answer.json()["errors"]["body"]
    assert not Case.objects.filter(patient=users["patient"]).exists()


def test_json_nested_to_exhaust_the_parser_is_refused(client, bearer):
    deep = b'{"diagnosis_text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    answer = client.post("/api/v1/cases", deep, content_type="application/json",
                         headers=bearer)
    assert answer.status_code == 422 and "nested" in answer.json()["errors"]["body"]


def test_nul_in_a_query_string_is_refused(api, users):
    answer = api(users["patient"], "GET", "/specialists?q=ab%00c")
    assert answer.status_code == 422 and "NUL" in answer.json()["errors"]["q"]


def test_a_file_name_too_long_to_keep_is_refused_on_the_api(client, case, bearer, settings):
    named = named_file("a" * 300 + ".pdf", PDF)  # Django would cut it to 255 unseen
    answer = client.post(f"/api/v1/cases/{case.id}/records", {"files": [named]},
                         headers=bearer)
    assert answer.status_code == 422
    assert "longer than 255 characters" in answer.json()["errors"]["files"]
    assert not Record.objects.exists() and not stored_files(settings)


def test_a_5000_character_file_name_is_refused_on_the_api(client, case, bearer, settings):
    named = named_file("a" * 5000 + ".pdf", PDF)  # beyond the 1 KB Django reads of a part
    answer = client.post(f"/api/v1/cases/{case.id}/records", {"files": [named]},
                         headers=bearer)
    assert answer.status_code == 400 and "name is far too long" in answer.json()["detail"]
    assert not Record.objects.exists() and not stored_files(settings)


@pytest.mark.parametrize("length, status", [(300, 422), (5000, 400)])
def test_a_file_name_too_long_is_refused_on_the_page(client, login, users, case, settings,
                                                     length, status):
    login(users["patient"])
    client.raise_request_exception = False
    named = named_file("b" * length + ".pdf", PDF)
    answer = client.post(f"/cases/{case.id}/records/upload/", {"files": [named]})
    assert answer.status_code == status
    assert not Record.objects.exists() and not stored_files(settings)


def test_a_zip_with_a_good_pdf_and_a_hostile_bundle_stores_nothing(client, case, bearer,
                                                                   settings):
    archive = zipped({"report.pdf": PDF, "bundle.json": NESTED_BUNDLE})
    upload = SimpleUploadedFile("records.zip", archive, "application/zip")
    answer = client.post(f"/api/v1/cases/{case.id}/records", {"files": [upload]},
                         headers=bearer)
    assert answer.status_code == 422
    assert "nested more than" in answer.json()["errors"]["files"]
    assert not Record.objects.exists() and not stored_files(settings)


def test_a_hostile_bundle_beside_a_good_file_stores_neither(client, case, bearer, settings):
    files = [SimpleUploadedFile("report.pdf", PDF, "application/pdf"),
             SimpleUploadedFile("bundle.json", NESTED_BUNDLE, "application/json")]
    answer = client.post(f"/api/v1/cases/{case.id}/records", {"files": files},
                         headers=bearer)
    assert answer.status_code == 422
    assert not Record.objects.exists() and not stored_files(settings)


# Resumable uploads (tus).

def meta(**values) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def tus_create(client, case, length, name="scan.pdf"):
    return client.post("/uploads/", headers={
        "Tus-Resumable": "1.0.0", "Upload-Length": str(length),
        "Upload-Metadata": meta(filename=name, case=str(case.id))})


def tus_patch(client, location, offset, data):
    return client.patch(location, data, content_type="application/offset+octet-stream",
                        headers={"Tus-Resumable": "1.0.0", "Upload-Offset": str(offset)})


@pytest.mark.parametrize("length", ["-5", "1e3", " 10", "+10", "١٠", "ten", "1" * 30])
def test_a_length_that_is_not_a_byte_count_is_refused(client, login, users, case, length):
    login(users["patient"])
    answer = tus_create(client, case, length)
    assert answer.status_code == 400 and b"Upload-Length" in answer.content
    assert not PendingUpload.objects.exists()


@pytest.mark.parametrize("name, message", [("c" * 5000, b"longer than 255"),
                                           ("a\x00b.pdf", b"control characters")])
def test_a_hostile_file_name_is_refused_at_creation(client, login, users, case, name,
                                                    message):
    login(users["patient"])
    answer = tus_create(client, case, 10, name=name)
    assert answer.status_code == 400 and message in answer.content
    assert not PendingUpload.objects.exists()


def test_an_upload_may_not_declare_more_than_the_case_has_room_for(client, login, users,
                                                                    case, settings):
    settings.RECORDS_MAX_CASE_BYTES = 1000
    login(users["patient"])
    first = tus_create(client, case, 600)
    assert first.status_code == 201
    # 600 bytes are promised to the first upload: 400 remain.
    refused = tus_create(client, case, 401)
    assert refused.status_code == 413 and b"room for" in refused.content
    assert PendingUpload.objects.count() == 1
    assert tus_create(client, case, 400).status_code == 201


def test_a_revoked_caregiver_cannot_finish_an_upload(client, login, users, case, settings):
    share = do_share_case(case, "caregiver", acting_user=users["patient"])
    login(users["caregiver"])
    location = tus_create(client, case, len(PDF))["Location"]
    assert tus_patch(client, location, 0, PDF[:10]).status_code == 204
    do_revoke_share(case, share.id, acting_user=users["patient"])
    client.raise_request_exception = False
    answer = tus_patch(client, location, 10, PDF[10:])
    assert answer.status_code == 404
    assert not Record.objects.exists() and not stored_files(settings)
    assert not PendingUpload.objects.exists()  # the part is dropped with the share


def test_a_closed_case_takes_no_last_part(client, login, users, case, settings):
    login(users["patient"])
    location = tus_create(client, case, len(PDF))["Location"]
    Case.objects.filter(pk=case.pk).update(status="closed")
    client.raise_request_exception = False
    answer = tus_patch(client, location, 0, PDF)
    assert answer.status_code == 409
    assert not Record.objects.exists() and not PendingUpload.objects.exists()


# Numbers typed into pages: str.isdigit() also passes "²" and "١", and int() refuses a
# 5,000-digit string; 25 digits overflow the database. None of them may be a 500.
HOSTILE_NUMBERS = ["²", "١٢", "9" * 5000, "9" * 25, "-1", "0", " 2", ""]


@pytest.mark.parametrize("number", HOSTILE_NUMBERS)
def test_a_hostile_directory_page_shows_the_first_page(client, login, users, specialists,
                                                       number):
    login(users["coordinator"])
    posted = client.post("/specialists/", {"page": number})
    assert posted.status_code == 200 and posted.context["page"].number == 1
    assert client.get("/specialists/", {"page": number}).status_code == 200


@pytest.mark.parametrize("number", HOSTILE_NUMBERS)
def test_hostile_row_counts_and_versions_on_the_opinion_editor(client, login, users, journey,
                                                              number):
    _, consultation = journey("accepted")
    login(users["specialist"])
    url = f"/consultations/{consultation.id}/opinion/"
    assert client.get(url, {"rows": number}).status_code == 200
    typed = {"version": 0, "option_rows": number, "reasoning": "Typed."}
    assert client.post(url + "autosave/", typed).status_code == 200
    saved = client.post(url, {**typed, "intent": "save", "seen_version": number})
    assert saved.status_code in (302, 409)


@pytest.mark.parametrize("number", ["²", "9" * 5000, "9" * 25])
def test_a_hostile_follow_up_number_on_the_addendum_page_is_not_found(client, login, users,
                                                                      journey, number):
    _, consultation = journey("opinion_delivered")
    login(users["specialist"])
    url = f"/consultations/{consultation.id}/opinion/addenda/"
    assert client.get(url, {"answers": number}).status_code == 404


@pytest.mark.parametrize("number", ["²", "9" * 5000, "9" * 25])
def test_a_hostile_specialist_number_is_refused_when_offering(client, login, users, case,
                                                              number):
    login(users["coordinator"])
    answer = client.post(f"/cases/{case.id}/offer/", {"specialist_id": number}, follow=True)
    assert answer.status_code == 200
    assert "Choose a specialist from the directory." in answer.content.decode()
    assert not case.consultations.exists()

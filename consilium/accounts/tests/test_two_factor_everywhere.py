"""A password alone is not a staff sign-in anywhere: not on the pages, not on the API, not on
the resumable uploads; after the code step everything opens, under a new session key."""

import base64
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from consilium.accounts.models import ApiToken
from consilium.conftest import PASSWORD, app_code, authenticator_app
from consilium.records.actions import Upload, do_add_records

NOTE = b"Pathology: invasive ductal carcinoma, grade 2."


def _code(device):
    return app_code(device)


@pytest.fixture
def half_signed_in(client, users, journey):
    """A coordinator with an authenticator app who typed the password but not the code."""
    case, _ = journey("submitted")
    (outcome,) = do_add_records(case, [Upload("pathology.txt", io.BytesIO(NOTE), len(NOTE))],
                                acting_user=users["patient"])
    device = authenticator_app(users["coordinator"])
    signed_in = client.post("/login/", {"username": "coordinator", "password": PASSWORD})
    assert signed_in.status_code == 302
    return case, outcome.record, device


def _attempts(client, case, record):
    """Each way to health data, with what it answers."""
    cases = client.get("/api/v1/cases")
    content = client.get(f"/api/v1/cases/{case.id}/records/{record.id}/content")
    message = client.post(f"/api/v1/cases/{case.id}/messages", {"body": "Any news?"},
                          content_type="application/json")
    api_upload = client.post(f"/api/v1/cases/{case.id}/records",
                             {"files": SimpleUploadedFile("note.txt", b"Seen today.")})
    metadata = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}"
                        for k, v in {"filename": "scan.pdf", "case": str(case.id)}.items())
    tus = client.post("/uploads/", headers={"Tus-Resumable": "1.0.0", "Upload-Length": "10",
                                             "Upload-Metadata": metadata})
    page_download = client.get(f"/cases/{case.id}/records/{record.id}/")
    admin = client.get("/admin/accounts/user/")
    return {"cases": cases, "content": content, "message": message, "api_upload": api_upload,
            "tus": tus, "page_download": page_download, "admin": admin}


def test_a_password_without_the_code_opens_nothing(client, half_signed_in):
    case, record, _ = half_signed_in
    answers = _attempts(client, case, record)
    for name in ("cases", "content", "message", "api_upload"):
        assert answers[name].status_code == 403, name
        assert answers[name].json() == {
            "detail": "Confirm the code from your authenticator app before using the API."}
    assert answers["tus"].status_code == 403
    assert "authenticator app" in answers["tus"].content.decode()
    for name in ("page_download", "admin"):
        assert answers[name].status_code == 302, name
        assert answers[name].url.startswith("/account/two-factor/")
    assert not case.messages.exists() and case.records.count() == 1
    # Nor can the half-signed-in session make itself a token.
    assert client.post("/account/", {"name": "mine", "days": 30}).status_code == 302
    assert not ApiToken.objects.exists()


def test_after_the_code_step_the_same_session_may(client, half_signed_in):
    case, record, device = half_signed_in
    before = client.session.session_key
    done = client.post("/account/two-factor/", {"code": _code(device)})
    assert done.status_code == 302
    assert client.session.session_key != before  # a new session key for the stronger sign-in
    answers = _attempts(client, case, record)
    assert answers["cases"].status_code == 200 and answers["cases"].json()["count"] == 1
    assert answers["content"].status_code == 200
    assert b"".join(answers["content"].streaming_content) == NOTE
    assert answers["message"].status_code == 201
    assert answers["api_upload"].status_code == 200
    assert answers["tus"].status_code == 201
    assert answers["page_download"].status_code == 200
    # An administrator's page: a coordinator is not staff, so the admin asks to sign in there.
    assert answers["admin"].status_code == 302 and "/admin/login/" in answers["admin"].url


def test_the_password_step_gives_a_new_session_key(client, users):
    client.get("/login/")
    client.cookies["sessionid"] = "attacker-chosen"
    client.post("/login/", {"username": "patient", "password": PASSWORD})
    assert client.session.session_key not in ("", None, "attacker-chosen")

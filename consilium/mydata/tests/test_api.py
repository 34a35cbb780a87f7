"""The patient's own data over the API (issue #21): the same export and closing as the
account pages, with a bearer token; nobody else's, nothing without the password."""

import io
import zipfile

import pytest

from consilium.accounts.models import ApiToken
from consilium.audit.models import AuditEntry
from consilium.cases.models import Case, Status
from consilium.conftest import PASSWORD


def test_the_patient_downloads_their_data(client, users, journey, token_for):
    journey("opinion_delivered")
    headers = {"Authorization": f"Bearer {token_for(users['patient'])}"}
    response = client.post("/api/v1/me/data-export", headers=headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert "fhir-bundle.json" in archive.namelist()
    assert AuditEntry.objects.filter(action="user.data_export").count() == 1


@pytest.mark.parametrize("role", ["caregiver", "coordinator", "specialist", "physician",
                                  "admin"])
def test_no_one_else_exports_or_closes(api, users, journey, role):
    journey("submitted")
    assert api(users[role], "post", "/me/data-export").status_code == 403
    closing = api(users[role], "post", "/me/close", {"password": PASSWORD, "confirm": True})
    assert closing.status_code == 403
    users[role].refresh_from_db()
    assert users[role].is_active
    assert not AuditEntry.objects.filter(action__in=["user.data_export", "user.close"]).exists()


def test_without_a_token_nothing(client):
    assert client.post("/api/v1/me/data-export").status_code == 401
    assert client.post("/api/v1/me/close", {"password": PASSWORD, "confirm": True},
                       content_type="application/json").status_code == 401


@pytest.mark.parametrize("body", [{"password": "wrong", "confirm": True},
                                  {"password": PASSWORD, "confirm": False},
                                  {"password": "", "confirm": True},
                                  {"confirm": True}])
def test_closing_needs_the_password_and_the_yes(api, users, journey, body):
    journey("submitted")
    response = api(users["patient"], "post", "/me/close", body)
    assert response.status_code == 422
    users["patient"].refresh_from_db()
    assert users["patient"].is_active and users["patient"].closed_at is None


def test_the_patient_closes_their_account(api, users, journey):
    case, _ = journey("submitted")
    response = api(users["patient"], "post", "/me/close", {"password": PASSWORD,
                                                          "confirm": True})
    assert response.status_code == 200 and response.json()["closed_at"]
    users["patient"].refresh_from_db()
    assert not users["patient"].is_active
    assert Case.objects.get(pk=case.pk).status == Status.WITHDRAWN
    assert not ApiToken.objects.active().filter(user=users["patient"]).exists()
    # The token used for it ended with the account.
    assert api(users["patient"], "post", "/me/data-export").status_code == 401

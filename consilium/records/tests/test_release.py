import subprocess

import pytest


@pytest.fixture
def case(journey):
    return journey("submitted")[0]


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_the_patient_gets_a_release_letter_listing_what_is_missing(client, login, users, case,
                                                                   tmp_path):
    login(users["patient"])
    form = client.get(f"/cases/{case.id}/release-request/")
    assert form.status_code == 200 and "Riverside Medical Center" in form.content.decode()
    response = client.post(f"/cases/{case.id}/release-request/", {
        "provider": "Riverside Medical Center", "provider_address": "1 River Road\nAustin TX",
        "expires": "2027-02-20",
    })
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    assert "Authorization to release medical records" in text
    assert "Riverside Medical Center" in text and "20 February 2027" in text
    assert "The pathology report" in text  # missing from the case's checklist
    assert "Patient's signature" in text


def test_only_the_patient_authorizes(client, login, users, case):
    login(users["coordinator"])
    assert client.get(f"/cases/{case.id}/release-request/").status_code == 403
    login(users["patient2"])
    assert client.get(f"/cases/{case.id}/release-request/").status_code == 404


def test_bad_dates_are_refused(client, login, users, case):
    login(users["patient"])
    response = client.post(f"/cases/{case.id}/release-request/",
                           {"provider": "X", "expires": "someday"})
    assert response.status_code == 422

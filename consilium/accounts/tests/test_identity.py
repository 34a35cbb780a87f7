"""The patient says once who they are (issue #19): the page refuses what cannot be right in
plain words, keeps nothing then, and judges the records of their cases again once it is
right."""

import io

import pytest

from consilium.accounts.actions import do_save_identity
from consilium.accounts.models import PatientIdentity
from consilium.audit.models import AuditEntry
from consilium.errors import InvalidInput, NotAllowed

GOOD = {"given_names": "Maria Elena", "family_name": "López", "birth_date": "1961-03-04",
        "sex": "female"}


@pytest.mark.parametrize("changes, field, words", [
    ({"given_names": "   "}, "given_names", "given name"),
    ({"family_name": ""}, "family_name", "family name"),
    ({"family_name": "x" * 101}, "family_name", "under 100"),
    ({"birth_date": ""}, "birth_date", "date of birth"),
    ({"birth_date": "04/03/1961"}, "birth_date", "for example 1961-03-04"),
    ({"birth_date": "2999-01-01"}, "birth_date", "in the future"),
    ({"birth_date": "1800-01-01"}, "birth_date", "year of birth"),
    ({"sex": "robot"}, "sex", "Choose one of"),
    ({"record_number": "R-1"}, "record_number_issuer", "Name the hospital"),
    ({"record_number_issuer": "Riverside"}, "record_number_issuer", "Give the number"),
])
def test_the_page_refuses_what_cannot_be_right(changes, field, words, users, login, client):
    login(users["patient"])
    answer = client.post("/account/identity/", {**GOOD, **changes})
    assert answer.status_code == 422
    assert words in " ".join(answer.context["form"].errors[field])
    assert not PatientIdentity.objects.exists()


def test_only_the_patient_gives_their_own(users, login, client):
    for name in ("coordinator", "specialist", "caregiver", "physician"):
        login(users[name])
        assert client.get("/account/identity/").status_code == 404
        assert client.post("/account/identity/", GOOD).status_code == 404
    with pytest.raises(NotAllowed):
        do_save_identity(users["patient"], GOOD, acting_user=users["caregiver"])
    assert not PatientIdentity.objects.exists()


def test_saving_it_judges_the_records_again_and_goes_back(journey, users, login, client):
    from consilium.records.actions import Upload, do_add_records

    case, _ = journey("submitted")
    letter = b"PATIENT: Maria Lopez\nDOB: 04.03.1961\n"
    [stored] = do_add_records(case, [Upload("letter.txt", io.BytesIO(letter), len(letter))],
                              acting_user=users["patient"])
    stored.record.refresh_from_db()
    assert stored.record.identity == "held"  # nobody known yet: a named file waits
    login(users["patient"])
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert "Tell us who you are" in page
    answer = client.post(f"/account/identity/?next=/cases/{case.id}/", GOOD)
    assert answer.status_code == 302 and answer["Location"] == f"/cases/{case.id}/"
    stored.record.refresh_from_db()
    assert stored.record.identity == "fits"
    saved = PatientIdentity.objects.get(user=users["patient"])
    assert (saved.family_name, saved.birth_date) == ("López", "1961-03-04")
    assert AuditEntry.objects.filter(action="identity.save").count() == 1
    assert "Tell us who you are" not in client.get(f"/cases/{case.id}/").content.decode()
    # Elsewhere is not a place to go back to.
    answer = client.post("/account/identity/?next=https://evil.example/", GOOD)
    assert answer["Location"] == "/account/"


def test_the_action_reads_the_same_schema(users):
    with pytest.raises(InvalidInput) as refused:
        do_save_identity(users["patient"], {**GOOD, "birth_date": "soon"},
                         acting_user=users["patient"])
    assert "birth_date" in refused.value.errors

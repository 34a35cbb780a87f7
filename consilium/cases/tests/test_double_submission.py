"""A new case and an invitation sent twice with the same one-time key (a double click, an
API retry) are one row and the same answer; another key is another case (consilium/
submissions). A share is one per person already (one_active_share)."""

from django.core import mail

from consilium.cases.models import Case, Invitation, Share
from consilium.conftest import FIRST_OPINION

NEW_CASE = {"diagnosis_text": "Breast cancer, left breast", "diagnosis_codes": "C50.912",
            "treatment_category": "surgery", "treatment_description": "Mastectomy",
            "questions": "Is breast-conserving surgery an option?"}


def _twice(client, url, data):
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    return first


def test_the_new_case_page_sent_twice_is_one_case(client, login, users):
    login(users["patient"])
    assert 'name="submission_key"' in client.get("/cases/new/").content.decode()
    _twice(client, "/cases/new/", {**NEW_CASE, "submission_key": "n" * 24})
    assert Case.objects.filter(patient=users["patient"]).count() == 1
    client.post("/cases/new/", {**NEW_CASE, "submission_key": "N" * 24})
    assert Case.objects.filter(patient=users["patient"]).count() == 2


def test_the_api_with_the_same_key_answers_the_first_case(client, users, token_for):
    headers = {"Authorization": f"Bearer {token_for(users['patient'])}",
               "Idempotency-Key": "new-case-retry-1"}

    def create(**extra):
        return client.post("/api/v1/cases", FIRST_OPINION, content_type="application/json",
                           headers={**headers, **extra})

    first, second = create(), create()
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Case.objects.count() == 1
    assert create(**{"Idempotency-Key": "new-case-retry-2"}).status_code == 201
    assert Case.objects.count() == 2


def test_an_invitation_sent_twice_is_one_invitation_and_one_email(
        client, login, journey, users, settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    case, _ = journey("submitted")
    login(users["patient"])
    page = client.get(f"/cases/{case.id}/").content.decode()
    share_form = page.split(f'action="/cases/{case.id}/share/"')[1].split("</form>")[0]
    assert 'name="submission_key"' in share_form
    data = {"grantee": "sister@example.net", "role": "caregiver", "submission_key": "i" * 24}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = _twice(client, f"/cases/{case.id}/share/", data)
    assert Invitation.objects.filter(case=case).count() == 1
    assert len(mail.outbox) == 1
    assert case.events.filter(kind="invited").count() == 1
    assert "We emailed an invitation" in client.get(first["Location"]).content.decode()
    client.post(f"/cases/{case.id}/share/", {**data, "submission_key": "I" * 24})
    assert Invitation.objects.filter(case=case).count() == 2  # asked for again: a new link


def test_sharing_with_an_account_twice_is_one_share(client, login, journey, users):
    case, _ = journey("submitted")
    login(users["patient"])
    _twice(client, f"/cases/{case.id}/share/",
           {"grantee": "caregiver", "role": "caregiver", "submission_key": "s" * 24})
    assert Share.objects.filter(case=case, grantee=users["caregiver"]).count() == 1
    assert case.events.filter(kind="shared").count() == 1

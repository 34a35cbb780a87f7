"""Close my account (issue #21): the patient confirms with their password; the account can no
longer sign in, open cases are withdrawn, tokens and shares end, an email says so (no health
data); the cases are kept for the retention time, then erased, and the trail keeps that it
all happened."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from consilium.accounts.models import ApiToken, User
from consilium.audit.models import AuditEntry
from consilium.cases.models import Case, Share, Status
from consilium.conftest import PASSWORD
from consilium.opinions.models import ReportShare
from consilium.records.models import Record


@pytest.fixture
def patient_with_everything(journey, users, token_for):
    from consilium.cases.actions import do_share_case
    from consilium.opinions.sharing import do_share_report

    draft, _ = journey("draft")
    delivered, consultation = journey("opinion_delivered")
    do_share_case(delivered, "caregiver", acting_user=users["patient"])
    do_share_report(consultation.opinion, "dr.out@clinic.test", 14, True,
                    acting_user=users["patient"])
    token_for(users["patient"])
    mail.outbox.clear()
    return draft, delivered


def test_the_page_explains_and_asks_for_the_password(client, login, users):
    login(users["patient"])
    page = client.get("/account/close/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Close my account" in text and "password" in text.lower()
    assert "no-store" in page["Cache-Control"]


@pytest.mark.parametrize("password", ["", "   ", "wrong password", "x" * 5000])
def test_a_wrong_or_missing_password_closes_nothing(client, login, users,
                                                     patient_with_everything, password):
    login(users["patient"])
    response = client.post("/account/close/", {"password": password, "confirm": "on"})
    assert response.status_code == 422
    users["patient"].refresh_from_db()
    assert users["patient"].is_active
    assert not AuditEntry.objects.filter(action="user.close").exists()


def test_without_ticking_the_box_nothing_closes(client, login, users):
    login(users["patient"])
    response = client.post("/account/close/", {"password": PASSWORD})
    assert response.status_code == 422
    users["patient"].refresh_from_db()
    assert users["patient"].is_active


def test_closing_the_account(client, login, users, patient_with_everything, settings,
                             django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    draft, delivered = patient_with_everything
    login(users["patient"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/close/", {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    patient = User.objects.get(pk=users["patient"].pk)
    assert not patient.is_active and patient.closed_at is not None
    # Signed out, and cannot sign in again.
    assert not client.get("/cases/").wsgi_request.user.is_authenticated
    assert client.post("/login/", {"username": "patient",
                                   "password": PASSWORD}).status_code != 302
    # Open cases withdrawn (the delivered one too), shares and tokens ended.
    assert set(Case.objects.filter(patient=patient).values_list("status", flat=True)) == {
        Status.WITHDRAWN}
    assert not Share.objects.filter(case=delivered, revoked_at__isnull=True).exists()
    assert not ReportShare.objects.filter(revoked_at__isnull=True).exists()
    assert not ApiToken.objects.filter(user=patient).active().exists()
    assert AuditEntry.objects.filter(action="user.close", object_id=str(patient.pk)).count() == 1
    # The cases are kept for now.
    assert Case.objects.filter(patient=patient).count() == 2
    # One email to the patient, without health data.
    (sent,) = [m for m in mail.outbox if "patient@example.org" in m.to]
    assert "closed" in sent.subject.lower()
    assert "Breast" not in sent.body and "cancer" not in sent.body.lower()
    assert str(settings.RETENTION_DAYS // 365) in sent.body


def test_no_one_else_closes_it(client, login, users):
    for role in ("caregiver", "coordinator", "specialist", "admin", "physician"):
        login(users[role])
        assert client.get("/account/close/").status_code == 404
        assert client.post("/account/close/", {"password": PASSWORD,
                                                "confirm": "on"}).status_code == 404
        client.logout()


def test_the_action_refuses_anyone_but_the_patient(rf, users):
    from consilium.errors import NotAllowed
    from consilium.mydata.actions import do_close_account

    with pytest.raises(NotAllowed):
        do_close_account(rf.post("/"), users["patient"], PASSWORD,
                         acting_user=users["coordinator"])
    users["patient"].refresh_from_db()
    assert users["patient"].is_active


def test_the_cases_are_erased_after_the_retention_time(client, login, users, settings,
                                                        patient_with_everything, journey):
    import time_machine

    draft, delivered = patient_with_everything
    stored = list(Record.objects.filter(case__patient=users["patient"])
                  .values_list("storage_name", flat=True))
    other, _ = journey("submitted", patient="patient2")
    login(users["patient"])
    client.post("/account/close/", {"password": PASSWORD, "confirm": "on"})
    call_command("erase_closed_accounts")  # too early: nothing goes
    assert Case.objects.filter(patient=users["patient"]).count() == 2
    later = timezone.now() + timedelta(days=settings.RETENTION_DAYS + 1)
    with time_machine.travel(later):
        call_command("erase_closed_accounts")
    assert not Case.objects.filter(patient=users["patient"]).exists()
    assert Case.objects.filter(pk=other.pk).exists()  # another patient's stays
    from django.core.files.storage import default_storage
    assert not any(default_storage.exists(name) for name in stored)
    patient = User.objects.get(pk=users["patient"].pk)
    assert patient.email == "" and patient.first_name == "" and not patient.has_usable_password()
    # The trail keeps that it happened.
    assert AuditEntry.objects.filter(action="user.close", object_id=str(patient.pk)).exists()
    assert AuditEntry.objects.filter(action="user.erase", object_id=str(patient.pk)).exists()
    assert AuditEntry.objects.filter(case_id=delivered.id).exists()
    call_command("erase_closed_accounts")  # again: nothing left to do, no error

"""Sending the physician report to a treating physician: consent, a link that expires or is
withdrawn, sign-in for account holders, a one-time code for outside doctors, every view
audited, emails without health data."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from consilium.audit.models import AuditEntry
from consilium.errors import Conflict, InvalidInput, NotAllowed
from consilium.opinions.models import Opinion, ReportShare
from consilium.opinions.sharing import do_send_code, do_share_report, is_recipient

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def delivered(journey, settings):
    settings.TASKS = IMMEDIATE
    case, consultation = journey("opinion_delivered")
    return case, consultation, Opinion.objects.get()


def _share(client, login, user, consultation, email, capture, days=14):
    login(user)
    mail.outbox.clear()
    with capture(execute=True):
        response = client.post(f"/consultations/{consultation.id}/opinion/shares/",
                               {"email": email, "days": days, "consent": "on"})
    assert response.status_code == 302
    (sent,) = mail.outbox
    return re.search(r"https?://\S+/reports/(\S+)/", sent.body).group(0), sent


def test_an_outside_doctor_reads_after_a_one_time_code(
        client, login, users, delivered, django_capture_on_commit_callbacks):
    case, consultation, opinion = delivered
    link, sent = _share(client, login, users["patient"], consultation, "dr.out@clinic.test",
                        django_capture_on_commit_callbacks)
    for private in (case.diagnosis_text, "Lumpectomy", users["patient"].last_name or "x" * 40):
        assert private not in sent.subject + sent.body
    path = link.split("://", 1)[1].split("/", 1)[1]
    path = "/" + path
    client.logout()
    page = client.get(path)
    assert page.status_code == 200 and "d•••@clinic.test" in page.content.decode()
    assert client.get(path + "report.pdf").status_code == 302  # not before the code
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path, {"action": "send"})
    code = re.search(r"code for \S+ is (\d{6})", mail.outbox[0].body).group(1)
    assert client.post(path, {"action": "send"}).status_code == 302  # refused: too soon
    assert len(mail.outbox) == 1
    wrong = "000000" if code != "000000" else "111111"
    assert client.post(path, {"action": "check", "code": wrong}).status_code == 422
    assert client.post(path, {"action": "check", "code": code}).status_code == 302
    pdf = client.get(path + "report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    share = ReportShare.objects.get()
    assert share.views == 1
    entry = AuditEntry.objects.get(action="opinion.report_shared_view")
    assert entry.actor is None and entry.actor_role == "outside_physician"
    assert entry.actor_username == f"report-share-{share.pk}"

    login(users["patient"])
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert "dr.out@clinic.test" in page and "1 time" in page
    withdraw = f"/consultations/{consultation.id}/opinion/shares/{share.pk}/withdraw/"
    assert "Withdraw the link" in client.get(withdraw).content.decode()  # asks first
    client.post(withdraw)
    client.logout()
    assert client.get(path + "report.pdf").status_code == 410  # at once, even mid-session
    assert client.get(path).status_code == 410


def test_codes_run_out_after_five_misses(client, login, users, delivered,
                                         django_capture_on_commit_callbacks):
    _, consultation, _ = delivered
    link, _ = _share(client, login, users["patient"], consultation, "dr.out@clinic.test",
                     django_capture_on_commit_callbacks)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    client.logout()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path, {"action": "send"})
    code = re.search(r"is (\d{6})", mail.outbox[0].body).group(1)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        client.post(path, {"action": "check", "code": wrong})
    refused = client.post(path, {"action": "check", "code": code})
    assert refused.status_code == 422 and "tried too often" in refused.content.decode()


def test_a_link_has_ten_codes_in_all_so_guesses_cannot_be_renewed_without_end(
        client, users, delivered, django_capture_on_commit_callbacks):
    _, consultation, opinion = delivered
    share = do_share_report(opinion, "dr.out@clinic.test", 14, True,
                            acting_user=users["patient"])
    for minute in range(10):
        with time_machine.travel(timezone.now() + timedelta(minutes=2 * minute)):
            do_send_code(share)
            share.refresh_from_db()
    with time_machine.travel(timezone.now() + timedelta(minutes=30)), \
            pytest.raises(Conflict, match="send you the report again"):
        do_send_code(share)
    share.refresh_from_db()
    assert share.codes_sent == 10


def test_a_doctor_with_an_account_signs_in_and_no_one_else_reads(
        client, login, users, delivered, django_capture_on_commit_callbacks):
    _, consultation, _ = delivered
    link, _ = _share(client, login, users["patient"], consultation, users["physician"].email,
                     django_capture_on_commit_callbacks)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    assert ReportShare.objects.get().recipient == users["physician"]
    client.logout()
    assert client.get(path).url.startswith("/login/")
    login(users["physician2"])
    assert client.get(path + "report.pdf").status_code == 403
    login(users["physician"])
    assert "Open the report" in client.get(path).content.decode()
    assert client.get(path + "report.pdf").status_code == 200
    assert AuditEntry.objects.get(action="opinion.report_shared_view").actor == \
        users["physician"]


def test_links_expire_and_only_the_patient_shares(users, delivered):
    _, _, opinion = delivered
    with pytest.raises(NotAllowed):
        do_share_report(opinion, "dr@clinic.test", 14, True, acting_user=users["caregiver"])
    for email, days, consent, field in [("not-an-email", 14, True, "email"),
                                        ("dr@clinic.test", 91, True, "days"),
                                        ("dr@clinic.test", 14, False, "consent")]:
        with pytest.raises(InvalidInput) as refused:
            do_share_report(opinion, email, days, consent, acting_user=users["patient"])
        assert field in refused.value.errors
    assert not ReportShare.objects.exists()
    share = do_share_report(opinion, "dr@clinic.test", 7, True, acting_user=users["patient"])
    assert share.is_active()
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        assert not share.is_active()


def test_who_reads_a_report_sent_to_an_account_is_the_sharing_modules(users, delivered):
    """The view asks opinions.sharing (an access rule, not the page's): the recipient only;
    an outside doctor's share has no recipient account, whoever is signed in."""
    _, _, opinion = delivered
    to_account = do_share_report(opinion, users["physician"].email, 14, True,
                                 acting_user=users["patient"])
    outside = do_share_report(opinion, "dr.out@clinic.test", 14, True,
                              acting_user=users["patient"])
    assert is_recipient(users["physician"], to_account)
    assert not is_recipient(users["physician2"], to_account)
    assert not is_recipient(users["patient"], to_account)
    assert not is_recipient(users["physician"], outside)

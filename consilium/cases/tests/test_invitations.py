import io
import logging
import re

import pytest
from django.core import mail

from consilium.cases import actions
from consilium.cases.models import Invitation, Share


@pytest.fixture
def invite(journey, users, django_capture_on_commit_callbacks, settings):
    """Invite someone new to a case; return (case, the link from the email)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    case, _ = journey("submitted")
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_share_case(case, "sister@example.net", role="caregiver",
                              acting_user=users["patient"])
    link = re.search(r"https?://\S+/invitations/(\S+)/", mail.outbox[-1].body)
    return case, link.group(0), link.group(1)


def test_an_unknown_email_gets_an_invitation_without_health_data(invite):
    case, link, _ = invite
    message = mail.outbox[-1]
    assert message.to == ["sister@example.net"]
    assert "Breast" not in message.body and "patient" not in message.body.lower()
    assert case.events.filter(kind="invited").exists()
    assert not Invitation.objects.filter(key_hash__contains=link).exists()  # only the hash


def test_accepting_creates_the_account_and_shares_the_case(client, invite):
    case, _, token = invite
    page = client.get(f"/invitations/{token}/")
    assert "sister@example.net" in page.content.decode()
    weak = client.post(f"/invitations/{token}/", {"username": "sister", "password": "123"})
    assert weak.status_code == 422 and "too short" in weak.content.decode()
    done = client.post(f"/invitations/{token}/", {
        "username": "sister", "password": "a long enough passphrase", "first_name": "Ana",
    })
    assert done.status_code == 302 and done.url == f"/cases/{case.id}/"
    assert client.get(done.url).status_code == 200
    share = Share.objects.get(case=case, grantee__username="sister")
    assert share.grantee.role == "caregiver" and share.grantee.email == "sister@example.net"
    # The link works once.
    client.logout()
    assert client.get(f"/invitations/{token}/").status_code == 404


def test_unknown_and_expired_links_are_refused(client, invite):
    _, _, token = invite
    assert client.get("/invitations/inv_nonsense/").status_code == 404
    Invitation.objects.update(expires_at="2000-01-01T00:00:00Z")
    assert client.get(f"/invitations/{token}/").status_code == 404


def test_a_taken_username_is_refused_and_nothing_is_created(client, invite, users):
    _, _, token = invite
    response = client.post(f"/invitations/{token}/", {
        "username": "Patient", "password": "a long enough passphrase",
    })
    assert response.status_code == 422 and "taken" in response.content.decode()
    assert Invitation.objects.get().accepted_at is None


def test_a_bad_email_is_refused(journey, users):
    case, _ = journey("draft")
    with pytest.raises(actions.InvalidInput):
        actions.do_share_case(case, "not@an email", acting_user=users["patient"])
    assert not Invitation.objects.exists()


def test_a_refused_invitation_form_logs_its_path_without_the_token(client, invite):
    """Django logs each 4xx with its path; the link's token must not reach the log."""
    _, _, token = invite
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    log = io.StringIO()
    previous = handler.setStream(log)
    try:
        weak = client.post(f"/invitations/{token}/", {"username": "sister", "password": "1"})
        gone = client.get("/reports/rs_not-a-live-token/")
        reset = client.get("/reset/MQ/bad-reset-token/")
    finally:
        handler.setStream(previous)
    assert weak.status_code == 422 and gone.status_code in (404, 410)
    assert reset.status_code in (200, 302)
    written = log.getvalue()
    assert "/invitations/…/" in written and "/reports/…/" in written
    assert token not in written and "rs_not-a-live-token" not in written

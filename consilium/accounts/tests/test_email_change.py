"""Changing one's email address: the current password (or a code) first, then the new address
is used only once the link mailed to it is opened (django-allauth's change-email flow); each
step an audit row. The old address stays the account's until then."""

import pytest
from django.core import mail

from consilium.accounts.tests.verification import _fresh_rate_limits, link_in  # noqa: F401
from consilium.audit.models import AuditEntry
from consilium.conftest import PASSWORD

NEW = "maria.new@example.org"


def actions_on(user):
    return list(AuditEntry.objects.filter(object_id=str(user.pk), object_type="user")
                .values_list("action", flat=True))


def test_the_account_page_links_to_the_change(client, login, users):
    login(users["patient"])
    assert 'href="/account/email/"' in client.get("/account/").content.decode()
    page = client.get("/account/email/")
    assert page.status_code == 200
    assert "patient@example.org" in page.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/account/email/")
    assert response.status_code == 302 and response.url.startswith("/login/")


@pytest.mark.parametrize(("data", "field"), [
    ({"email": "", "password": PASSWORD}, "email"),
    ({"email": "  ", "password": PASSWORD}, "email"),
    ({"email": "not an address", "password": PASSWORD}, "email"),
    ({"email": "x" * 250 + "@example.org", "password": PASSWORD}, "email"),
    ({"email": "patient@example.org", "password": PASSWORD}, "email"),  # the same one
    ({"email": NEW, "password": ""}, "password"),
    ({"email": NEW, "password": "wrong password"}, "password"),
])
def test_sloppy_changes_are_refused_beside_the_field(client, login, users, data, field):
    login(users["patient"])
    response = client.post("/account/email/", data)
    assert response.status_code == 422
    assert f'id="id_{field}_error"' in response.content.decode()
    assert mail.outbox == []
    users["patient"].refresh_from_db()
    assert users["patient"].email == "patient@example.org"
    assert "user.email_change_requested" not in actions_on(users["patient"])


def test_the_new_address_is_used_only_once_verified(client, login, users):
    patient = users["patient"]
    login(patient)
    response = client.post("/account/email/", {"email": NEW.upper(), "password": PASSWORD})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == [NEW] and "patient@example.org" not in message.body
    patient.refresh_from_db()
    assert patient.email == "patient@example.org"  # not yet
    assert "Waiting for you to open the link" in client.get("/account/email/").content.decode()
    assert actions_on(patient) == ["user.email_change_requested"]
    # Until the link is opened the account still signs in with the old address, not the new.
    other = client.__class__()
    assert other.post("/login/", {"username": NEW, "password": PASSWORD}).status_code == 200
    assert other.post("/login/", {"username": "patient@example.org",
                                  "password": PASSWORD}).status_code == 302

    assert client.post(link_in(message)).status_code == 302
    patient.refresh_from_db()
    assert patient.email == NEW
    assert actions_on(patient) == ["user.email_change_requested", "user.email_verified"]
    assert client.get("/account/").status_code == 200  # still signed in
    third = client.__class__()
    assert third.post("/login/", {"username": NEW, "password": PASSWORD}).status_code == 302


def test_an_address_of_another_account_is_not_revealed(client, login, users):
    login(users["patient"])
    response = client.post("/account/email/", {"email": "patient2@example.org",
                                                "password": PASSWORD})
    assert response.status_code == 302  # as for any address
    users["patient"].refresh_from_db()
    assert users["patient"].email == "patient@example.org"
    for message in mail.outbox:  # whatever goes to that address cannot take it over
        client.post(link_in(message))
    users["patient"].refresh_from_db()
    assert users["patient"].email == "patient@example.org"
    users["patient2"].refresh_from_db()
    assert users["patient2"].email == "patient2@example.org"


def test_staff_change_theirs_after_their_second_factor(client, login, users):
    coordinator = users["coordinator"]
    login(coordinator)
    response = client.post("/account/email/", {"email": "coord.new@example.org",
                                                "password": PASSWORD})
    assert response.status_code == 302
    client.post(link_in(mail.outbox[0]))
    coordinator.refresh_from_db()
    assert coordinator.email == "coord.new@example.org"
    # Before the code step the page is closed, like every page (RequireTwoFactorMiddleware).
    fresh = client.__class__()
    fresh.force_login(coordinator)
    assert fresh.get("/account/email/").url.startswith("/account/two-factor/")


def test_the_old_address_is_told_of_the_change(client, login, users, settings,
                                               django_capture_on_commit_callbacks):
    """Whoever took over a signed-in session and changed the address: the owner hears."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    login(users["patient"])
    client.post("/account/email/", {"email": NEW, "password": PASSWORD})
    link = link_in(mail.outbox[0])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link)
    [notice] = mail.outbox
    assert notice.to == ["patient@example.org"]
    assert "changed" in notice.subject and "If you did not change it" in notice.body
    assert NEW not in notice.body  # the new address is not handed to whoever reads the old

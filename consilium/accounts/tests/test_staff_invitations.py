"""Staff accounts start from an administrator's invitation (issue #21): the link, single use
and expiring, is where the invitee chooses a password and enrols the second factor, and a
staff account without one cannot sign in with its password (no trust on first use)."""

import re
import time
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from consilium.accounts.actions import do_invite_member, do_reset_second_factor
from consilium.accounts.models import StaffInvitation, User
from consilium.accounts.tests.verification import _fresh_rate_limits  # noqa: F401
from consilium.audit.models import AuditEntry
from consilium.conftest import PASSWORD, app_code, authenticator_app
from consilium.errors import Conflict
from consilium.tests.racing import on_postgresql, race

NEW_PASSWORD = "tulip harbour lantern 42"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _tasks_now(settings):
    settings.TASKS = IMMEDIATE


def _link_path(message) -> str:
    found = re.search(r"https?://[^/\s]+(/join/[^\s/]+/)", message.body)
    assert found, message.body
    return found.group(1)


def _secret(page: str) -> str:
    return page.split("Key: <code>")[1].split("</code>")[0]


def _now_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _invite(admin, email="nurse@hospital.example", role="coordinator", capture=None):
    with capture(execute=True):
        invitation, link = do_invite_member(email, role, acting_user=admin,
                                            first_name="Nia", last_name="Okoro")
    return invitation, _path(link)


def _path(link: str) -> str:
    """The path of a link (http://host/join/…/)."""
    return "/" + link.split("/", 3)[3]


def _choose_password(client, path, **extra):
    return client.post(path, {"first_name": "Nia", "last_name": "Okoro",
                              "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, **extra})


def _enrol_app(client, path):
    page = client.get(path).content.decode()
    return client.post(path, {"code": _now_code(_secret(page))})


def test_an_invited_coordinator_chooses_a_password_and_an_app_and_is_signed_in(
        client, users, login, django_capture_on_commit_callbacks):
    admin = login(users["admin"], Client())
    with django_capture_on_commit_callbacks(execute=True):
        sent = admin.post("/members/", {"email": " Nurse@Hospital.example ",
                                        "role": "coordinator", "first_name": "Nia"})
    assert sent.status_code == 302
    [message] = mail.outbox
    assert message.to == ["nurse@hospital.example"]
    assert "as a coordinator" in message.body and "7 days" in message.body
    path = _link_path(message)

    first = client.get(path)
    assert first.status_code == 200 and "nurse@hospital.example" in first.content.decode()
    assert first["Cache-Control"].startswith("max-age=0")
    # Bad input changes nothing.
    assert _choose_password(client, path, password2="another one").status_code == 422
    assert _choose_password(client, path, password1="short", password2="short"
                            ).status_code == 422
    assert not User.objects.filter(email="nurse@hospital.example").exists()

    assert _choose_password(client, path).status_code == 302
    member = User.objects.get(email="nurse@hospital.example")
    assert member.role == "coordinator" and member.check_password(NEW_PASSWORD)
    assert "_auth_user_id" not in client.session  # not signed in before the second factor
    step = client.get(path)
    assert "Scan this code" in step.content.decode()
    assert client.post(path, {"code": "000000"}).status_code == 422
    done = _enrol_app(client, path)
    assert done.status_code == 302 and done.url.startswith("/account/two-factor/recovery-codes/")
    codes = client.get(done.url).content.decode()
    assert codes.count("<li><code>") == 10
    assert client.get("/queue/").status_code == 200  # signed in, past the second factor

    # The link is spent: it gives nothing, to anyone.
    assert Client().get(path).status_code == 404
    assert client.get(path).status_code == 404
    actions = list(AuditEntry.objects.filter(action__startswith=("staff_invitation"))
                   .values_list("action", flat=True).order_by("id"))
    assert actions == ["staff_invitation.invite.coordinator", "staff_invitation.start",
                       "staff_invitation.accept"]
    assert AuditEntry.objects.filter(action="user.join.coordinator").exists()
    assert AuditEntry.objects.filter(action="mfa.totp.activate", actor=member).exists()


def test_the_link_resumes_only_with_the_password_chosen_on_it(
        client, users, settings, django_capture_on_commit_callbacks):
    settings.AXES_FAILURE_LIMIT = 3
    invitation, path = _invite(users["admin"], capture=django_capture_on_commit_callbacks)
    assert _choose_password(client, path).status_code == 302

    other = Client()  # another browser (or this one, closed): the link alone is not enough
    again = other.get(path)
    assert "Enter it to go on" in again.content.decode()
    assert "Scan this code" not in again.content.decode()
    assert other.post(path, {"code": "123456"}).status_code == 422  # not the enrolment step
    assert other.post(path, {"password": "wrong one"}).status_code == 422
    assert not Authenticator.objects.filter(user__email=invitation.email).exists()
    assert other.post(path, {"password": NEW_PASSWORD}).status_code == 302
    assert _enrol_app(other, path).status_code == 302

    # Guessing the password on a link is counted and locked like the sign-in page.
    _, path2 = _invite(users["admin"], "second@hospital.example",
                       capture=django_capture_on_commit_callbacks)
    assert _choose_password(Client(), path2).status_code == 302
    guesser = Client()
    statuses = [guesser.post(path2, {"password": f"guess {n}"}).status_code for n in range(4)]
    assert statuses[-1] == 429
    assert guesser.post(path2, {"password": NEW_PASSWORD}).status_code == 429


@pytest.mark.parametrize("spoil", ["unknown", "expired", "revoked", "resent", "garbage"])
def test_a_spoilt_link_gives_nothing(client, users, spoil, django_capture_on_commit_callbacks):
    invitation, path = _invite(users["admin"], capture=django_capture_on_commit_callbacks)
    if spoil == "unknown":
        path = "/join/join_" + "x" * 43 + "/"
    elif spoil == "expired":
        StaffInvitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1))
    elif spoil == "revoked":
        admin = Client()
        admin.force_login(users["admin"])
        session = admin.session
        session["consilium_second_factor"] = authenticator_app(users["admin"]).pk
        session.save()
        assert admin.get(f"/members/invitations/{invitation.pk}/revoke/").status_code == 200
        assert admin.post(f"/members/invitations/{invitation.pk}/revoke/").status_code == 302
    elif spoil == "resent":
        from consilium.accounts.actions import do_resend_invitation
        with django_capture_on_commit_callbacks(execute=True):
            do_resend_invitation(invitation, acting_user=users["admin"])
        assert Client().get(_link_path(mail.outbox[-1])).status_code == 200
    elif spoil == "garbage":
        path = "/join/join_%00%27%22<script>/"
    answer = client.get(path)
    assert answer.status_code == 404
    assert _choose_password(client, path).status_code == 404
    assert not User.objects.filter(email=invitation.email).exists()


def test_someone_signed_in_is_asked_to_sign_out_first(client, users, login,
                                                      django_capture_on_commit_callbacks):
    _, path = _invite(users["admin"], capture=django_capture_on_commit_callbacks)
    patient = login(users["patient"], Client())
    assert patient.get(path).status_code == 409
    assert _choose_password(patient, path).status_code == 409
    assert not User.objects.filter(email="nurse@hospital.example").exists()
    users["patient"].refresh_from_db()
    assert users["patient"].check_password(PASSWORD)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_browsers_racing_enrol_one_second_factor(users):
    """Both chose the password on the link; one enrols while the other's enrolment waits for
    the invitation's row, then finds it spent."""
    from allauth.mfa.totp.internal.auth import generate_totp_secret

    from consilium.accounts.actions import do_accept_staff_invitation, do_start_staff_account

    invitation, _ = do_invite_member("race@hospital.example", "specialist",
                                     acting_user=users["admin"], send=False)
    do_start_staff_account(invitation, {"first_name": "Ra", "password1": NEW_PASSWORD,
                                        "password2": NEW_PASSWORD})
    outcome = race(
        lambda: do_accept_staff_invitation(invitation, totp_secret=generate_totp_secret()),
        lambda: do_accept_staff_invitation(invitation, totp_secret=generate_totp_secret()))
    assert outcome.waited and isinstance(outcome.error, Conflict)
    member = User.objects.get(email="race@hospital.example")
    assert Authenticator.objects.filter(user=member, type="totp").count() == 1


def test_a_staff_password_without_a_second_factor_signs_in_to_nothing(client, users):
    answer = client.post("/login/", {"username": "coordinator", "password": PASSWORD})
    assert answer.status_code == 200
    assert "no second factor yet" in answer.content.decode()
    assert "_auth_user_id" not in client.session
    # A wrong password says only that it did not match.
    wrong = client.post("/login/", {"username": "coordinator", "password": "nope"})
    assert "no second factor" not in wrong.content.decode()
    # With a second factor, the password leads to its step.
    app = authenticator_app(users["coordinator"])
    assert client.post("/login/", {"username": "coordinator", "password": PASSWORD}
                       ).status_code == 302
    assert client.post("/account/two-factor/", {"code": app_code(app)}).status_code == 302
    assert client.get("/queue/").status_code == 200
    # Patients sign in with a password alone.
    assert Client().post("/login/", {"username": "patient", "password": PASSWORD}
                         ).status_code == 302


def test_a_staff_session_without_a_second_factor_cannot_set_one_up(client, users):
    client.force_login(users["specialist"])  # e.g. through the identity provider
    page = client.get("/account/two-factor/")
    assert page.status_code == 403 and "set-up link" in page.content.decode()
    assert client.post("/account/two-factor/", {"code": "123456"}).status_code == 403
    assert client.get("/account/two-factor/passkeys/add/").status_code == 302
    assert not Authenticator.objects.filter(user=users["specialist"]).exists()


def test_a_member_keeps_at_least_one_second_factor(client, users, login):
    login(users["coordinator"])
    app = authenticator_app(users["coordinator"])
    refused = client.post(f"/account/two-factor/devices/{app.pk}/remove/", follow=True)
    assert "add another" in refused.content.decode()
    assert Authenticator.objects.filter(pk=app.pk).exists()
    assert not AuditEntry.objects.filter(action="mfa.totp.deactivate").exists()


def _admin_client(users):
    admin = Client()
    admin.force_login(users["admin"])
    session = admin.session
    session["consilium_second_factor"] = authenticator_app(users["admin"]).pk
    session.save()
    return admin


def test_an_administrator_resets_a_second_factor_after_confirming(
        users, django_capture_on_commit_callbacks):
    member = users["specialist"]
    app = authenticator_app(member)
    their_session = Client()
    their_session.force_login(member)
    admin = _admin_client(users)
    url = f"/members/{member.pk}/reset-second-factor/"
    confirm = admin.get(url)
    assert confirm.status_code == 200 and "signed out everywhere" in confirm.content.decode()
    assert Authenticator.objects.filter(pk=app.pk).exists()  # asking changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(url).status_code == 302
    assert not Authenticator.objects.filter(user=member).exists()
    assert their_session.get("/cases/").status_code == 302  # signed out
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == ["Consilium: set up your sign-in", "Consilium: your sign-in changed"]
    setup = next(m for m in mail.outbox if "set up" in m.subject)
    assert all(m.to == [member.email] for m in mail.outbox)
    # The member sets up again on the link: a new password, a new second factor.
    path = _link_path(setup)
    browser = Client()
    assert "Choose a new password" in browser.get(path).content.decode()
    assert _choose_password(browser, path).status_code == 302
    assert _enrol_app(browser, path).status_code == 302
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD) and member.role == "specialist"
    assert AuditEntry.objects.filter(action="user.join.setup.specialist").exists()
    # Nobody resets their own; a member without one gets a set-up link instead.
    own = admin.post(f"/members/{users['admin'].pk}/reset-second-factor/", follow=True)
    assert "ask another administrator" in own.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(f"/members/{users['coordinator'].pk}/setup-link/")
    assert mail.outbox[-1].to == [users["coordinator"].email]


def test_a_set_up_link_does_not_bring_back_a_switched_off_account(
        users, django_capture_on_commit_callbacks):
    member = users["coordinator"]
    with django_capture_on_commit_callbacks(execute=True):
        _admin_client(users).post(f"/members/{member.pk}/setup-link/")
    path = _link_path(mail.outbox[-1])
    User.objects.filter(pk=member.pk).update(is_active=False)
    browser = Client()
    assert _choose_password(browser, path).status_code == 409
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_the_members_page_is_for_administrators(client, users, login):
    for name in ("coordinator", "specialist", "patient"):
        assert login(users[name], Client()).get("/members/").status_code == 404
        assert login(users[name], Client()).post("/members/", {
            "email": "x@hospital.example", "role": "admin"}).status_code == 404
    assert not StaffInvitation.objects.exists()
    assert client.get("/members/").status_code == 404


def test_the_members_page_refuses_bad_invitations_clearly(users):
    admin = _admin_client(users)
    for data, words in [({"email": "not an address", "role": "coordinator"}, "Enter an email"),
                        ({"email": "coordinator@example.org", "role": "coordinator"},
                         "exists already"),
                        ({"email": "a@hospital.example", "role": "patient"}, "Choose"),
                        ({"email": "a@hospital.example\x00", "role": "admin"}, "Null")]:
        answer = admin.post("/members/", data)
        assert answer.status_code == 422, data
        assert words in answer.content.decode()
    assert not StaffInvitation.objects.exists()
    admin.post("/members/", {"email": "a@hospital.example", "role": "admin"})
    again = admin.post("/members/", {"email": "A@hospital.example", "role": "admin"})
    assert again.status_code == 422 and "pending invitation" in again.content.decode()


def test_the_members_page_makes_the_same_queries_however_many_members(
        users, make_user, django_assert_max_num_queries):
    admin = _admin_client(users)
    admin.get("/members/")
    for n in range(30):
        member = make_user(f"member{n}", "specialist")
        authenticator_app(member)
        do_invite_member(f"new{n}@hospital.example", "coordinator", acting_user=users["admin"],
                         send=False)
    with django_assert_max_num_queries(20):
        page = admin.get("/members/")
    assert page.status_code == 200
    assert page.content.decode().count("Send again") == 30
    assert "Page 1 of 2" in page.content.decode()


def test_the_first_administrator_is_invited_from_the_command_line(capsys, db):
    call_command("invite_member", "Chief@Hospital.example", "--role", "admin",
                 "--first-name", "Ada")
    link = capsys.readouterr().out.strip()
    assert re.fullmatch(r"https?://\S+/join/join_[-\w]+/", link)
    assert mail.outbox == []  # printed, not mailed
    invitation = StaffInvitation.objects.get()
    assert invitation.email == "chief@hospital.example" and invitation.invited_by is None
    entry = AuditEntry.objects.get(action="staff_invitation.invite.admin")
    assert entry.actor is None
    browser = Client()
    path = _path(link)
    assert _choose_password(browser, path).status_code == 302
    assert _enrol_app(browser, path).status_code == 302
    assert browser.get("/members/").status_code == 200
    with pytest.raises(Exception, match="exists already"):
        call_command("invite_member", "chief@hospital.example")


def test_reset_is_refused_when_racing_a_removal(users):
    """The policy is judged on the locked row: a member with nothing left to reset is told."""
    with pytest.raises(Conflict):
        do_reset_second_factor(users["specialist"], acting_user=users["admin"])


def test_join_links_are_not_logged():
    from consilium.logs import redact

    line = '"GET /join/join_AbC-123_xyz/ HTTP/1.1" 404 0'
    assert redact(line) == '"GET /join/…/ HTTP/1.1" 404 0'

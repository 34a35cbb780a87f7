"""A hospital security team's review of staff invitations (review21): each test is a way the
rules of accounts/joining.py were broken, kept so that they stay unbroken."""

import pytest
from django.core import mail
from django.test import Client

from consilium.accounts.actions import (
    do_invite_member,
    do_issue_api_token,
    do_resend_invitation,
    do_reset_second_factor,
    do_send_setup_link,
    record_account_changes,
)
from consilium.accounts.models import ApiToken, User
from consilium.accounts.tests.test_staff_invitations import (  # noqa: F401
    NEW_PASSWORD,
    _choose_password,
    _enrol_app,
    _invite,
    _link_path,
    _path,
    _tasks_now,
)
from consilium.accounts.tests.verification import _fresh_rate_limits  # noqa: F401
from consilium.conftest import authenticator_app
from consilium.errors import InvalidInput


def test_a_resent_link_resumes_only_with_the_password_chosen_on_it(
        users, django_capture_on_commit_callbacks):
    """The browser that chose a password on the first link (a ward computer left open) is
    not remembered for the resent one, whose password someone else chose since."""
    invitation, path = _invite(users["admin"], capture=django_capture_on_commit_callbacks)
    old_browser = Client()
    assert _choose_password(old_browser, path).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        new_path = _path(do_resend_invitation(invitation, acting_user=users["admin"]))
    chosen = "another long phrase 7"
    assert _choose_password(Client(), new_path, password1=chosen, password2=chosen
                            ).status_code == 302
    page = old_browser.get(new_path).content.decode()
    assert "Scan this code" not in page and "Enter it to go on" in page
    assert old_browser.post(new_path, {"password": NEW_PASSWORD}).status_code == 422


def test_a_reset_also_revokes_the_members_api_tokens(users, django_capture_on_commit_callbacks):
    """A reset is for a lost phone or one someone else has: a token made with it ends too,
    like the sessions."""
    member = users["specialist"]
    authenticator_app(member)
    _, raw = do_issue_api_token(member, "script", acting_user=member)
    with django_capture_on_commit_callbacks(execute=True):
        do_reset_second_factor(member, acting_user=users["admin"])
    assert ApiToken.authenticate(raw) is None
    assert not ApiToken.objects.active().filter(user=member).exists()


@pytest.mark.parametrize("variant", [
    "coordinator@example.org\u200b",  # a zero-width space: IDNA maps it to nothing
    "coordinator@ex\u00adample.org",  # a soft hyphen, likewise
    "coordinator@\uff45xample.org",  # a full-width e: IDNA folds it to "e"
    "coordınator@example.org",  # a dotless i, which Django's check lets by (re.IGNORECASE)
])
def test_an_address_that_only_looks_different_is_refused(users, variant):
    """The same mailbox (or a look-alike of a member's address) gets no second account."""
    assert users["coordinator"].email == "coordinator@example.org"
    with pytest.raises(InvalidInput):
        do_invite_member(variant, "coordinator", acting_user=users["admin"], send=False)


def test_a_set_up_link_stops_working_when_the_address_is_changed(
        users, django_capture_on_commit_callbacks):
    """An administrator replaces a member's address (the old one was given to someone else):
    the set-up link mailed to the old address no longer sets up the account."""
    member = users["coordinator"]
    with django_capture_on_commit_callbacks(execute=True):
        do_send_setup_link(member, acting_user=users["admin"])
    path = _link_path(mail.outbox[-1])
    member.email = "c.new@example.org"
    member.save()
    record_account_changes(member, ["email"], acting_user=users["admin"])
    browser = Client()
    assert _choose_password(browser, path).status_code in (404, 409)
    member.refresh_from_db()
    assert not member.check_password(NEW_PASSWORD)
    assert not member.emailaddress_set.filter(email="coordinator@example.org").exists()


def test_an_international_domain_is_kept_as_mail_reaches_it(users):
    invitation, _ = do_invite_member(" Nurse@Exämple.org ", "specialist",
                                     acting_user=users["admin"], send=False)
    assert invitation.email == "nurse@xn--exmple-cua.org"
    for bad in ("nurse@exa..mple.org", "nurse@" + "a" * 64 + ".org", "@example.org", "nurse"):
        with pytest.raises(InvalidInput):
            do_invite_member(bad, "specialist", acting_user=users["admin"], send=False)


def test_a_link_half_used_stops_working_when_the_address_is_changed(
        users, django_capture_on_commit_callbacks):
    from allauth.mfa.models import Authenticator

    invitation, path = _invite(users["admin"], capture=django_capture_on_commit_callbacks)
    browser = Client()
    assert _choose_password(browser, path).status_code == 302
    member = User.objects.get(email=invitation.email)
    member.email = "n.okoro@hospital.example"
    member.save()
    record_account_changes(member, ["email"], acting_user=users["admin"])
    assert _enrol_app(browser, path).status_code == 409
    assert not Authenticator.objects.filter(user=member).exists()


def test_an_expired_link_is_not_brought_back_once_the_member_set_up(
        users, django_capture_on_commit_callbacks):
    """A set-up link that expired stays on the list as pending; once another link set the
    member up, resending the old one would set a new password and add a second factor to an
    account that has one (what a set-up link is refused for: reset first)."""
    from datetime import timedelta

    from django.utils import timezone

    from consilium.accounts.models import StaffInvitation
    from consilium.errors import Conflict

    member = users["coordinator"]
    with django_capture_on_commit_callbacks(execute=True):
        first, _ = do_send_setup_link(member, acting_user=users["admin"])
    StaffInvitation.objects.filter(pk=first.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        do_send_setup_link(member, acting_user=users["admin"])
    path = _link_path(mail.outbox[-1])
    browser = Client()
    assert _choose_password(browser, path).status_code == 302
    assert _enrol_app(browser, path).status_code == 302
    first.refresh_from_db()
    with pytest.raises(Conflict):
        do_resend_invitation(first, acting_user=users["admin"])
    assert not StaffInvitation.objects.filter(user=member, accepted_at__isnull=True,
                                              revoked_at__isnull=True).exists()


def test_the_join_page_sends_no_referer(users, django_capture_on_commit_callbacks):
    """The page's styles, scripts and links (Sign in, the stories) are fetched with a Referer
    that would carry the live token to access logs (a proxy's, a CDN's): only the origin is
    sent (test_browser_staff_join.py posts its forms in Chromium under this policy)."""
    _, path = _invite(users["admin"], capture=django_capture_on_commit_callbacks)
    browser = Client()
    assert browser.get(path)["Referrer-Policy"] == "strict-origin"
    assert _choose_password(browser, path, password2="different").status_code == 422
    assert browser.get("/join/join_unknown/")["Referrer-Policy"] == "strict-origin"


def test_a_patient_made_staff_keeps_no_second_factor_set_up_on_trust(client, users):
    """A patient sets up their first second factor on first use (whoever had the password
    could have). Made a coordinator, that factor must not open the staff role: its first one
    is enrolled on a set-up link."""
    from allauth.mfa.models import Authenticator

    from consilium.accounts.actions import do_change_role
    from consilium.conftest import PASSWORD

    patient = users["patient2"]
    authenticator_app(patient)
    do_change_role(patient, "coordinator", acting_user=users["admin"])
    assert not Authenticator.objects.filter(user=patient).exists()
    answer = client.post("/login/", {"username": "patient2", "password": PASSWORD})
    assert "no second factor yet" in answer.content.decode()

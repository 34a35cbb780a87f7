"""Patients create their own account (django-allauth): email as the login, the address
verified before the account can be used, a stated password policy, the role always patient,
sign-up rate-limited and silent about which addresses are known, every step an audit row."""

import io
import logging
import re

import pytest
from django.core import mail
from django.core.cache import cache

from consilium.accounts.models import Role, User
from consilium.accounts.tests.verification import _fresh_rate_limits, link_in  # noqa: F401
from consilium.audit.models import AuditEntry
from consilium.cases.models import Case
from consilium.conftest import PASSWORD

NEW = "new.patient@example.org"
PASS = "a long, unusual pass 42"
GOOD = {"email": NEW, "password1": PASS, "password2": PASS}


def sign_up(client, data=None, next_url=""):
    url = "/signup/" + (f"?next={next_url}" if next_url else "")
    return client.post(url, {**GOOD, **(data or {})})


def test_home_and_sign_in_pages_lead_to_sign_up(client):
    assert 'href="/signup/"' in client.get("/").content.decode()
    page = client.get("/login/?next=/assess/continue/").content.decode()
    assert 'href="/signup/?next=/assess/continue/"' in page
    signup = client.get("/signup/")
    assert signup.status_code == 200
    body = signup.content.decode()
    assert "Create your account" in body and "At least 10 characters" in body


@pytest.mark.parametrize(("data", "field"), [
    ({"email": ""}, "email"),
    ({"email": "   "}, "email"),
    ({"email": "not-an-address"}, "email"),
    ({"email": "x" * 250 + "@example.org"}, "email"),
    ({"email": "a@example.org\nBcc: b@example.org"}, "email"),
    ({"password1": "", "password2": ""}, "password1"),
    ({"password2": "something else entirely"}, "password2"),
    ({"password1": "short1", "password2": "short1"}, "password1"),
    ({"password1": "password123", "password2": "password123"}, "password1"),
    ({"password1": "83749201937465", "password2": "83749201937465"}, "password1"),
])
def test_sloppy_sign_ups_are_refused_beside_the_field(client, db, data, field):
    response = sign_up(client, data)
    assert response.status_code == 422
    assert not User.objects.filter(email__iexact=NEW).exists()
    assert User.objects.count() == 0
    assert mail.outbox == []
    assert f'id="id_{field}_error"' in response.content.decode()


def test_a_sign_up_is_a_patient_whatever_is_posted(client, db):
    response = sign_up(client, {"role": "admin", "is_staff": "on", "is_superuser": "on",
                                "two_factor_exempt_in_debug": "on", "username": "admin"})
    assert response.status_code == 302
    user = User.objects.get(email=NEW)
    assert user.role == Role.PATIENT
    assert not (user.is_staff or user.is_superuser or user.two_factor_exempt_in_debug)
    assert user.username != "admin"
    assert user.check_password(GOOD["password1"])


def test_sign_up_signs_in_only_once_the_address_is_verified(client, db):
    response = sign_up(client)
    assert response.status_code == 302 and response.url == "/signup/confirm-email/"
    user = User.objects.get(email=NEW)
    # Not signed in: nothing about health can be entered yet.
    assert client.get("/cases/new/").status_code == 302
    assert client.get("/cases/new/").url.startswith("/login/")
    assert "Check your email" in client.get(response.url).content.decode()
    rows = list(AuditEntry.objects.values_list("action", "actor__username", "object_id"))
    assert ("user.sign_up", user.username, str(user.pk)) in rows

    [message] = mail.outbox
    assert message.to == [NEW]
    link = link_in(message)
    assert client.get(link).status_code == 200
    assert "user.email_verified" not in AuditEntry.objects.values_list("action", flat=True)
    confirmed = client.post(link)
    assert confirmed.status_code == 302
    assert client.get("/cases/new/").status_code == 200
    assert AuditEntry.objects.filter(action="user.email_verified", object_id=str(user.pk),
                                     actor=user).count() == 1


def test_an_unverified_account_cannot_sign_in_on_the_sign_in_page(client, db):
    sign_up(client)
    mail.outbox.clear()
    response = client.post("/login/", {"username": NEW, "password": GOOD["password1"]})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "confirm your email address" in response.content.decode()
    # The link goes out again, at most once in allauth's cooldown (3 minutes, counted in the
    # cache): not yet, as it went out a moment ago; after the cooldown, yes.
    assert mail.outbox == []
    cache.clear()
    client.post("/login/", {"username": NEW, "password": GOOD["password1"]})
    assert [m.to for m in mail.outbox] == [[NEW]]
    client.post(link_in(mail.outbox[0]))
    assert client.session["_auth_user_id"] == str(User.objects.get(email=NEW).pk)


def test_a_verified_patient_signs_in_with_their_email(client, db):
    sign_up(client)
    client.post(link_in(mail.outbox[0]))
    client.logout()
    response = client.post("/login/", {"username": NEW.upper(), "password": GOOD["password1"]})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(email=NEW).pk)


def test_a_link_opened_twice_or_made_up_signs_nobody_in(client, db):
    sign_up(client)
    link = link_in(mail.outbox[0])
    client.post(link)
    client.logout()
    again = client.post(link)
    assert "_auth_user_id" not in client.session
    assert again.status_code in (200, 302, 404)
    made_up = client.get("/confirm-email/not-a-real-key/")
    assert "_auth_user_id" not in client.session
    assert "This link has expired or is not valid" in made_up.content.decode()


def test_a_known_address_is_not_revealed(client, users):
    response = sign_up(client, {"email": "Patient@example.org"})
    fresh = sign_up(client, {"email": NEW})
    assert response.status_code == fresh.status_code == 302
    assert response.url == fresh.url
    assert User.objects.filter(email__iexact="patient@example.org").count() == 1
    known, new = mail.outbox
    assert known.to == ["patient@example.org"] and "already has an account" in known.body
    assert "/confirm-email/" not in known.body and "/password_reset/" in known.body
    assert "user.sign_up" not in AuditEntry.objects.filter(
        object_id=str(users["patient"].pk)).values_list("action", flat=True)


def test_sign_up_is_rate_limited(client, db, settings):
    answers = [sign_up(client, {"email": f"p{n}@example.org"}).status_code for n in range(7)]
    assert answers[:5] == [302] * 5
    assert answers[5:] == [429, 429]
    assert User.objects.count() == 5


def test_the_assessment_answers_survive_sign_up_and_verification(client, db):
    answers = {"diagnosis_codes": "C50.912", "proposed_treatment": "surgery",
               "procedure": "mastectomy", "country": "US"}
    start = client.post("/assess/start/", answers)
    assert start.url == "/login/?next=/assess/continue/"
    sign_up(client, next_url="/assess/continue/")
    [message] = mail.outbox
    # The email names no health data.
    for word in ("mastectomy", "C50", "neoplasm", "breast", "surgery"):
        assert word not in message.body.lower() and word not in message.subject.lower()
    done = client.post(link_in(message))
    assert done.url == "/assess/continue/"
    made = client.get(done.url)
    case = Case.objects.get()
    assert made.url == f"/cases/{case.id}/"
    assert case.patient.email == NEW and case.diagnosis_codes == ["C50.912"]


def test_a_password_reset_does_not_pass_over_verification(client, db):
    sign_up(client)
    client.post("/password_reset/", {"email": NEW})
    reset = [m for m in mail.outbox if "/reset/" in m.body][0]
    path = re.search(r"https?://[^/\s]+(/reset/\S+/)", reset.body).group(1)
    form = client.get(path, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": "another long pass 77",
                                             "new_password2": "another long pass 77"})
    response = client.post("/login/", {"username": NEW, "password": "another long pass 77"})
    assert "_auth_user_id" not in client.session
    assert "confirm your email address" in response.content.decode()


def test_the_existing_accounts_still_sign_in_by_username(client, users):
    response = client.post("/login/", {"username": "patient", "password": PASSWORD})
    assert response.status_code == 302


def test_a_verification_link_is_logged_without_its_key(client, db):
    """Django logs each 4xx with its path; a link's key must not reach the log."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    log = io.StringIO()
    previous = handler.setStream(log)
    try:
        client.get("/confirm-email/MQ:1vQkVf:not-a-real-signature/")
        client.get("/confirm-email/MQ:1vQkVf:not-a-real-signature/", headers={"HX-Request": "x"})
        from consilium.logs import redact
        assert redact("Not Found: /confirm-email/MQ:1vQ:sig/") == "Not Found: /confirm-email/…/"
    finally:
        handler.setStream(previous)
    assert "not-a-real-signature" not in log.getvalue()


def test_the_sign_up_pages_are_not_cached(client, db):
    """They echo the address typed and the one being verified."""
    sign_up(client, {"password2": "different"})
    for path in ("/signup/", "/signup/confirm-email/", "/confirm-email/not-a-real-key/"):
        assert "no-store" in client.get(path).get("Cache-Control", ""), path


def test_only_the_unverified_sign_up_address_holds_an_account(client, users):
    """Invited and administrator-made accounts have no address rows; a pending change to a
    new address (a row for another address) does not hold the account either."""
    from allauth.account.models import EmailAddress

    patient = users["patient"]
    EmailAddress.objects.create(user=patient, email="new.address@example.org", verified=False)
    response = client.post("/login/", {"username": "patient@example.org", "password": PASSWORD})
    assert response.status_code == 302


def test_the_answers_survive_a_link_opened_within_the_hour(client, db):
    """Finding the email can take a while (a spam folder): allauth's sign-in waiting for the
    link lasts the patients' idle time (60 minutes), not its default 15."""
    import time_machine
    from django.utils import timezone

    client.post("/assess/start/", {"diagnosis_codes": "C50.912", "proposed_treatment": "surgery",
                                   "country": "US"})
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_up(client, next_url="/assess/continue/")
        clock.shift(50 * 60)
        done = client.post(link_in(mail.outbox[0]))
    assert done.url == "/assess/continue/"
    assert client.session["_auth_user_id"] == str(User.objects.get(email=NEW).pk)

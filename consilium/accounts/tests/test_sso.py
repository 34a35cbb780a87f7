"""Staff single sign-on (accounts/sso.py) against a real OpenID Connect provider: the test
provider (consilium/tests/oidc_provider) in a second process, Consilium on the live server,
and a client that follows both sites' redirects as a browser does (``requests``)."""

import html
import logging
import re
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from axes.models import AccessLog
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from consilium.accounts.actions import do_unlink_identity_provider
from consilium.accounts.models import User
from consilium.accounts.sso import NOT_COMPLETED, NOT_LINKED
from consilium.audit.models import AuditEntry
from consilium.conftest import app_code, authenticator_app
from consilium.tests.oidc_provider.fixture import PASSWORD, oidc_provider  # noqa: F401
from consilium.tests.test_settings import manage

NAME = "St Mary's account"
LINK, SIGN_IN = "user.identity_provider.link", "user.sign_in.identity_provider"


@pytest.fixture
def sso(oidc_provider, settings, live_server):  # noqa: F811
    """Consilium configured for the test provider, with nobody known there yet."""
    settings.SOCIALACCOUNT_PROVIDERS = oidc_provider.consilium_settings(NAME)
    settings.OIDC_NAME = NAME
    # requests returns a Secure cookie over https only; the live server speaks http.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    (oidc_provider.folder / "people.json").unlink(missing_ok=True)
    return oidc_provider


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


class Visitor:
    """One browser: its cookies for both sites, following their redirects."""

    def __init__(self, base: str):
        self.base = base
        self.session = requests.Session()

    def start(self, next_path: str = "") -> requests.Response:
        """Press "Sign in with …" on /login/: lands on the provider's sign-in form."""
        page = self.session.get(self.base + "/login/")
        assert f"Sign in with {NAME}" in html.unescape(page.text)
        return self.session.post(self.base + "/login/sso/hospital/",
                                 data={"csrfmiddlewaretoken": csrf_token(page.text),
                                       "next": next_path})

    def at_provider(self, form: requests.Response, username: str, **kwargs):
        assert "Test hospital sign-in" in form.text, form.text[:500]
        return self.session.post(form.url, data={
            "csrfmiddlewaretoken": csrf_token(form.text), "username": username,
            "password": PASSWORD}, **kwargs)

    def sign_in(self, username: str, next_path: str = "") -> requests.Response:
        """The whole round trip: Consilium, the provider's form, back to Consilium."""
        return self.at_provider(self.start(next_path), username)

    def until_callback(self, username: str) -> str:
        """The provider's redirect back to Consilium (with its code and state), not followed."""
        answer = self.at_provider(self.start(), username, allow_redirects=False)
        location = urljoin(answer.url, answer.headers["Location"])
        while not location.startswith(self.base):
            answer = self.session.get(location, allow_redirects=False)
            location = urljoin(answer.url, answer.headers["Location"])
        return location

    def path(self, response: requests.Response) -> str:
        return response.url.removeprefix(self.base)


def rows(action: str):
    return list(AuditEntry.objects.filter(action=action).values_list("actor__username",
                                                                      "object_type"))


def signed_in(visitor: Visitor) -> bool:
    answer = visitor.session.get(visitor.base + "/account/", allow_redirects=False)
    return not (answer.status_code == 302 and answer.headers["Location"].startswith("/login/"))


def test_a_coordinator_is_linked_by_verified_address_then_found_by_subject(sso, live_server,
                                                                          users):
    coordinator = users["coordinator"]
    app = authenticator_app(coordinator)
    sub = sso.person("cjones", email="Coordinator@Example.ORG")  # any case
    visitor = Visitor(live_server.url)

    answer = visitor.sign_in("cjones")
    # Signed in, and asked for Consilium's own second factor first (the default).
    assert visitor.path(answer).startswith(reverse("two_factor"))
    assert "Two-factor sign-in" in answer.text
    link = SocialAccount.objects.get()
    assert (link.user, link.provider, link.uid) == (coordinator, "hospital", sub)
    assert rows(LINK) == [("coordinator", "socialaccount")]
    assert rows(SIGN_IN) == [("coordinator", "socialaccount")]
    assert AccessLog.objects.filter(username="coordinator").count() == 1  # as a password's
    [notice] = mail.outbox
    assert notice.to == ["coordinator@example.org"]
    assert "sign-in method was linked" in notice.subject and NAME in notice.body
    assert not EmailAddress.objects.exists() and User.objects.count() == len(users)

    # The second factor passes with the app's code, as after a password.
    code_page = visitor.session.get(answer.url)
    done = visitor.session.post(answer.url, data={
        "csrfmiddlewaretoken": csrf_token(code_page.text), "code": app_code(app)})
    assert visitor.path(done) == reverse("work_queue")

    # Later, in another browser, the subject finds the account whatever the address says.
    sso.person("cjones", email="c.jones@new-hospital-domain.example")
    again = Visitor(live_server.url)
    assert again.path(again.sign_in("cjones")).startswith(reverse("two_factor"))
    assert SocialAccount.objects.count() == 1
    assert len(rows(SIGN_IN)) == 2 and len(rows(LINK)) == 1
    assert len(mail.outbox) == 1  # the link is mailed once


def test_a_trusted_provider_second_factor_stands_in_for_consiliums(sso, live_server, users,
                                                                  settings):
    authenticator_app(users["coordinator"])
    sso.person("cjones", email="coordinator@example.org", amr=["pwd", "mfa"])
    # Not trusted (the default): Consilium's own second factor, whatever amr says.
    visitor = Visitor(live_server.url)
    assert visitor.path(visitor.sign_in("cjones")).startswith(reverse("two_factor"))

    settings.OIDC_TRUSTS_MFA = True
    trusted = Visitor(live_server.url)
    assert trusted.path(trusted.sign_in("cjones")) == reverse("work_queue")
    # The link removed (an administrator), the session no longer counts as past it.
    do_unlink_identity_provider(SocialAccount.objects.get(), acting_user=users["admin"])
    assert rows("user.identity_provider.unlink") == [("admin", "socialaccount")]
    page = trusted.session.get(live_server.url + reverse("work_queue"))
    assert trusted.path(page).startswith(reverse("two_factor"))

    # A password alone at the provider is not a second factor, trusted or not.
    sso.person("cjones", email="coordinator@example.org", amr=["pwd"])
    password_only = Visitor(live_server.url)
    assert password_only.path(password_only.sign_in("cjones")).startswith(
        reverse("two_factor"))


def _close(user):
    User.objects.filter(pk=user.pk).update(closed_at=timezone.now())


def _deactivate(user):
    User.objects.filter(pk=user.pk).update(is_active=False)


@pytest.mark.parametrize("who, claims, change", [
    ("nobody", {"email": "stranger@example.org"}, None),
    ("unverified", {"email": "coordinator@example.org", "email_verified": False}, None),
    ("patient", {"email": "patient@example.org"}, None),
    ("inactive", {"email": "coordinator@example.org"}, _deactivate),
    ("closed", {"email": "specialist@example.org"}, _close),
])
def test_a_sign_in_that_reaches_no_staff_account_is_refused_and_keeps_nothing(
        sso, live_server, users, who, claims, change):
    target = {"inactive": "coordinator", "closed": "specialist"}.get(who)
    if change:
        change(users[target])
    sso.person(who, **claims)
    before = (User.objects.count(), EmailAddress.objects.count(), AuditEntry.objects.count())
    visitor = Visitor(live_server.url)

    answer = visitor.sign_in(who)
    assert visitor.path(answer) == "/login/"
    assert NOT_LINKED in html.unescape(answer.text)
    assert not signed_in(visitor)
    assert not SocialAccount.objects.exists()
    assert (User.objects.count(), EmailAddress.objects.count(),
            AuditEntry.objects.count()) == before
    assert mail.outbox == []


def test_a_linked_account_that_is_no_longer_staff_is_refused(sso, live_server, users):
    sso.person("cjones", email="coordinator@example.org")
    Visitor(live_server.url).sign_in("cjones")
    User.objects.filter(pk=users["coordinator"].pk).update(role="patient")
    visitor = Visitor(live_server.url)
    assert visitor.path(visitor.sign_in("cjones")) == "/login/"
    assert not signed_in(visitor)
    assert len(rows(SIGN_IN)) == 1


def test_an_account_linked_to_another_subject_is_not_linked_again(sso, live_server, users):
    """The hospital gave the address to someone else: the new person's subject does not take
    over the account linked to the old one."""
    sso.person("cjones", email="coordinator@example.org")
    Visitor(live_server.url).sign_in("cjones")
    sso.person("newcomer", email="coordinator@example.org")
    visitor = Visitor(live_server.url)
    assert visitor.path(visitor.sign_in("newcomer")) == "/login/"
    assert not signed_in(visitor)
    assert SocialAccount.objects.get().uid == "sub-cjones"


def test_an_error_from_the_provider_or_a_wrong_state_is_refused(sso, live_server, users,
                                                               caplog):
    caplog.set_level(logging.DEBUG)
    sso.person("declines", email="coordinator@example.org", deny=True)
    visitor = Visitor(live_server.url)
    answer = visitor.sign_in("declines")
    assert visitor.path(answer) == "/login/"
    assert NOT_COMPLETED.format(name=NAME) in html.unescape(answer.text)

    sso.person("cjones", email="coordinator@example.org")
    other = Visitor(live_server.url)
    callback = other.until_callback("cjones")
    query = parse_qs(urlsplit(callback).query)
    code, state = query["code"][0], query["state"][0]
    tampered = callback.split("?")[0] + "?" + urlencode({"code": code, "state": "X" * 20})
    answer = other.session.get(tampered)
    assert other.path(answer) == "/login/" and not signed_in(other)
    assert not SocialAccount.objects.exists()

    # The real answer still works once (the state was not used up by the wrong one) ...
    assert other.path(other.session.get(callback)).startswith(reverse("two_factor"))
    # ... and neither the code, the state nor the client secret reached Consilium's logs (the
    # test's own HTTP client, urllib3, logs its requests: not Consilium's).
    logged = "\n".join(record.getMessage() for record in caplog.records
                       if not record.name.startswith("urllib3"))
    assert code not in logged and state not in logged and sso.client_secret not in logged


def test_the_button_and_the_sign_in_addresses_only_when_configured(client, settings, db):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    assert "Sign in with" not in client.get("/login/").content.decode()
    assert client.post("/login/sso/hospital/").status_code == 404
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [{
        "provider_id": "hospital", "name": NAME, "client_id": "x", "secret": "y",
        "settings": {"server_url": "https://id.example.org"}}]}}
    settings.OIDC_NAME = NAME
    page = client.get("/login/").content.decode()
    assert "Sign in with St Mary&#x27;s account" in page
    assert 'action="/login/sso/hospital/"' in page
    assert client.get("/login/sso/other/").status_code == 404


OIDC_ENV = {"CONSILIUM_OIDC_SERVER_URL": "https://login.example-hospital.org/realms/staff",
            "CONSILIUM_OIDC_CLIENT_ID": "consilium", "CONSILIUM_OIDC_NAME": NAME}


def test_check_deploy_stays_clean_with_an_identity_provider(tmp_path):
    secret, client_secret = tmp_path / "secret", tmp_path / "oidc_secret"
    secret.write_text("x" * 20 + "a-long-random-production-secret-key-0123456789")
    client_secret.write_text("the-client-secret")
    result = manage("check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path, env={
        **OIDC_ENV, "CONSILIUM_OIDC_CLIENT_SECRET_FILE": str(client_secret),
        "CONSILIUM_SECRET_KEY_FILE": str(secret), "CONSILIUM_ALLOWED_HOSTS": "opinions.example",
        "CONSILIUM_AUDIT_ANCHOR": str(tmp_path.parent / f"{tmp_path.name}-audit-anchor.log"),
    })
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert "the-client-secret" not in result.stdout + result.stderr


@pytest.mark.parametrize("env, says", [
    ({**OIDC_ENV, "CONSILIUM_OIDC_SERVER_URL": "http://login.example-hospital.org"},
     "must be an https:// address"),
    (OIDC_ENV, "CONSILIUM_OIDC_CLIENT_SECRET"),
])
def test_a_plain_http_issuer_or_a_missing_secret_is_refused_in_production(tmp_path, env, says):
    result = manage("check", tmp_path=tmp_path, env={**env, "CONSILIUM_OIDC_CLIENT_SECRET":
                                                     "s" if "http:" in str(env) else ""})
    assert result.returncode != 0 and says in result.stderr


def test_the_providers_code_and_state_are_not_logged():
    from consilium.logs import redact

    line = '"GET /login/sso/hospital/callback/?code=s3cr3tcode&state=AbCdEf HTTP/1.1" 302 0'
    assert redact(line) == '"GET /login/sso/hospital/callback/?code=…&state=… HTTP/1.1" 302 0'

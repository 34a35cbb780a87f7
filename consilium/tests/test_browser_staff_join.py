"""In Chromium with its virtual authenticator (CDP WebAuthn): an administrator invites a
coordinator on the members page; the coordinator opens the emailed link, chooses a password,
enrols a passkey, sees the recovery codes once, adds an authenticator app, then signs in with
the passkey, with the app's code and with a recovery code; the last second factor cannot be
removed. axe-core checks each of Consilium's pages (Visitor.check)."""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from playwright.sync_api import expect

from consilium.accounts.models import User
from consilium.audit.models import AuditEntry

from .test_browser_journey import Visitor, browser  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser
EMAIL = "nia.okoro@hospital.example"
PASSWORD = "tulip harbour lantern 42"


def _code(secret: str, offset: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def _sign_in(visitor):
    visitor.context.clear_cookies()
    visitor.go("/login/")
    visitor.page.fill("#id_username", EMAIL)
    visitor.page.fill("#id_password", PASSWORD)
    visitor.click("Sign in")
    expect(visitor.page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()


def _invite(browser, live_server, users):  # noqa: F811
    admin = Visitor(browser, live_server.url, set())
    admin.sign_in("admin")
    admin.pass_two_factor(users["admin"])
    admin.click("Members", role="link")
    expect(admin.page.get_by_role("heading", name="Members", level=1)).to_be_visible()
    admin.check()
    admin.page.get_by_label("Their work email address").fill(EMAIL)
    admin.page.get_by_label("Role").select_option("coordinator")
    admin.page.get_by_label("Given name (optional)").fill("Nia")
    admin.click("Send the invitation")
    expect(admin.page.get_by_text(f"The invitation is on its way to {EMAIL}")).to_be_visible()
    expect(admin.page.get_by_role("cell", name=EMAIL, exact=True)).to_be_visible()
    [message] = mail.outbox
    return re.search(r"https?://[^/\s]+(/join/[^\s/]+/)", message.body).group(1)


def test_a_coordinator_joins_with_a_passkey_and_an_app(browser, live_server, users,  # noqa: F811
                                                       settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    link = _invite(browser, live_server, users)

    coordinator = Visitor(browser, live_server.url, set())
    page = coordinator.page
    cdp = coordinator.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True,
        "automaticPresenceSimulation": True}})

    referers: list[str] = []
    page.on("request", lambda request: referers.append(request.headers.get("referer", "")))
    coordinator.go(link)
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()
    expect(page.get_by_label("Given name")).to_have_value("Nia")
    page.get_by_label("Family name").fill("Okoro")
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD + "x")
    coordinator.click("Continue")
    expect(page.get_by_text("The two passwords are not the same")).to_be_visible()
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    coordinator.click("Continue")
    expect(page.get_by_role("heading", name="The second step of your sign-in")).to_be_visible()
    coordinator.check()
    # What the page loads and posts never carries the link's token in its Referer.
    assert referers and not any("/join/" in referer for referer in referers)
    page.get_by_label("A name for this passkey").fill("work laptop")
    page.get_by_role("button", name="Add passkey").click()
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    coordinator.check()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name="Work queue")).to_be_visible()
    member = User.objects.get(email=EMAIL)
    assert member.role == "coordinator" and member.get_full_name() == "Nia Okoro"

    # The link is spent.
    other = Visitor(browser, live_server.url, set())
    other.go(link)
    expect(other.page.get_by_role("heading", name="This link no longer works")).to_be_visible()
    other.check()

    # An authenticator app as well, from the account's second factors.
    coordinator.go("/account/two-factor/devices/")
    coordinator.check()
    coordinator.click("Set up an authenticator app", role="link")
    secret = page.locator("figcaption code").inner_text()
    page.get_by_label("Six-digit code from your authenticator app").fill(_code(secret))
    coordinator.click("Confirm")
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()

    # Signing in with each.
    _sign_in(coordinator)
    coordinator.check()
    page.get_by_role("button", name="Use your passkey").click()
    expect(page.get_by_role("heading", name="Work queue")).to_be_visible()
    _sign_in(coordinator)
    page.get_by_label("Six-digit code from your authenticator app").fill(_code(secret, 1))
    coordinator.click("Confirm")
    expect(page.get_by_role("heading", name="Work queue")).to_be_visible()
    _sign_in(coordinator)
    page.get_by_text("Use a recovery code").click()
    page.get_by_label("A recovery code").fill(codes[0])
    page.get_by_role("button", name="Use this recovery code").click()
    expect(page.get_by_role("heading", name="Work queue")).to_be_visible()

    # The passkey may go while the app stays; the last one stays.
    coordinator.go("/account/two-factor/devices/")
    page.get_by_role("button", name="Remove work laptop").click()
    expect(page.get_by_text("Removed.")).to_be_visible()
    page.get_by_role("button", name="Remove", exact=True).click()
    expect(page.get_by_text("This is your only second factor")).to_be_visible()
    coordinator.check()
    assert Authenticator.objects.filter(user=member, type="totp").exists()
    assert list(AuditEntry.objects.filter(actor=member, action__startswith="mfa.")
                .order_by("id").values_list("action", flat=True)) == [
        "mfa.webauthn.add", "mfa.recovery_codes.generate", "mfa.totp.activate",
        "mfa.recovery_codes.use", "mfa.webauthn.remove"]

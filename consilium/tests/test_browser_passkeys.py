"""In Chromium with its virtual authenticator (CDP WebAuthn): a coordinator with no second
factor is sent to set one up, adds a passkey, sees the recovery codes once, signs in again
with the passkey and with a recovery code, and removing the passkey sends them back to
setting one up. axe-core checks each page (Visitor.check)."""

import re

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from consilium.audit.models import AuditEntry

from .test_browser_journey import Visitor, browser  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser


def _again(visitor):
    visitor.context.clear_cookies()
    visitor.sign_in("coordinator")
    expect(visitor.page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()


def test_a_coordinator_adds_a_passkey_and_signs_in_with_it(browser, live_server,  # noqa: F811
                                                           users):
    coordinator = Visitor(browser, live_server.url, set())
    page = coordinator.page
    cdp = coordinator.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True,
        "automaticPresenceSimulation": True}})

    coordinator.sign_in("coordinator")
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    coordinator.go("/queue/")  # nothing else before a second factor
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    coordinator.click("Use a passkey instead", role="link")
    expect(page.get_by_role("heading", name="Add a passkey")).to_be_visible()
    page.get_by_label("A name for this passkey").fill("work laptop")
    page.get_by_role("button", name="Add passkey").click()
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    coordinator.check()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    passkey = Authenticator.objects.get(user=users["coordinator"], type="webauthn")
    assert str(passkey) == "work laptop"
    page.get_by_role("link", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/queue/$"))

    _again(coordinator)
    page.get_by_role("button", name="Use your passkey").click()
    expect(page).to_have_url(re.compile(r"/queue/$"))
    coordinator.check()

    _again(coordinator)
    page.get_by_text("Use a recovery code").click()
    page.get_by_label("A recovery code").fill(codes[0])
    page.get_by_role("button", name="Use this recovery code").click()
    expect(page).to_have_url(re.compile(r"/queue/$"))

    coordinator.go("/account/two-factor/devices/")
    expect(page.get_by_role("cell", name="work laptop", exact=True)).to_be_visible()
    page.get_by_role("button", name="Remove work laptop").click()
    expect(page.get_by_text("Scan this code")).to_be_visible()
    coordinator.check()
    assert not Authenticator.objects.filter(user=users["coordinator"]).exists()
    assert list(AuditEntry.objects.filter(action__startswith="mfa.").order_by("id")
                .values_list("action", flat=True)) == [
        "mfa.webauthn.add", "mfa.recovery_codes.generate", "mfa.recovery_codes.use",
        "mfa.webauthn.remove", "mfa.recovery_codes.remove"]

"""In Chromium: a coordinator presses "Sign in with St Mary's account" on /login/, signs in on
the hospital's page (the test identity provider, a real OpenID Connect provider in a second
process), comes back signed in, and passes Consilium's own second factor. axe-core checks
Consilium's pages on the way (Visitor.check), the sign-in page with its button included."""

import pytest
from playwright.sync_api import expect

from consilium.accounts.sso import NOT_LINKED
from consilium.conftest import authenticator_app
from consilium.tests.oidc_provider.fixture import PASSWORD, oidc_provider  # noqa: F401

from .test_browser_journey import Visitor, browser  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser
NAME = "St Mary's account"


@pytest.fixture
def sso(oidc_provider, settings):  # noqa: F811
    settings.SOCIALACCOUNT_PROVIDERS = oidc_provider.consilium_settings(NAME)
    settings.OIDC_NAME = NAME
    (oidc_provider.folder / "people.json").unlink(missing_ok=True)
    return oidc_provider


def at_the_hospital(page, username):
    """The provider's own sign-in form (not Consilium's page: axe does not check it)."""
    expect(page.get_by_role("heading", name="Test hospital sign-in")).to_be_visible()
    page.get_by_label("Hospital username").fill(username)
    page.get_by_label("Hospital password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in at the hospital").click()


def test_a_coordinator_signs_in_with_the_hospital_account(browser, live_server, users,  # noqa: F811
                                                         sso):
    sso.person("cjones", email="coordinator@example.org")
    authenticator_app(users["coordinator"])  # set up on their invitation
    visitor = Visitor(browser, live_server.url, set())
    page = visitor.page
    visitor.go("/login/")  # axe: the sign-in page with the button
    page.get_by_role("button", name=f"Sign in with {NAME}").click()
    at_the_hospital(page, "cjones")
    visitor.check()
    # Back in Consilium, signed in: the program's own second factor comes first.
    visitor.pass_two_factor(users["coordinator"])
    expect(page.get_by_role("heading", name="Work queue")).to_be_visible()

    # A hospital account that matches no staff account is told so, on the sign-in page.
    sso.person("stranger", email="stranger@example.org")
    other = Visitor(browser, live_server.url, set())
    other.go("/login/")
    other.page.get_by_role("button", name=f"Sign in with {NAME}").click()
    at_the_hospital(other.page, "stranger")
    other.check()
    expect(other.page.get_by_text(NOT_LINKED)).to_be_visible()
    expect(other.page.get_by_role("heading", name="Sign in")).to_be_visible()

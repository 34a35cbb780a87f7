
import pytest
from django.test import Client

from consilium.conftest import app_code, authenticator_app

PASSWORD = "correct horse battery"


def _sign_in(client, username, password=PASSWORD):
    return client.post("/login/", {"username": username, "password": password})


def _code(device, offset=0):
    return app_code(device, offset=offset)


def _secret(page) -> str:
    return page.split("Key: <code>")[1].split("</code>")[0]


def test_a_patient_signs_in_with_a_password(client, users):
    response = _sign_in(client, "patient")
    assert response.status_code == 302
    assert client.get("/").url == "/cases/"


def test_staff_sign_in_with_a_password_and_their_code(client, users):
    """Their second factor was set up on their invitation (test_staff_invitations.py)."""
    device = authenticator_app(users["coordinator"])
    _sign_in(client, "coordinator")
    blocked = client.get("/queue/")
    assert blocked.status_code == 302 and blocked.url.startswith("/account/two-factor/")
    ask = client.get(blocked.url)
    assert "Scan this code" not in ask.content.decode()
    wrong = client.post(blocked.url, {"code": "000000" if _code(device) != "000000" else "1"})
    assert wrong.status_code == 422
    done = client.post(blocked.url, {"code": _code(device)})
    assert done.status_code == 302 and done.url == "/queue/"
    assert client.get("/queue/").status_code == 200

    # Next sign-in: a code already used is refused; the next step's code is within the
    # allowed drift.
    client.logout()
    _sign_in(client, "coordinator")
    assert client.post("/account/two-factor/", {"code": _code(device)}).status_code == 422
    device.refresh_from_db()
    assert client.post("/account/two-factor/", {"code": _code(device, 1)}).status_code == 302


@pytest.mark.parametrize("role", ["coordinator", "specialist", "admin"])
def test_demo_exemption_counts_only_in_debug(make_user, settings, role):
    user = make_user(f"demo-{role}", role, two_factor_exempt_in_debug=True)
    settings.DEBUG = False
    assert user.needs_two_factor
    settings.DEBUG = True
    assert not user.needs_two_factor


def test_the_two_factor_step_refuses_to_redirect_off_site(client, login, users):
    client.force_login(users["specialist"])
    device = authenticator_app(users["specialist"])
    response = client.post("/account/two-factor/?next=https://evil.example/",
                           {"code": _code(device)})
    assert response.url == "/"


def test_repeated_failures_lock_the_account(client, users, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "patient", "wrong password")
    locked = _sign_in(client, "patient")
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    assert not client.get("/cases/").wsgi_request.user.is_authenticated


def test_passwords_are_hashed_with_argon2():
    # Read the settings module itself: the test fixtures swap in a fast hasher.
    from consilium import settings as configured

    assert configured.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_api_tokens_are_created_shown_once_and_revoked(client, login, users):
    login(users["patient"])
    response = client.post("/account/", {"name": "my app"})
    raw = response.context["new_token"]
    assert raw.startswith("csl_") and raw in response.content.decode()
    page = client.get("/account/").content.decode()
    assert raw not in page and "my app" in page
    # A separate client, so only the token (not the session) authenticates.
    program = Client()
    assert program.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    token = users["patient"].api_tokens.get()
    client.post(f"/account/tokens/{token.id}/revoke/")
    assert program.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_only_the_token_hash_is_stored(users, token_for):
    raw = token_for(users["patient"])
    stored = users["patient"].api_tokens.get()
    assert raw not in (stored.key_hash, stored.hint) and len(stored.key_hash) == 64

"""Sessions and tokens: health data is never cached, sessions end when idle (and at the latest
after SESSION_HOURS), API tokens expire and end when the password changes, cookies are
Secure, HttpOnly and SameSite=Lax."""

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client

from consilium.accounts.models import ApiToken
from consilium.conftest import PASSWORD
from consilium.records.actions import Upload, do_add_records
from consilium.records.models import ImagingSeries
from consilium.records.tests.identities import confirm_held

NOTE = b"Pathology: invasive ductal carcinoma, grade 2."
CT = (Path(__file__).resolve().parents[4] / "shared" / "data" / "dicom-samples"
      / "cornerstonejs-dicomParser" / "CT1_UNC.explicit_little_endian.dcm")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NEW_PASSWORD = "a brand new passphrase"


def _no_store(response):
    return "no-store" in response.get("Cache-Control", "")


def _bearer(raw):
    return {"Authorization": f"Bearer {raw}"}


# Cache-Control: no-store on health data.

def test_health_data_is_never_kept_in_a_cache(client, login, users, journey, token_for):
    case, _ = journey("submitted")
    (note,) = do_add_records(case, [Upload("pathology.txt", io.BytesIO(NOTE), len(NOTE))],
                             acting_user=users["patient"])
    do_add_records(case, [Upload(CT.name, CT.open("rb"), CT.stat().st_size)],
                   acting_user=users["patient"])
    series = ImagingSeries.objects.get(case=case)
    confirm_held(case, users["patient"])  # the sample names its own fake patient
    login(users["patient"])
    pages = [f"/cases/{case.id}/", "/cases/", f"/cases/{case.id}/records/",
             f"/cases/{case.id}/records/{note.record.id}/", "/account/",
             f"/cases/{case.id}/imaging/{series.pk}/images/0.png",
             f"/cases/{case.id}/imaging/deidentified.zip", "/stories/"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert _no_store(response), path
    # The imaging viewer's pictures too, over the private caching they once asked for.
    picture = client.get(f"/cases/{case.id}/imaging/{series.pk}/images/0.png")
    assert "max-age=3600" not in picture["Cache-Control"]
    program = Client()
    raw = token_for(users["patient"])
    for path in ("/api/v1/cases", f"/api/v1/cases/{case.id}/records/{note.record.id}/content"):
        response = program.get(path, headers=_bearer(raw))
        assert response.status_code == 200 and _no_store(response), path
    # An answer to someone not signed in on a health-data path: a shared report's link.
    assert _no_store(Client().get("/reports/not-a-real-link/"))
    assert _no_store(Client().get("/api/v1/cases"))


def test_public_pages_keep_their_caching(client, db):
    for path in ("/", "/stories/"):
        response = client.get(path)
        assert response.status_code == 200 and not _no_store(response), path


def test_what_a_visitor_typed_about_their_health_is_never_cached(db):
    visitor = Client()
    assessed = visitor.post("/assess/", {
        "diagnosis_text": "breast cancer", "diagnosis_codes": "C50.912",
        "proposed_treatment": "surgery", "country": "US"})
    assert assessed.status_code == 200 and "breast cancer" in assessed.content.decode()
    assert _no_store(assessed) and _no_store(visitor.get("/assess/"))
    suggested = visitor.post("/terminology/icd10/suggestions/", {"q": "breast", "target": "x"})
    assert suggested.status_code == 200 and _no_store(suggested)


# Idle sessions.

def test_a_coordinator_is_signed_out_after_30_idle_minutes(client, login, users):
    with time_machine.travel(START, tick=False) as clock:
        login(users["coordinator"])
        assert client.get("/queue/").status_code == 200
        clock.shift(timedelta(minutes=29))
        assert client.get("/queue/").status_code == 200  # activity: 29 minutes more from here
        clock.shift(timedelta(minutes=29))
        assert client.get("/queue/").status_code == 200
        clock.shift(timedelta(minutes=31))
        response = client.get("/queue/")
        assert response.status_code == 302 and response.url == "/login/?next=%2Fqueue%2F"
        page = client.get(response.url).content.decode()
        assert "You were signed out after 30 minutes without activity." in page
        assert client.get("/queue/").url.startswith("/login/")
        assert "_auth_user_id" not in client.session


def test_the_api_answers_401_to_an_idle_session(client, login, users):
    with time_machine.travel(START, tick=False) as clock:
        login(users["specialist"])
        assert client.get("/api/v1/me").status_code == 200
        clock.shift(timedelta(minutes=31))
        response = client.get("/api/v1/me")
        assert response.status_code == 401
        assert response.json() == {"detail": "Sign in or send a valid API token."}


def test_a_patient_has_60_minutes(client, login, users):
    with time_machine.travel(START, tick=False) as clock:
        login(users["patient"])
        clock.shift(timedelta(minutes=45))
        assert client.get("/cases/").status_code == 200
        clock.shift(timedelta(minutes=61))
        response = client.get("/cases/")
        assert response.status_code == 302 and response.url.startswith("/login/")
        assert "after 60 minutes" in client.get(response.url).content.decode()


def test_the_idle_time_is_a_setting(client, login, users, settings):
    settings.SESSION_IDLE_MINUTES = 5
    with time_machine.travel(START, tick=False) as clock:
        login(users["coordinator"])
        clock.shift(timedelta(minutes=6))
        assert client.get("/queue/").status_code == 302


def test_htmx_is_sent_to_the_login_page_as_a_whole(client, login, users):
    with time_machine.travel(START, tick=False) as clock:
        login(users["coordinator"])
        clock.shift(timedelta(minutes=31))
        response = client.get("/specialists/", headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert response["HX-Redirect"] == "/login/?next=%2Fspecialists%2F"


def test_the_session_is_written_at_most_once_a_minute(client, login, users):
    with time_machine.travel(START, tick=False) as clock:
        login(users["patient"])
        client.get("/cases/")
        key = client.session.session_key
        stored = Session.objects.get(session_key=key).expire_date
        clock.shift(timedelta(seconds=30))
        client.get("/cases/")
        assert Session.objects.get(session_key=key).expire_date == stored
        clock.shift(timedelta(seconds=31))
        client.get("/cases/")
        assert Session.objects.get(session_key=key).expire_date > stored


def test_a_busy_session_still_ends_12_hours_after_signing_in(client, login, users):
    with time_machine.travel(START, tick=False) as clock:
        login(users["patient"])
        for _ in range(12 * 3):
            clock.shift(timedelta(minutes=20))
            assert client.get("/cases/").status_code == 200
        clock.shift(timedelta(minutes=20))
        response = client.get("/cases/")
        assert response.status_code == 302
        assert "12 hours after signing in" in client.get(response.url).content.decode()


# API tokens: expiry and password changes.

def test_a_token_stops_working_on_the_day_it_ends(client, login, users):
    with time_machine.travel(START, tick=False) as clock:
        login(users["patient"])
        made = client.post("/account/", {"name": "clinic app", "days": 2})
        raw = made.context["new_token"]
        token = ApiToken.objects.get()
        assert token.expires_at == START + timedelta(days=2)
        assert "4 Mar 2026" in client.get("/account/").content.decode()
        program = Client()
        clock.shift(timedelta(days=1, hours=23))
        assert program.get("/api/v1/me", headers=_bearer(raw)).status_code == 200
        clock.shift(timedelta(hours=2))
        assert program.get("/api/v1/me", headers=_bearer(raw)).status_code == 401
        assert "clinic app" not in client.get("/account/").content.decode()


def test_tokens_last_90_days_unless_chosen_and_at_most_the_maximum(client, login, users,
                                                                   settings):
    login(users["patient"])
    client.post("/account/", {"name": "default"})
    token = ApiToken.objects.get()
    assert token.expires_at - token.created_at == timedelta(days=90)
    too_long = client.post("/account/", {"name": "forever", "days": 366})
    assert too_long.status_code == 422 and "less than or equal to 365" in too_long.content.decode()
    settings.API_TOKEN_MAX_DAYS = 30
    assert client.post("/account/", {"name": "month", "days": 31}).status_code == 422
    assert client.post("/account/", {"name": "month", "days": 30}).status_code == 200
    assert ApiToken.objects.count() == 2


def _tokens_for(user, token_for):
    raw = token_for(user)
    assert Client().get("/api/v1/me", headers=_bearer(raw)).status_code == 200
    return raw


def _refused(raw):
    return Client().get("/api/v1/me", headers=_bearer(raw)).status_code == 401


def test_changing_ones_password_ends_every_token(client, login, users, token_for):
    raw = _tokens_for(users["patient"], token_for)
    login(users["patient"])
    changed = client.post("/password_change/", {"old_password": PASSWORD,
                                                "new_password1": NEW_PASSWORD,
                                                "new_password2": NEW_PASSWORD})
    assert changed.status_code == 302
    assert _refused(raw)
    assert ApiToken.objects.get().revoked_at is not None


def test_a_password_reset_ends_every_token(client, users, token_for):
    raw = _tokens_for(users["patient"], token_for)
    client.post("/password_reset/", {"email": "patient@example.org"})
    link = re.search(r"https?://[^/\s]+(/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD,
                                             "new_password2": NEW_PASSWORD})
    users["patient"].refresh_from_db()
    assert users["patient"].check_password(NEW_PASSWORD)
    assert _refused(raw)


def test_an_administrator_setting_a_password_ends_every_token(client, login, users, make_user,
                                                              token_for):
    raw = _tokens_for(users["patient"], token_for)
    admin = make_user("superadmin", "admin", is_staff=True, is_superuser=True)
    login(admin)
    done = client.post(f"/admin/accounts/user/{users['patient'].pk}/password/",
                       {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
                        "usable_password": "true"})
    assert done.status_code == 302
    assert _refused(raw)


def test_a_stronger_hash_of_the_same_password_keeps_the_tokens(client, users, token_for,
                                                               settings):
    settings.PASSWORD_HASHERS = [*settings.PASSWORD_HASHERS,
                                 "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    patient = users["patient"]
    patient.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    patient.save()
    raw = _tokens_for(patient, token_for)
    client.post("/login/", {"username": "patient", "password": PASSWORD})
    patient.refresh_from_db()
    assert not patient.password.startswith("pbkdf2_sha256$")  # Django upgraded the hash
    assert not _refused(raw)


# Cookies.

def test_the_session_cookie_is_secure_http_only_and_same_site(client, users):
    response = client.post("/login/", {"username": "patient", "password": PASSWORD})
    cookie = response.cookies["sessionid"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert client.get("/login/").cookies.get("csrftoken") is None or \
        client.get("/login/").cookies["csrftoken"]["secure"]


@pytest.mark.parametrize("setting", ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
                                     "SESSION_COOKIE_HTTPONLY"])
def test_production_settings_keep_the_cookie_flags(setting):
    from consilium import settings as configured

    assert getattr(configured, setting) is True

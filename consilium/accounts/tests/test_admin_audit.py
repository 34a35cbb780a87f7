"""Who may do what changes only through audited actions; an administrator cannot give itself
another role (issue 17, finding 5). Through the real admin and account pages."""

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command

from consilium.accounts.actions import do_change_role
from consilium.accounts.models import ApiToken, Role
from consilium.audit.models import AuditEntry
from consilium.audit.trail import verify
from consilium.conftest import app_secret, authenticator_app
from consilium.errors import NotAllowed


@pytest.fixture
def admin_client(users, login):
    admin = users["admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    return login(admin)


def _change_form(user, **changes) -> dict:
    """What the admin's change form posts for ``user``, with ``changes``."""
    data = {
        "username": user.username, "first_name": user.first_name,
        "last_name": user.last_name, "email": user.email, "role": user.role,
        "is_active": user.is_active, "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "last_login_0": "", "last_login_1": "", **changes,
    }
    return {k: ("on" if v is True else v) for k, v in data.items() if v is not False}


def _rows(action_prefix, **where):
    return list(AuditEntry.objects.filter(action__startswith=action_prefix, **where)
                .values_list("action", "actor__username", "object_type", "object_id"))


def test_an_administrator_cannot_change_its_own_role(admin_client, users):
    admin = users["admin"]
    url = f"/admin/accounts/user/{admin.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="role"' not in page.content.decode()  # shown, not editable
    response = admin_client.post(url, _change_form(admin, role=Role.COORDINATOR))
    assert response.status_code == 302
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN
    assert _rows("user.role") == []
    with pytest.raises(NotAllowed):
        do_change_role(admin, Role.COORDINATOR, acting_user=admin)
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


def test_changing_anothers_role_is_an_audit_row(admin_client, users):
    patient = users["patient"]
    url = f"/admin/accounts/user/{patient.pk}/change/"
    assert 'name="role"' in admin_client.get(url).content.decode()
    response = admin_client.post(url, _change_form(patient, role=Role.COORDINATOR))
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.role == Role.COORDINATOR
    assert _rows("user.role") == [("user.role.coordinator", "admin", "user", str(patient.pk))]
    # Saving again without a change writes no further row.
    patient.refresh_from_db()
    admin_client.post(url, _change_form(patient))
    assert len(_rows("user.role")) == 1
    assert verify()[2] == ""


def test_a_password_reset_by_an_administrator_is_an_audit_row(admin_client, users):
    physician = users["physician"]
    response = admin_client.post(f"/admin/accounts/user/{physician.pk}/password/", {
        "usable_password": "true", "password1": "a new long passphrase 42",
        "password2": "a new long passphrase 42"})
    assert response.status_code == 302
    physician.refresh_from_db()
    assert physician.check_password("a new long passphrase 42")
    assert _rows("user.password") == [
        ("user.password_reset", "admin", "user", str(physician.pk))]


def test_adding_a_user_names_its_role(admin_client):
    response = admin_client.post("/admin/accounts/user/add/", {
        "username": "newcoordinator", "usable_password": "true",
        "password1": "another long passphrase 7", "password2": "another long passphrase 7",
        "role": Role.COORDINATOR})
    assert response.status_code == 302
    assert [r[:3] for r in _rows("user.add")] == [("user.add.coordinator", "admin", "user")]


def test_an_administrator_cannot_raise_its_own_powers_or_deactivate_itself(admin_client,
                                                                           users):
    admin = users["admin"]
    page = admin_client.get(f"/admin/accounts/user/{admin.pk}/change/").content.decode()
    for field in ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"):
        assert f'name="{field}"' not in page, field
    admin_client.post(f"/admin/accounts/user/{admin.pk}/change/",
                      _change_form(admin, is_active=False))
    admin.refresh_from_db()
    assert admin.is_active


def test_the_admin_never_shows_or_sets_anothers_authenticator_secret(admin_client, users):
    device = authenticator_app(users["coordinator"])
    base = "/admin/mfa/authenticator"
    assert admin_client.get(f"{base}/add/").status_code == 403
    page = admin_client.get(f"{base}/{device.pk}/change/")
    assert page.status_code == 200  # seen, to be removed; not editable
    text = page.content.decode()
    assert app_secret(device) not in text and device.data["secret"] not in text
    assert 'name="data"' not in text
    response = admin_client.post(f"{base}/{device.pk}/change/",
                                 {"user": users["admin"].pk, "type": "totp", "data": "{}"})
    assert response.status_code == 403
    device.refresh_from_db()
    assert device.user == users["coordinator"] and device.data.get("secret")


def test_removing_anothers_authenticator_in_the_admin_is_an_audit_row(admin_client, users):
    device = authenticator_app(users["coordinator"])
    response = admin_client.post(f"/admin/mfa/authenticator/{device.pk}/delete/",
                                 {"post": "yes"})
    assert response.status_code == 302
    assert not Authenticator.objects.filter(pk=device.pk).exists()
    assert _rows("mfa.") == [("mfa.totp.deactivate", "admin", "authenticator", str(device.pk))]


def test_issuing_and_revoking_a_token_on_the_account_page_are_audit_rows(users, login):
    client = login(users["patient"])
    response = client.post("/account/", {"name": "hospital integration", "days": 30})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=users["patient"])
    assert _rows("api_token.") == [("api_token.issue", "patient", "apitoken", str(token.pk))]
    client.post(f"/account/tokens/{token.pk}/revoke/")
    client.post(f"/account/tokens/{token.pk}/revoke/")  # a second time changes nothing
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _rows("api_token.revoke") == [
        ("api_token.revoke", "patient", "apitoken", str(token.pk))]


def test_a_token_from_the_command_line_is_an_audit_row(users, capsys):
    call_command("create_api_token", "coordinator")
    token = ApiToken.objects.get(user=users["coordinator"])
    assert capsys.readouterr().out.startswith(ApiToken.PREFIX)
    entry = AuditEntry.objects.get(action="api_token.issue")
    assert (entry.actor_id, entry.actor_role, entry.object_id) == (None, "system", str(token.pk))


def test_an_email_change_and_linking_a_specialist_profile_are_audit_rows(
        admin_client, users, specialists, make_user):
    coordinator = users["coordinator"]
    response = admin_client.post(f"/admin/accounts/user/{coordinator.pk}/change/",
                                 _change_form(coordinator, email="new@example.org"))
    assert response.status_code == 302
    assert _rows("user.change") == [
        ("user.change.email", "admin", "user", str(coordinator.pk))]
    profile = specialists["same_system"]
    page = admin_client.get(f"/admin/directory/specialist/{profile.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data = {k: v for k, v in data.items() if v is not False}
    newcomer = make_user("specialist3", Role.SPECIALIST)
    data.update({"user": newcomer.pk, **_inline_management(page)})
    response = admin_client.post(f"/admin/directory/specialist/{profile.pk}/change/", data)
    assert response.status_code == 302, (response.context["adminform"].form.errors,
                                         response.context["errors"])
    assert _rows("specialist.") == [
        ("specialist.account_linked", "admin", "specialist", str(profile.pk))]


def _inline_management(page) -> dict:
    """The management forms of the change page's inlines, with no rows changed."""
    data = {}
    for formset in page.context["inline_admin_formsets"]:
        prefix = formset.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": "0",
                     f"{prefix}-INITIAL_FORMS": "0"})
    return data


@pytest.mark.parametrize("role", ["", "  ", "superuser", None, 3, "Coordinator"])
def test_an_unknown_role_is_refused_in_plain_words(role, users):
    from consilium.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        do_change_role(users["patient2"], role, acting_user=users["admin"])
    assert refused.value.errors["role"].startswith("Choose one of the roles")
    users["patient2"].refresh_from_db()
    assert users["patient2"].role == "patient"


def test_an_address_the_administrator_replaced_no_longer_signs_in(admin_client, users):
    """A patient who signed up has allauth address rows; after an administrator sets another
    address, the old one neither signs in nor is kept as verified."""
    from allauth.account.models import EmailAddress
    from django.test import Client

    from consilium.conftest import PASSWORD

    patient, client = users["patient"], Client()
    EmailAddress.objects.create(user=patient, email=patient.email, verified=True, primary=True)
    old = patient.email
    response = admin_client.post(f"/admin/accounts/user/{patient.pk}/change/",
                                 _change_form(patient, email="Fresh@Example.org"))
    assert response.status_code == 302
    patient.refresh_from_db()
    assert list(EmailAddress.objects.filter(user=patient).values_list(
        "email", "verified", "primary")) == [("fresh@example.org", True, True)]
    assert patient.email == "fresh@example.org"
    refused = client.post("/login/", {"username": old, "password": PASSWORD})
    assert refused.status_code == 200 and "did not match" in refused.content.decode()
    signed_in = client.post("/login/", {"username": "Fresh@Example.org", "password": PASSWORD})
    assert signed_in.status_code == 302

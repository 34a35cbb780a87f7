import json
from django.test import Client
from consilium.accounts.models import User, StaffInvitation
from consilium.accounts.tests.test_staff_invitations import (  # noqa: F401
    NEW_PASSWORD, _choose_password, _enrol_app, _invite, _link_path, _path, _tasks_now, _admin_client)
from consilium.accounts.tests.verification import _fresh_rate_limits  # noqa: F401


def test_probe(users, django_capture_on_commit_callbacks):
    inv, path = _invite(users["admin"], capture=django_capture_on_commit_callbacks)
    c = Client(enforce_csrf_checks=True)
    print("csrf join", _choose_password(c, path).status_code)
    b = Client()
    print("totp first", b.post(path, {"code": "123456"}).status_code)
    print("passkey first", b.post(path, {"credential": "{}", "name": "x"}).status_code)
    print("nul", _choose_password(b, path, first_name="a\x00b").status_code)
    print("long", _choose_password(b, path, first_name="a" * 151).status_code)
    print("long last", _choose_password(b, path, last_name="a" * 5000).status_code)
    print("rtl", _choose_password(b, path, first_name="\u202eadmin").status_code if False else "skip")
    assert not User.objects.filter(email=inv.email).exists()
    assert _choose_password(b, path).status_code == 302
    print("garbage credential", b.post(path, {"credential": "not json", "name": "x"}).status_code)
    print("garbage credential2", b.post(path, {"credential": json.dumps({"id": "x"}), "name": "x" * 500}).status_code)
    print("code nul", b.post(path, {"code": "12\x003456"}).status_code)
    print("code unicode digits", b.post(path, {"code": "١٢٣٤٥٦"}).status_code)
    r = _enrol_app(b, path)
    print("enrol", r.status_code, r.url)
    print("next evil", b.get("/account/two-factor/recovery-codes/?next=//evil.example/").content.decode().count("evil.example"))
    print("next evil2", b.get("/account/two-factor/recovery-codes/?next=/\\evil.example/").content.decode().count("evil.example"))
    admin = _admin_client(users)
    ac = Client(enforce_csrf_checks=True)
    ac.cookies = admin.cookies
    print("csrf members", ac.post("/members/", {"email": "x@y.example", "role": "coordinator"}).status_code)
    print("members nul", admin.post("/members/", {"email": "x\x00@y.example", "role": "coordinator"}).status_code)
    print("members role", admin.post("/members/", {"email": "x@y.example", "role": "patient"}).status_code)
    print("members long", admin.post("/members/", {"email": "x@y.example", "role": "admin", "first_name": "a"*200}).status_code)
    print("revoke other id", admin.post("/members/invitations/999999/revoke/").status_code)
    print("reset patient", admin.get(f"/members/{users['patient'].pk}/reset-second-factor/").status_code)
    print("setup patient", admin.post(f"/members/{users['patient'].pk}/setup-link/").status_code)
    print("setup GET", admin.get(f"/members/{users['coordinator'].pk}/setup-link/").status_code)
    print("members ?page", admin.get("/members/?page=99999").status_code, admin.get("/members/?page=%00").status_code)
    page = admin.get("/members/")
    print("members cache", page.get("Cache-Control"))

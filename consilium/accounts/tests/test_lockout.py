"""Lockout behind the TLS proxy: the client's own address (from the proxy's X-Forwarded-For),
a lockout per account and address, and a progressive delay per account that a stranger
cannot turn into a lockout."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client

from consilium.audit.models import AuditEntry
from consilium.conftest import PASSWORD
from consilium.opinions.models import Opinion

PROXY = "10.0.0.2"
CLIENT_A, CLIENT_B = "203.0.113.5", "198.51.100.7"


@pytest.fixture
def behind_proxy(settings):
    settings.BEHIND_PROXY = True
    settings.PROXY_COUNT = 1
    return settings


def _sign_in(username, password, forwarded=None, remote=PROXY):
    """One sign-in from a fresh browser; ``forwarded`` is the X-Forwarded-For the app gets."""
    client = Client()
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    response = client.post("/login/", {"username": username, "password": password}, **extra)
    return response


def _failures(username):
    return sum(AccessAttempt.objects.filter(username=username)
               .values_list("failures_since_start", flat=True))


def test_failures_from_one_client_lock_out_only_that_client(behind_proxy, users):
    for _ in range(behind_proxy.AXES_FAILURE_LIMIT):
        assert _sign_in("patient", "wrong password", CLIENT_A).status_code in (200, 429)
    locked = _sign_in("patient", PASSWORD, CLIENT_A)
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.content.decode()
    assert _sign_in("patient", PASSWORD, CLIENT_B).status_code == 302  # the owner, elsewhere


def test_a_spoofed_left_most_entry_does_not_change_the_address(behind_proxy, users):
    for n in range(behind_proxy.AXES_FAILURE_LIMIT):
        _sign_in("patient", "wrong password", f"192.0.2.{n}, {CLIENT_A}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT_A}
    assert _sign_in("patient", PASSWORD, f"{CLIENT_B}, {CLIENT_A}").status_code == 429


def test_with_two_proxies_the_address_is_the_second_from_the_right(behind_proxy, users):
    behind_proxy.PROXY_COUNT = 2
    _sign_in("patient", "wrong password", f"192.0.2.9, {CLIENT_A}, 10.0.0.3")
    assert AccessAttempt.objects.get().ip_address == CLIENT_A


def test_without_the_proxy_setting_x_forwarded_for_is_ignored(settings, users):
    settings.BEHIND_PROXY = False
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in("patient", "wrong password", CLIENT_A)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {PROXY}
    assert _sign_in("patient", PASSWORD, CLIENT_B).status_code == 429  # same peer address


def test_many_addresses_make_the_account_wait_but_never_lock_it(behind_proxy, users):
    limit, longest = behind_proxy.LOGIN_DELAY_AFTER, behind_proxy.LOGIN_DELAY_MAX_SECONDS
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        assert _sign_in("patient", PASSWORD, CLIENT_B).status_code == 302  # the owner's place
        for n in range(limit):  # a stranger, one guess from each of many addresses
            assert _sign_in("patient", "guess", f"192.0.2.{n}").status_code == 200
        early = _sign_in("patient", PASSWORD, "192.0.2.200")
        assert early.status_code == 429 and early["Retry-After"] == "1"
        assert "wait 1 second" in early.content.decode()
        assert _failures("patient") == limit  # a refused attempt is not a guess
        waits = []
        for n in range(8):  # each further guess waits twice as long, up to the cap
            clock.shift(timedelta(seconds=longest))
            assert _sign_in("patient", "guess", f"192.0.2.{100 + n}").status_code == 200
            waits.append(int(_sign_in("patient", "guess", "192.0.2.201")["Retry-After"]))
        assert waits == [2, 4, 8, 16, 32, 60, 60, 60]
        assert _failures("patient") == limit + 8
        # The owner, from where they signed in before, is not held up by the stranger.
        assert _sign_in("patient", PASSWORD, CLIENT_B).status_code == 302
        # Nor is anyone else for longer than the cap: the right password works then.
        clock.shift(timedelta(seconds=longest))
        assert _sign_in("patient", PASSWORD, "192.0.2.202").status_code == 302


def test_audit_rows_carry_the_clients_address(behind_proxy, client, journey, users):
    case, _ = journey("submitted")
    client.post("/login/", {"username": "patient", "password": PASSWORD},
                REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.1, {CLIENT_A}")
    before = AuditEntry.objects.count()
    assert client.get(f"/cases/{case.id}/", REMOTE_ADDR=PROXY,
                      HTTP_X_FORWARDED_FOR=f"192.0.2.1, {CLIENT_A}").status_code == 200
    rows = AuditEntry.objects.order_by("id")[before:]
    assert rows and {row.ip_address for row in rows} == {CLIENT_A}


def test_wrong_passwords_at_signing_count_from_the_clients_address(behind_proxy, client, login,
                                                                   journey, users):
    _, consultation = journey("in_review")
    login(users["specialist"])
    url = f"/consultations/{consultation.id}/opinion/sign/"
    for _ in range(behind_proxy.AXES_FAILURE_LIMIT):
        client.post(url, {"confirm": "on", "password": "guess"}, REMOTE_ADDR=PROXY,
                    HTTP_X_FORWARDED_FOR=CLIENT_A)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT_A}
    locked = client.post(url, {"confirm": "on", "password": PASSWORD}, REMOTE_ADDR=PROXY,
                         HTTP_X_FORWARDED_FOR=CLIENT_A)
    assert locked.status_code == 429 and not Opinion.objects.get().is_signed


def test_the_proxy_settings_come_from_the_environment(tmp_path):
    from consilium.tests.test_settings import manage

    code = ("from django.test import RequestFactory; from consilium.proxy import client_address; "
            "r = RequestFactory().get('/', REMOTE_ADDR='10.0.0.2', "
            "HTTP_X_FORWARDED_FOR='192.0.2.9, 203.0.113.5, 10.0.0.3'); print(client_address(r))")
    behind = manage("shell", "-c", code, tmp_path=tmp_path,
                    env={"CONSILIUM_BEHIND_PROXY": "1", "CONSILIUM_PROXY_COUNT": "2"})
    assert behind.stdout.split("\n")[-2] == CLIENT_A, behind.stderr
    direct = manage("shell", "-c", code, tmp_path=tmp_path)
    assert direct.stdout.split("\n")[-2] == "10.0.0.2", direct.stderr
    refused = manage("check", tmp_path=tmp_path, env={"CONSILIUM_BEHIND_PROXY": "1",
                                                      "CONSILIUM_PROXY_COUNT": "0"})
    assert refused.returncode != 0 and "CONSILIUM_PROXY_COUNT" in refused.stderr


@pytest.mark.parametrize("entry, address", [
    (f"{CLIENT_A}:5555", CLIENT_A), ("[2001:db8::1]:443", "2001:db8::1"),
    ("[2001:db8::1]", "2001:db8::1"), ("2001:db8::1", "2001:db8::1"),
])
def test_a_port_the_proxy_appends_is_cut_off(behind_proxy, users, entry, address):
    _sign_in("patient", "wrong password", f"192.0.2.1, {entry}")
    assert AccessAttempt.objects.get().ip_address == address


def test_failures_from_one_client_with_ports_lock_out_only_that_client(behind_proxy, users):
    for n in range(behind_proxy.AXES_FAILURE_LIMIT):
        _sign_in("patient", "wrong password", f"{CLIENT_A}:{5000 + n}")
    assert _sign_in("patient", PASSWORD, f"{CLIENT_A}:6000").status_code == 429
    assert _sign_in("patient", PASSWORD, f"{CLIENT_B}:6001").status_code == 302


@pytest.mark.parametrize("entry", ["unknown", "203.0.113.5:http", "[2001:db8::1]:99999x"])
def test_an_entry_the_proxy_wrote_that_is_no_address_is_the_proxys_and_logged(
        behind_proxy, users, caplog, entry):
    _sign_in("patient", "wrong password", f"{CLIENT_A}, {entry}")
    assert AccessAttempt.objects.get().ip_address == PROXY  # never the client-written entry
    assert "is not an address" in caplog.text

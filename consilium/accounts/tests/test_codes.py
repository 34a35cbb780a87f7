"""A wrong authenticator code does not spoil the next right one (issue #21): a few wrong codes
cost nothing, a code already used is refused as used, and many wrong codes still make the
account wait, saying so in plain words. Real allauth.mfa TOTP authenticators, the clock moved
by time-machine."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from consilium.accounts.codes import FREE_TRIES, failures
from consilium.conftest import PASSWORD, app_code, authenticator_app

START = datetime(2026, 12, 2, 9, 0, 5, tzinfo=UTC)  # 5 s into a 30 s step


def _at(device, at: datetime) -> str:
    return app_code(device, at)


def _wrong(device, at: datetime) -> str:
    right = {_at(device, at + timedelta(seconds=s)) for s in (-30, 0, 30)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def coordinator(client, users, clock):
    device = authenticator_app(users["coordinator"])
    assert client.post("/login/", {"username": "coordinator",
                                   "password": PASSWORD}).status_code == 302
    return device


def _post(client, code):
    return client.post("/account/two-factor/?next=/queue/", {"code": code})


def test_a_wrong_code_then_the_right_one_at_once(client, coordinator):
    assert _post(client, _wrong(coordinator, START)).status_code == 422
    done = _post(client, _at(coordinator, START))
    assert done.status_code == 302 and done.url == "/queue/"


def test_a_wrong_code_then_the_next_steps_code(client, coordinator, clock):
    assert _post(client, _wrong(coordinator, START)).status_code == 422
    clock.shift(30)
    assert _post(client, _at(coordinator, START + timedelta(seconds=30))).status_code == 302


def test_a_few_wrong_codes_cost_nothing(client, coordinator):
    for _ in range(FREE_TRIES):
        wrong = _post(client, _wrong(coordinator, START))
        assert wrong.status_code == 422
        assert "That code is not right" in wrong.content.decode()
    assert _post(client, _at(coordinator, START)).status_code == 302
    coordinator.refresh_from_db()
    assert failures(coordinator) == 0


def test_a_code_already_used_is_refused(client, coordinator, users, clock):
    code = _at(coordinator, START)
    assert _post(client, code).status_code == 302
    client.logout()
    clock.shift(10)  # the same step
    client.post("/login/", {"username": "coordinator", "password": PASSWORD})
    again = _post(client, code)
    assert again.status_code == 422
    assert "already used" in again.content.decode()
    clock.shift(30)  # the next code works
    assert _post(client, _at(coordinator, START + timedelta(seconds=40))).status_code == 302


def test_many_wrong_codes_make_the_account_wait(client, coordinator, clock):
    for _ in range(FREE_TRIES + 1):
        _post(client, _wrong(coordinator, START))
    # Even the right code is refused now, and the page says why and for how long.
    waiting = _post(client, _at(coordinator, START))
    assert waiting.status_code == 429
    text = waiting.content.decode()
    assert "Too many wrong codes" in text and "second" in text
    assert "not right" not in text
    clock.shift(60)
    assert _post(client, _at(coordinator, START + timedelta(seconds=60))).status_code == 302


def test_the_wait_grows_with_each_wrong_code(client, coordinator, clock):
    from consilium.accounts.codes import required_wait, wait_seconds

    now = START
    for n in range(FREE_TRIES + 6):
        now += timedelta(seconds=required_wait(n) + 1)  # each wait over: every code counts
        clock.move_to(now)
        assert _post(client, _wrong(coordinator, now)).status_code == 422
    coordinator.refresh_from_db()
    assert failures(coordinator) == FREE_TRIES + 6
    assert wait_seconds(coordinator) >= 32
    waiting = _post(client, _at(coordinator, now))
    assert waiting.status_code == 429 and "minute" in waiting.content.decode()


def test_hostile_codes(client, coordinator):
    for code in ("", "   ", "12345", "1234567", "abcdef", "１２３４５６", "0" * 5000):
        response = _post(client, code)
        assert response.status_code == 422, code
    # Refused as malformed before any check: they do not count as wrong codes.
    coordinator.refresh_from_db()
    assert failures(coordinator) == 0
    assert _post(client, _at(coordinator, START)).status_code == 302


def test_signing_with_a_code_after_a_wrong_one(rf, users, clock):
    from consilium.accounts.reauth import confirm_identity
    from consilium.errors import InvalidInput

    device = authenticator_app(users["specialist"])
    request = rf.post("/")
    with pytest.raises(InvalidInput):
        confirm_identity(request, users["specialist"], _wrong(device, START))
    confirm_identity(request, users["specialist"], _at(device, START))
    with pytest.raises(InvalidInput):  # and not twice
        confirm_identity(request, users["specialist"], _at(device, START))

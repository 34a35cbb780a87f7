"""The Policy base: rules return the refusal; check raises it; allowed lists the rest."""

import pytest

from consilium.errors import Conflict, NotAllowed
from consilium.policy import Policy


def make_policy():
    policy = Policy("thing")

    @policy.rule("open")
    def _open(user, thing):
        return None if thing["closed"] else Conflict("Already open.")

    @policy.rule("burn")
    def _burn(user, thing):
        return NotAllowed("Nobody burns things.")

    return policy


def test_allowed_lists_only_actions_without_refusal():
    policy = make_policy()
    assert policy.allowed(None, {"closed": True}) == {"open"}
    assert policy.allowed(None, {"closed": False}) == frozenset()
    assert policy.actions == ("open", "burn")


def test_check_raises_the_rules_own_refusal():
    policy = make_policy()
    with pytest.raises(NotAllowed, match="Nobody burns"):
        policy.check(None, {"closed": True}, "burn")
    with pytest.raises(Conflict):
        policy.checker("open")({"closed": False}, None)
    policy.check(None, {"closed": True}, "open")


def test_unknown_actions_and_duplicate_rules_are_programming_errors():
    policy = make_policy()
    with pytest.raises(ValueError):
        policy.check(None, {}, "fly")
    with pytest.raises(ValueError):
        policy.rule("open")(lambda user, thing: None)

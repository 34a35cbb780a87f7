"""The comparison policy per role and state (review, third opinion), and a third opinion
asked for twice with one key that opens one case."""

import pytest
from django.test import Client

from consilium.cases.models import Case
from consilium.comparison.policy import policy
from consilium.errors import Conflict, NotAllowed

ROLES = ("patient", "caregiver", "coordinator", "specialist", "physician")


def test_a_disputed_comparison_is_reviewed_by_coordinators_only(disputed, users):
    case, _ = disputed
    allowed = {role: policy.allowed(users[role], case) for role in ROLES}
    assert allowed == {"patient": {"third_opinion"}, "caregiver": set(),
                       "coordinator": {"review", "third_opinion"}, "specialist": set(),
                       "physician": set()}
    assert isinstance(policy.refusal(users["patient"], case, "review"), NotAllowed)


def test_an_agreed_comparison_needs_no_review_and_a_draft_no_third_opinion(journey, users):
    delivered, _ = journey("opinion_delivered")
    assert isinstance(policy.refusal(users["coordinator"], delivered, "review"), Conflict)
    draft, _ = journey("draft")
    assert policy.allowed(users["patient"], draft) == set()
    assert isinstance(policy.refusal(users["patient"], draft, "third_opinion"), Conflict)


@pytest.mark.parametrize("by", ["page", "api"])
def test_a_third_opinion_asked_twice_with_one_key_opens_one_case(disputed, users, login,
                                                                 client, token_for, by):
    case, _ = disputed
    if by == "page":
        login(users["patient"])
        answers = [client.post(f"/cases/{case.id}/third-opinion/",
                               {"submission_key": "t" * 24}) for _ in range(2)]
        assert [a.status_code for a in answers] == [302, 302]
        assert answers[0]["Location"] == answers[1]["Location"]
    else:
        api = Client()
        headers = {"Authorization": f"Bearer {token_for(users['patient'])}",
                   "Idempotency-Key": "t" * 24}
        answers = [api.post(f"/api/v1/cases/{case.id}/third-opinion", headers=headers)
                   for _ in range(2)]
        assert [a.status_code for a in answers] == [201, 201]
        assert answers[0].json() == answers[1].json()
    assert Case.objects.filter(earlier_case=case).count() == 1
    assert "third_opinion" not in policy.allowed(users["patient"], case)

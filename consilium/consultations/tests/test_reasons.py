"""Why a consultation ended is for the coordinators (the consultation policy's
``read_reasons``): the case page and ``GET /consultations/{id}`` give the reasons to those the
rule allows and to no one else (the API's ``decline_reason`` is null for them)."""

import pytest

from consilium.cases.actions import do_share_case
from consilium.consultations.actions import (
    do_decline_consultation,
    do_offer_consultation,
    do_withdraw_consultation,
)
from consilium.consultations.policy import policy

DECLINED = "zebra-declined: my clinic is closing."
WITHDRAWN = "zebra-withdrawn: offered by mistake."


@pytest.fixture
def ended(journey, users, specialists):
    """A case whose offer was declined, offered again and that offer withdrawn; shared with
    the caregiver and the treating physician."""
    case, first = journey("offered")
    do_share_case(case, "caregiver", acting_user=users["patient"])
    do_share_case(case, "physician", role="physician", acting_user=users["patient"])
    do_decline_consultation(first, DECLINED, acting_user=users["specialist"])
    second = do_offer_consultation(case, specialists["specialist2"].id,
                                   acting_user=users["coordinator"])
    do_withdraw_consultation(second, WITHDRAWN, acting_user=users["coordinator"])
    return case, first, second


def test_the_case_page_shows_the_reasons_to_whom_the_policy_lets_read_them(
        ended, users, login, client):
    case, first, second = ended
    for role in ("coordinator", "patient", "caregiver", "physician"):
        readers = policy.may(users[role], first, "read_reasons")
        assert readers == (role == "coordinator")
        login(users[role])
        page = client.get(f"/cases/{case.id}/").content.decode()
        assert "Dr. Helen Okafor" in page, role  # the consultations are listed to all
        assert (DECLINED in page) == readers and (WITHDRAWN in page) == readers, role


def test_the_api_gives_the_decline_reason_only_to_the_coordinators(ended, users, api):
    case, first, _ = ended
    for role in ("coordinator", "patient", "caregiver", "physician"):
        answer = api(users[role], "get", f"/consultations/{first.id}")
        assert answer.status_code == 200, role
        body = answer.json()
        expected = DECLINED if role == "coordinator" else None
        assert body["decline_reason"] == expected, role
        assert ("read_reasons" in body["allowed_actions"]) == (role == "coordinator")
        if role != "coordinator":
            assert "zebra" not in answer.content.decode(), role

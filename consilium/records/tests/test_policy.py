"""The records policy: who may add, retype and ask for records, by role and case state, and
the case and records pages showing those controls exactly when allowed."""

import io

import pytest

from consilium.cases.actions import do_share_case
from consilium.cases.models import Case, Status
from consilium.errors import Conflict, NotAllowed
from consilium.records.actions import Upload, do_add_records
from consilium.records.policy import policy

OPEN = {s for s in Status.values if s not in ("closed", "withdrawn")}
ALL_BUT_THE_SPECIALIST = {"patient", "caregiver", "physician", "coordinator"}
# action: (the roles that may, the case states in which they may); the specialist below has
# accepted the case.
EXPECTED = {
    "read": (ALL_BUT_THE_SPECIALIST | {"specialist"}, set(Status.values)),
    "add": (ALL_BUT_THE_SPECIALIST | {"specialist"}, OPEN),
    "retype": (ALL_BUT_THE_SPECIALIST | {"specialist"}, OPEN),
    "remove": ({"patient", "coordinator"}, OPEN),
    "request_release": ({"patient"}, set(Status.values)),
    "see_held": ({"patient", "coordinator"}, set(Status.values)),
    "settle_hold": ({"patient", "coordinator"}, OPEN),
    "mark_checklist": ({"patient"}, OPEN),
    "confirm_checklist": ({"coordinator"}, OPEN),
    "see_requests": ({"patient", "coordinator"}, set(Status.values)),
    "add_request": ({"patient", "coordinator"}, OPEN),
    "manage_requests": ({"coordinator"}, OPEN),
}
ROLES = ("patient", "caregiver", "physician", "coordinator", "specialist")


def test_the_table_names_every_rule():
    assert set(EXPECTED) == set(policy.actions)


@pytest.fixture
def accepted_case(journey, users):
    case, _ = journey("accepted")
    for name in ("caregiver", "physician"):
        do_share_case(case, name, acting_user=users["patient"])
    return case


@pytest.mark.parametrize("status", Status.values)
def test_the_rules_by_role_and_state(accepted_case, users, status):
    Case.objects.filter(id=accepted_case.id).update(status=status)
    case = Case.objects.get(id=accepted_case.id)
    for role in ROLES:
        for action, (roles, states) in EXPECTED.items():
            refusal = policy.refusal(users[role], case, action)
            if role not in roles:
                assert isinstance(refusal, NotAllowed), (role, action, status)
            elif status not in states:
                assert isinstance(refusal, Conflict), (role, action, status)
            else:
                assert refusal is None, (role, action, status, refusal)


def test_a_specialist_only_offered_the_case_adds_nothing(journey, users):
    case, _ = journey("offered")
    refusal = policy.refusal(users["specialist"], case, "add")
    assert isinstance(refusal, NotAllowed) and "Accept the case" in refusal.message


def test_a_specialist_only_offered_the_case_reads_no_records(journey, users):
    """Before accepting: the first opinion and the coordinator's summary, not the records
    (cases/tests/test_intake.py walks the pages)."""
    case, _ = journey("offered")
    refusal = policy.refusal(users["specialist"], case, "read")
    assert isinstance(refusal, NotAllowed) and "Accept the case" in refusal.message
    assert policy.refusal(users["specialist2"], case, "read") is not None


@pytest.mark.parametrize("status", ["specialist_assigned", "closed"])
def test_the_pages_show_the_controls_exactly_when_allowed(accepted_case, users, client, login,
                                                          status):
    do_add_records(accepted_case, [Upload("note.txt", io.BytesIO(b"a note"), 6)],
                   acting_user=users["patient"])
    Case.objects.filter(id=accepted_case.id).update(status=status)
    for role in ROLES:
        login(users[role])
        allowed = policy.allowed(users[role], Case.objects.get(id=accepted_case.id))
        detail = client.get(f"/cases/{accepted_case.id}/")
        text = detail.content.decode()
        assert detail.context["record_allowed"] == allowed
        assert (f"/cases/{accepted_case.id}/records/upload/" in text) == ("add" in allowed)
        assert ('class="retype"' in text) == ("retype" in allowed), role
        assert ('class="remove' in text) == ("remove" in allowed), role
        assert (f"/cases/{accepted_case.id}/release-request/" in text) == (
            "request_release" in allowed), role
        assert (f"/cases/{accepted_case.id}/records-requests/" in text) == (
            "see_requests" in allowed), role
        listing = client.get(f"/cases/{accepted_case.id}/records/").content.decode()
        assert ('class="retype"' in listing) == ("retype" in allowed), role


def test_only_the_patient_asks_for_the_release(accepted_case, users, client, login):
    login(users["caregiver"])
    refused = client.get(f"/cases/{accepted_case.id}/release-request/")
    assert refused.status_code == 403
    assert "Only the patient can authorize" in refused.content.decode()
    login(users["patient"])
    assert client.get(f"/cases/{accepted_case.id}/release-request/").status_code == 200

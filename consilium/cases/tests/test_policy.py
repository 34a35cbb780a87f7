"""The case policy: its rules by role and state, and the page and the API reading the same set.

The expected table below is written out by hand (not derived from the rules), so a change to
a rule has to change it too.
"""

import pytest

from consilium.cases.actions import do_share_case
from consilium.cases.models import Case, Status
from consilium.cases.policy import HOLDING_STATES, policy
from consilium.consultations.models import ACTIVE_STATUSES
from consilium.errors import Conflict, NotAllowed

OWNER, COORDINATOR = {"patient"}, {"coordinator"}
OWNER_OR_COORDINATOR = OWNER | COORDINATOR
BEFORE_DECISION = {"draft", "submitted", "records_complete", "specialist_assigned",
                   "in_review", "opinion_delivered"}
OPEN = set(Status.values) - {"closed", "withdrawn"}
# action: (the roles that may, the case states in which they may)
EXPECTED = {
    "edit": (OWNER, {"draft", "submitted"}),
    "submit": (OWNER_OR_COORDINATOR, {"draft"}),
    "withdraw": (OWNER_OR_COORDINATOR, BEFORE_DECISION),
    "mark_records": (COORDINATOR, {"submitted"}),
    "offer": (COORDINATOR, {"submitted", "records_complete"}),
    "confirm_system": (COORDINATOR, {"submitted", "records_complete"}),  # the matches page
    "confirm_institution": (COORDINATOR, {"submitted", "records_complete"}),  # likewise
    "follow_up": (OWNER_OR_COORDINATOR, {"decided"}),
    "close": (OWNER_OR_COORDINATOR, {"decided", "following_up"}),
    "share": (OWNER, set(Status.values)),
    "invite": (OWNER, set(Status.values)),
    "unshare": (OWNER, set(Status.values)),
    "journal": (OWNER, set(Status.values)),
    "story": (OWNER, set(Status.values)),
    # The work queue's owner and urgency (cases/queue_actions.py): while the case is open.
    "take_on": (COORDINATOR, OPEN - {"draft"}),
    "plan_procedure": (OWNER_OR_COORDINATOR, OPEN),
    # The case summary for the specialist (cases/intake_actions.py): the coordinators write
    # it from the submission until the opinion is signed; whoever sees the case reads it.
    "write_intake": (COORDINATOR, {"submitted", "records_complete", "specialist_assigned",
                                   "in_review"}),
    "read_intake": ({"patient", "caregiver", "physician", "coordinator", "specialist"},
                    set(Status.values)),
    # A combined review's parts (consultations.actions.do_offer_part): until the opinion.
    "offer_part": (COORDINATOR, {"submitted", "records_complete", "specialist_assigned",
                                 "in_review"}),
}
# Everyone who can see a case: the patient, those they shared it with, the coordinator and
# the specialist it is offered to.
ROLES = ("patient", "caregiver", "physician", "coordinator", "specialist")
# What each action's control on the case page links or posts to.
MARKERS = {
    "edit": "/edit/", "submit": "/submit/", "withdraw": "/withdraw/",
    "mark_records": "/records-complete/", "offer": "/offer/", "follow_up": "/follow-up/",
    "close": "/close/", "share": "/share/", "journal": "/journal/",
    "take_on": "/owner/", "plan_procedure": "/procedure-date/", "write_intake": "/intake/",
    "offer_part": "/parts/new/",
}


def test_the_table_names_every_rule():
    assert set(EXPECTED) == set(policy.actions)


def test_an_offer_is_held_by_the_states_that_hold_a_case():
    assert set(HOLDING_STATES) <= set(ACTIVE_STATUSES)


@pytest.fixture
def shared_case(journey, users):
    case, _ = journey("draft")
    for name in ("caregiver", "physician"):
        do_share_case(case, name, acting_user=users["patient"])
    return case


@pytest.mark.parametrize("status", Status.values)
def test_the_rules_by_role_and_state(shared_case, users, status):
    Case.objects.filter(id=shared_case.id).update(status=status)
    case = Case.objects.get(id=shared_case.id)
    for role in ROLES:
        for action, (roles, states) in EXPECTED.items():
            refusal = policy.refusal(users[role], case, action)
            if role not in roles:
                assert isinstance(refusal, NotAllowed), (role, action, status)
            elif status not in states:
                assert isinstance(refusal, Conflict), (role, action, status)
            else:
                assert refusal is None, (role, action, status, refusal)


def test_an_offered_case_cannot_be_offered_again(journey, users):
    case, _ = journey("offered")
    refusal = policy.refusal(users["coordinator"], case, "offer")
    assert isinstance(refusal, Conflict) and "already offered" in refusal.message


def test_the_patient_offers_only_where_the_program_lets_them_choose(
        journey, users, client, login, settings):
    case, _ = journey("submitted")
    login(users["patient"])
    page = client.get(f"/cases/{case.id}/")
    assert "offer" not in page.context["allowed"]
    assert f"/cases/{case.id}/matches/" not in page.content.decode()
    settings.PATIENTS_CHOOSE_SPECIALIST = True
    page = client.get(f"/cases/{case.id}/")
    text = page.content.decode()
    assert "offer" in page.context["allowed"]
    assert f"/cases/{case.id}/matches/" in text and "Choose your specialist" in text
    # Another patient's case stays out of reach, setting or not.
    assert "offer" not in policy.allowed(users["patient2"], case)


@pytest.mark.parametrize("upto", ["draft", "submitted", "offered", "opinion_delivered"])
def test_the_page_shows_a_control_exactly_when_allowed_and_the_api_lists_the_same(
        journey, users, client, login, api, upto):
    case, _ = journey(upto)
    for name in ("caregiver", "physician"):
        do_share_case(case, name, acting_user=users["patient"])
    # The specialist sees the case once it is offered to them.
    roles = ROLES if upto in ("offered", "opinion_delivered") else ROLES[:-1]
    for role in roles:
        login(users[role])
        page = client.get(f"/cases/{case.id}/")
        assert page.status_code == 200, role
        allowed, text = page.context["allowed"], page.content.decode()
        for action, marker in MARKERS.items():
            shown = f"/cases/{case.id}{marker}" in text
            assert shown == (action in allowed), (role, upto, action)
        listed = api(users[role], "GET", f"/cases/{case.id}").json()["allowed_actions"]
        assert listed == sorted(allowed), role


def test_a_refusal_says_the_same_on_the_page_and_in_the_api(users, client, login, api,
                                                           shared_case):
    case = shared_case
    login(users["caregiver"])
    page = client.post(f"/cases/{case.id}/submit/")
    answer = api(users["caregiver"], "POST", f"/cases/{case.id}/submit")
    message = "Only the patient or a coordinator can submit the case."
    assert page.status_code == answer.status_code == 403
    assert message in page.content.decode() and answer.json()["detail"] == message
    login(users["patient"])
    page = client.post(f"/cases/{case.id}/close/")
    answer = api(users["patient"], "POST", f"/cases/{case.id}/close")
    message = "A case that is draft cannot become closed."
    assert page.status_code == answer.status_code == 409
    assert message in page.content.decode() and answer.json()["detail"] == message
    case.refresh_from_db()
    assert case.status == "draft"


def test_closing_asks_first_and_says_what_it_means(journey, users, client, login):
    from consilium.decisions.actions import do_record_decision

    case, _ = journey("opinion_delivered")
    do_record_decision(case, "second_opinion", "", acting_user=users["patient"])
    login(users["patient"])
    detail = client.get(f"/cases/{case.id}/").content.decode()
    assert f'href="/cases/{case.id}/close/"' in detail  # a link to the question, no button
    asked = client.get(f"/cases/{case.id}/close/")
    text = asked.content.decode()
    assert asked.status_code == 200 and "cannot be undone" in text
    assert "Keep the case open" in text
    case.refresh_from_db()
    assert case.status == "decided"
    assert client.post(f"/cases/{case.id}/close/").status_code == 302
    case.refresh_from_db()
    assert case.status == "closed"
    login(users["caregiver"])
    assert client.get(f"/cases/{case.id}/close/").status_code == 404  # not shared


def test_the_close_question_is_refused_to_who_may_not_close(shared_case, users, client, login):
    login(users["caregiver"])
    assert client.get(f"/cases/{shared_case.id}/close/").status_code == 403
    login(users["patient"])
    assert client.get(f"/cases/{shared_case.id}/close/").status_code == 409  # a draft

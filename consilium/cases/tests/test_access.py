"""Every role against every kind of object, through the helpers, the pages and the API."""

import uuid

import pytest
from django.http import Http404

from consilium.audit.models import AuditEntry
from consilium.cases import actions
from consilium.cases.access import access_case_by_id, cases_visible_to
from consilium.conftest import PASSWORD, sign_request
from consilium.consultations.access import access_consultation_by_id
from consilium.consultations.actions import do_decline_consultation, do_offer_consultation
from consilium.opinions.access import access_opinion_by_consultation_id
from consilium.opinions.actions import do_sign_opinion

ROLES = ["patient", "patient2", "caregiver", "caregiver2", "physician", "physician2",
         "coordinator", "specialist", "specialist2", "admin"]
SEES_CASE = {"patient", "caregiver", "physician", "coordinator", "specialist"}
SEES_DRAFT_OPINION = {"specialist"}


@pytest.fixture
def shared_case(journey, users):
    case, consultation = journey("in_review")
    actions.do_share_case(case, "caregiver", acting_user=users["patient"])
    actions.do_share_case(case, "physician", acting_user=users["patient"])
    return case, consultation


def _sees(fn, *args) -> bool:
    try:
        fn(*args)
    except Http404:
        return False
    return True


@pytest.mark.parametrize("role", ROLES)
def test_case_access(shared_case, users, role):
    case, _ = shared_case
    user = users[role]
    expected = role in SEES_CASE
    assert _sees(access_case_by_id, user, case.id) is expected
    assert cases_visible_to(user).filter(id=case.id).exists() is expected


@pytest.mark.parametrize("role", ROLES)
def test_consultation_access(shared_case, users, role):
    _, consultation = shared_case
    assert _sees(access_consultation_by_id, users[role], consultation.id) is (role in SEES_CASE)


@pytest.mark.parametrize("role", ROLES)
def test_draft_opinion_is_seen_only_by_its_author(shared_case, users, role):
    _, consultation = shared_case
    seen = _sees(access_opinion_by_consultation_id, users[role], consultation.id)
    assert seen is (role in SEES_DRAFT_OPINION)


@pytest.mark.parametrize("role", ROLES)
def test_signed_opinion_is_seen_by_everyone_who_sees_the_case(shared_case, users, role):
    _, consultation = shared_case
    do_sign_opinion(consultation, acting_user=users["specialist"], request=sign_request(),
                    secret=PASSWORD)
    seen = _sees(access_opinion_by_consultation_id, users[role], consultation.id)
    assert seen is (role in SEES_CASE)


@pytest.mark.parametrize("role", ROLES)
def test_pages_and_api_answer_404_alike_for_unknown_and_forbidden(
    shared_case, users, client, login, api, role
):
    case, _ = shared_case
    user = users[role]
    login(user)
    page = client.get(f"/cases/{case.id}/")
    unknown_page = client.get(f"/cases/{uuid.uuid4()}/")
    response = api(user, "GET", f"/cases/{case.id}")
    unknown = api(user, "GET", f"/cases/{uuid.uuid4()}")
    assert unknown_page.status_code == 404 and unknown.status_code == 404
    if role in SEES_CASE:
        assert response.status_code == 200
        assert page.status_code == 200
    else:
        assert response.status_code == 404
        assert response.json() == unknown.json()
        assert page.status_code == 404


def test_malformed_ids_are_plain_404s(users, api):
    assert api(users["patient"], "GET", "/cases/not-a-uuid").status_code == 404
    assert api(users["patient"], "GET", "/consultations/123/opinion").status_code == 404


def test_a_specialist_loses_access_after_declining(journey, users, specialists):
    case, _ = journey("submitted")
    consultation = do_offer_consultation(
        case, specialists["specialist2"].id, acting_user=users["coordinator"]
    )
    assert _sees(access_case_by_id, users["specialist2"], case.id)
    do_decline_consultation(consultation, "No capacity", acting_user=users["specialist2"])
    assert not _sees(access_case_by_id, users["specialist2"], case.id)


def test_revoking_a_share_ends_access(shared_case, users):
    case, _ = shared_case
    share = case.shares.get(grantee=users["caregiver"])
    actions.do_revoke_share(case, share.id, acting_user=users["patient"])
    assert not _sees(access_case_by_id, users["caregiver"], case.id)
    assert _sees(access_case_by_id, users["physician"], case.id)


def test_inactive_users_see_nothing(shared_case, users):
    case, _ = shared_case
    users["patient"].is_active = False
    assert not _sees(access_case_by_id, users["patient"], case.id)


def test_every_read_is_audited(shared_case, users):
    case, consultation = shared_case
    access_case_by_id(users["caregiver"], case.id)
    entry = AuditEntry.objects.latest("id")
    assert (entry.actor, entry.actor_role, entry.action) == (
        users["caregiver"], "caregiver", "case.view"
    )
    assert entry.object_id == str(case.id) and entry.case_id == case.id

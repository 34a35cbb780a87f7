"""The consultation's lifecycle: the transition table, and the moves that undo an offer or an
acceptance (withdraw, release, reassign) through the pages and the API."""

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.cases.actions import do_mark_records_complete, do_withdraw_case
from consilium.cases.models import Event, EventKind, Status
from consilium.consultations.actions import (
    do_accept_consultation,
    do_offer_consultation,
    do_release_consultation,
    move_consultation,
)
from consilium.consultations.matching import match_case
from consilium.consultations.models import TRANSITIONS, Consultation, ConsultationStatus
from consilium.consultations.policy import policy
from consilium.errors import Conflict
from consilium.opinions.actions import do_save_opinion
from consilium.opinions.models import Opinion

STATUSES = list(ConsultationStatus)
REASON = "zebra-reason: I am away for surgery myself."


@pytest.fixture
def notices(settings, django_capture_on_commit_callbacks):
    """Run an action with the notices it queues sent at once; returns the emails sent."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    def run(action, *args, **kwargs):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            result = action(*args, **kwargs)
        return result, list(mail.outbox)

    return run


def snapshot(consultation):
    """What a refused request must leave as it was."""
    consultation.refresh_from_db()
    return (consultation.status, consultation.end_reason, consultation.ended_at,
            consultation.case.events.count(),
            AuditEntry.objects.filter(action__in=["consultation.withdraw",
                                                  "consultation.release"]).count())


# --- the table ---------------------------------------------------------------------------


def test_the_table_names_every_status_and_ends_in_terminal_ones():
    assert set(TRANSITIONS) == set(ConsultationStatus.values)
    assert TRANSITIONS[ConsultationStatus.OFFERED] == {
        "accepted", "declined", "expired", "withdrawn", "cancelled"}
    # withdrawn: only a combined review's part, once accepted (policy "withdraw")
    assert TRANSITIONS[ConsultationStatus.ACCEPTED] == {"released", "completed", "cancelled",
                                                        "withdrawn"}
    for status in set(ConsultationStatus.values) - {"offered", "accepted"}:
        assert TRANSITIONS[status] == set(), status


def test_every_move_in_the_table_is_made_and_every_other_refused(journey, users):
    case, consultation = journey("offered")
    coordinator = users["coordinator"]
    for from_status in STATUSES:
        for to_status in STATUSES:
            Consultation.objects.filter(id=consultation.id).update(status=from_status)
            consultation.refresh_from_db()
            if to_status in TRANSITIONS[from_status]:
                move_consultation(consultation, to_status, coordinator)
                consultation.refresh_from_db()
                assert consultation.status == to_status, (from_status, to_status)
            else:
                with pytest.raises(Conflict):
                    move_consultation(consultation, to_status, coordinator)
                consultation.refresh_from_db()
                assert consultation.status == from_status, (from_status, to_status)


def test_a_concurrent_move_loses_cleanly(journey, users):
    """Two copies read as offered: the first move wins, the second is a Conflict."""
    case, consultation = journey("offered")
    other_copy = Consultation.objects.get(id=consultation.id)
    move_consultation(consultation, ConsultationStatus.WITHDRAWN, users["coordinator"],
                      end_reason="first")
    with pytest.raises(Conflict, match="already offer withdrawn"):
        move_consultation(other_copy, ConsultationStatus.ACCEPTED, users["specialist"])
    other_copy.refresh_from_db()
    assert (other_copy.status, other_copy.end_reason) == ("withdrawn", "first")


def test_withdrawing_the_case_cancels_its_consultation_through_the_table(journey, users):
    case, consultation = journey("accepted")
    do_withdraw_case(case, acting_user=users["patient"])
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.CANCELLED
    assert consultation.ended_at is not None
    assert AuditEntry.objects.filter(action="consultation.cancel",
                                     object_id=str(consultation.id)).count() == 1


@pytest.mark.parametrize("upto, role, expected", [
    ("offered", "specialist", {"accept", "decline"}),
    ("offered", "coordinator", {"withdraw"}),
    ("offered", "patient", set()),
    ("accepted", "specialist", {"release"}),
    ("accepted", "coordinator", set()),
    ("opinion_delivered", "specialist", set()),
    ("opinion_delivered", "coordinator", set()),
])
def test_the_policy_allows_each_role_its_moves(journey, users, upto, role, expected):
    case, consultation = journey(upto)
    consultation.refresh_from_db()
    moves = policy.allowed(users[role], consultation) - {"read_reasons"}  # test_reasons.py
    assert moves == expected


# --- withdraw ----------------------------------------------------------------------------


def test_the_coordinator_withdraws_an_offer_on_the_page(journey, users, login, client,
                                                         notices):
    case, consultation = journey("offered")
    login(users["coordinator"])
    page = client.get(reverse("case_detail", args=[case.id]))
    withdraw_url = reverse("consultation_withdraw", args=[consultation.id])
    assert withdraw_url.encode() in page.content
    confirm = client.get(withdraw_url)
    assert confirm.status_code == 200
    assert b"can no longer see the case" in confirm.content

    response, sent = notices(client.post, withdraw_url, {"reason": REASON})
    assert response.status_code == 302
    assert response.url == reverse("case_matches", args=[case.id])
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.WITHDRAWN
    assert consultation.end_reason == REASON
    assert consultation.ended_at is not None
    with connection.cursor() as cursor:  # the reason is stored encrypted
        cursor.execute("SELECT end_reason FROM consultations_consultation WHERE id = %s",
                       [consultation.id.hex if connection.vendor == "sqlite"
                        else str(consultation.id)])
        assert "zebra-reason" not in cursor.fetchone()[0]
    event = case.events.get(kind=EventKind.OFFER_WITHDRAWN)
    assert event.actor == users["coordinator"] and "zebra" not in event.note
    assert AuditEntry.objects.filter(action="consultation.withdraw",
                                     actor=users["coordinator"]).count() == 1
    assert [m.to for m in sent] == [[users["specialist"].email]]
    assert "withdrawn" in sent[0].subject
    for text in (case.diagnosis_text, "zebra-reason"):
        assert text not in sent[0].subject + sent[0].body
    # The case stays offerable; the previous specialist is left out of the proposals.
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED
    assert "reassign" in policy.allowed(users["coordinator"], consultation)
    proposed = [p.specialist.id for p in match_case(case, limit=10).proposals]
    assert consultation.specialist_id not in proposed
    # A second submit (a double click) changes nothing and answers 409.
    again = client.post(withdraw_url, {"reason": REASON})
    assert again.status_code == 409
    assert case.events.filter(kind=EventKind.OFFER_WITHDRAWN).count() == 1


def test_a_withdrawn_specialist_loses_the_case(journey, users, login, client, api):
    case, consultation = journey("offered")
    api(users["coordinator"], "post", f"/consultations/{consultation.id}/withdraw",
        {"reason": REASON})
    login(users["specialist"])
    assert client.get(reverse("case_detail", args=[case.id])).status_code == 404
    assert api(users["specialist"], "get", f"/cases/{case.id}").status_code == 404
    assert api(users["specialist"], "get",
               f"/consultations/{consultation.id}").status_code == 404


def test_an_empty_or_long_reason_is_refused_and_changes_nothing(journey, users, login,
                                                               client, api):
    case, consultation = journey("offered")
    before = snapshot(consultation)
    login(users["coordinator"])
    url = reverse("consultation_withdraw", args=[consultation.id])
    page = client.post(url, {"reason": "  "})
    assert page.status_code == 422
    assert b"This field is required" in page.content or b"Say why" in page.content
    assert client.post(url, {"reason": "x" * 2001}).status_code == 422
    for reason in ["", "   ", "x" * 2001]:
        answer = api(users["coordinator"], "post",
                     f"/consultations/{consultation.id}/withdraw", {"reason": reason})
        assert answer.status_code == 422
        assert "reason" in answer.json()["errors"]
    assert snapshot(consultation) == before


def test_withdraw_wrong_role_and_wrong_state(journey, users, login, client, api):
    case, consultation = journey("offered")
    before = snapshot(consultation)
    for role in ["specialist", "patient"]:
        answer = api(users[role], "post", f"/consultations/{consultation.id}/withdraw",
                     {"reason": REASON})
        assert answer.status_code == 403, role
    assert api(users["specialist2"], "post", f"/consultations/{consultation.id}/withdraw",
               {"reason": REASON}).status_code == 404
    login(users["specialist"])
    assert client.get(reverse("consultation_withdraw", args=[consultation.id])
                      ).status_code == 403
    assert b"Withdraw offer" not in client.get(
        reverse("case_detail", args=[case.id])).content
    assert snapshot(consultation) == before
    do_accept_consultation(consultation, acting_user=users["specialist"])
    answer = api(users["coordinator"], "post", f"/consultations/{consultation.id}/withdraw",
                 {"reason": REASON})
    assert answer.status_code == 409
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.ACCEPTED


def test_withdraw_through_the_api_twice(journey, users, api):
    case, consultation = journey("offered")
    path = f"/consultations/{consultation.id}/withdraw"
    first = api(users["coordinator"], "post", path, {"reason": REASON})
    assert first.status_code == 200
    body = first.json()
    assert body["status"] == "withdrawn" and body["ended_at"]
    assert body["allowed_actions"] == ["read_reasons", "reassign"]
    assert "zebra" not in first.content.decode()
    second = api(users["coordinator"], "post", path, {"reason": REASON})
    assert second.status_code == 409
    assert case.events.filter(kind=EventKind.OFFER_WITHDRAWN).count() == 1
    assert AuditEntry.objects.filter(action="consultation.withdraw").count() == 1


# --- release -----------------------------------------------------------------------------


def test_the_specialist_hands_the_case_back_on_the_page(journey, users, login, client,
                                                         notices):
    case, consultation = journey("accepted")
    login(users["specialist"])
    page = client.get(reverse("case_detail", args=[case.id]))
    release_url = reverse("consultation_release", args=[consultation.id])
    assert release_url.encode() in page.content
    assert release_url.encode() in client.get(
        reverse("opinion_edit", args=[consultation.id])).content
    confirm = client.get(release_url)
    assert confirm.status_code == 200
    assert b"can no longer see the case" in confirm.content

    response, sent = notices(client.post, release_url, {"reason": REASON})
    assert response.status_code == 302 and response.url == reverse("case_list")
    consultation.refresh_from_db()
    assert (consultation.status, consultation.end_reason) == ("released", REASON)
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED  # the records were never marked complete
    assert case.events.filter(kind=EventKind.RELEASED, actor=users["specialist"]).count() == 1
    assert AuditEntry.objects.filter(action="consultation.release").count() == 1
    assert [m.to for m in sent] == [[users["coordinator"].email]]
    assert "handed a case back" in sent[0].subject
    assert case.diagnosis_text not in sent[0].body and "zebra" not in sent[0].body
    # The specialist no longer sees the case; a second submit is refused like any stranger's.
    assert client.get(reverse("case_detail", args=[case.id])).status_code == 404
    assert client.get(reverse("opinion_edit", args=[consultation.id])).status_code == 404
    assert client.post(release_url, {"reason": REASON}).status_code == 404
    assert case.events.filter(kind=EventKind.RELEASED).count() == 1
    # The coordinators offer it to someone else; the one who handed it back is left out.
    proposed = [p.specialist.id for p in match_case(case, limit=10).proposals]
    assert consultation.specialist_id not in proposed


def test_a_case_with_complete_records_returns_to_records_complete(journey, users,
                                                                  specialists, api):
    case, _ = journey("submitted")
    do_mark_records_complete(case, acting_user=users["coordinator"])
    consultation = do_offer_consultation(case, specialists["specialist"].id,
                                         acting_user=users["coordinator"])
    do_accept_consultation(consultation, acting_user=users["specialist"])
    answers = {q.id: {"text": "A draft answer."} for q in case.questions.all()}
    do_save_opinion(consultation, {"reasoning": "zebra-draft", "answers": answers},
                    acting_user=users["specialist"], base_version=0)
    case.refresh_from_db()
    assert case.status == Status.IN_REVIEW
    answer = api(users["specialist"], "post", f"/consultations/{consultation.id}/release",
                 {"reason": REASON})
    assert answer.status_code == 200
    assert answer.json()["status"] == "released"
    case.refresh_from_db()
    assert case.status == Status.RECORDS_COMPLETE
    # The draft stays, unsigned, with the released consultation: no one else reads it, the
    # released specialist can no longer reach it, and the next specialist starts afresh.
    draft = Opinion.objects.get(consultation=consultation)
    assert not draft.is_signed and draft.reasoning == "zebra-draft"
    for role in ["coordinator", "patient", "specialist"]:
        opinion = api(users[role], "get", f"/consultations/{consultation.id}/opinion")
        assert opinion.status_code == 404, role
        assert "zebra-draft" not in opinion.content.decode()
    second = do_offer_consultation(case, specialists["specialist2"].id,
                                   acting_user=users["coordinator"])
    do_accept_consultation(second, acting_user=users["specialist2"])
    mine = api(users["specialist2"], "get", f"/consultations/{second.id}/opinion")
    assert mine.status_code == 200 and "zebra-draft" not in mine.content.decode()
    page = api(users["coordinator"], "get", f"/cases/{case.id}")
    assert "zebra-draft" not in page.content.decode()


def test_release_wrong_role_wrong_state_and_empty_reason(journey, users, api, login, client):
    case, consultation = journey("accepted")
    before = snapshot(consultation)
    path = f"/consultations/{consultation.id}/release"
    for role in ["coordinator", "patient"]:
        assert api(users[role], "post", path, {"reason": REASON}).status_code == 403, role
    assert api(users["specialist2"], "post", path, {"reason": REASON}).status_code == 404
    empty = api(users["specialist"], "post", path, {"reason": ""})
    assert empty.status_code == 422 and "reason" in empty.json()["errors"]
    login(users["specialist"])
    assert client.post(reverse("consultation_release", args=[consultation.id]),
                       {"reason": ""}).status_code == 422
    assert snapshot(consultation) == before
    case.refresh_from_db()
    assert case.status == Status.SPECIALIST_ASSIGNED


def test_a_signed_opinion_cannot_be_handed_back(journey, users, api, login, client):
    case, consultation = journey("opinion_delivered")
    before = snapshot(consultation)
    answer = api(users["specialist"], "post", f"/consultations/{consultation.id}/release",
                 {"reason": REASON})
    assert answer.status_code == 409
    assert "signed" in answer.json()["detail"]
    login(users["specialist"])
    assert client.get(reverse("consultation_release", args=[consultation.id])
                      ).status_code == 409
    assert b"Hand the case back" not in client.get(
        reverse("case_detail", args=[case.id])).content
    assert snapshot(consultation) == before


def test_a_release_racing_a_second_release_makes_one_row(journey, users):
    case, consultation = journey("accepted")
    stale = Consultation.objects.select_related("case", "specialist").get(id=consultation.id)
    do_release_consultation(consultation, REASON, acting_user=users["specialist"])
    with pytest.raises(Conflict):
        do_release_consultation(stale, REASON, acting_user=users["specialist"])
    assert case.events.filter(kind=EventKind.RELEASED).count() == 1
    assert Event.objects.filter(case=case, kind=EventKind.STATUS,
                                from_status=Status.SPECIALIST_ASSIGNED).count() == 1


# --- reassign, and accepting with confirmation ---------------------------------------------


def test_reassign_withdraw_then_offer_to_another(journey, users, specialists, login, client):
    case, consultation = journey("offered")
    login(users["coordinator"])
    response = client.post(reverse("consultation_withdraw", args=[consultation.id]),
                           {"reason": REASON}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("case_matches", args=[case.id])
    assert specialists["specialist2"].name.encode() in response.content
    offered = client.post(reverse("case_offer", args=[case.id]),
                          {"specialist_id": specialists["specialist2"].id})
    assert offered.status_code == 302
    current = case.consultations.get(status=ConsultationStatus.OFFERED)
    assert current.specialist == specialists["specialist2"]
    consultation.refresh_from_db()
    assert "reassign" not in policy.allowed(users["coordinator"], consultation)
    detail = client.get(reverse("case_detail", args=[case.id])).content
    assert reverse("consultation_withdraw", args=[current.id]).encode() in detail
    assert reverse("consultation_withdraw", args=[consultation.id]).encode() not in detail


def test_accepting_asks_first_and_shows_the_due_date(journey, users, login, client):
    case, consultation = journey("offered")
    login(users["specialist"])
    url = reverse("consultation_accept", args=[consultation.id])
    assert url.encode() in client.get(reverse("case_detail", args=[case.id])).content
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert b"opinion due" in confirm.content
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.OFFERED  # looking commits to nothing
    assert client.post(url).status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.ACCEPTED
    assert f"{consultation.due_date.day} {consultation.due_date:%b %Y}".encode() \
        in confirm.content
    assert client.post(url).status_code == 409  # a second click
    assert case.events.filter(kind=EventKind.ACCEPTED).count() == 1

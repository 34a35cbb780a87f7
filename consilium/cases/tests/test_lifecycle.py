import pytest
from django.db import transaction

from consilium.audit.models import AuditEntry
from consilium.cases import actions
from consilium.cases.models import TRANSITIONS, Case, Event, Status
from consilium.conftest import FIRST_OPINION
from consilium.consultations.models import Consultation
from consilium.errors import Conflict, InvalidInput, NotAllowed

ALL_PAIRS = [(a, b) for a in Status.values for b in Status.values if a != b]


def test_every_state_is_in_the_transition_table():
    assert set(TRANSITIONS) == set(Status.values)
    for targets in TRANSITIONS.values():
        assert targets <= set(Status.values)


def test_closed_and_withdrawn_are_final():
    assert TRANSITIONS[Status.CLOSED] == set()
    assert TRANSITIONS[Status.WITHDRAWN] == set()


def test_withdrawal_is_possible_from_every_state_before_the_decision():
    before = [Status.DRAFT, Status.SUBMITTED, Status.RECORDS_COMPLETE,
              Status.SPECIALIST_ASSIGNED, Status.IN_REVIEW, Status.OPINION_DELIVERED]
    for state in Status.values:
        assert (Status.WITHDRAWN in TRANSITIONS[state]) == (state in before), state


@pytest.mark.parametrize("from_status,to_status", ALL_PAIRS)
def test_move_case_follows_the_table(journey, users, from_status, to_status):
    case, _ = journey("draft")
    Case.objects.filter(id=case.id).update(status=from_status)
    case.refresh_from_db()
    events_before = Event.objects.count()
    allowed = to_status in TRANSITIONS[from_status]
    try:
        with transaction.atomic():
            actions.move_case(case, to_status, users["coordinator"])
    except Conflict as error:
        assert not allowed
        assert "cannot become" in error.message
        case.refresh_from_db()
        assert case.status == from_status
        assert Event.objects.count() == events_before
    else:
        assert allowed
        case.refresh_from_db()
        assert case.status == to_status
        event = Event.objects.latest("id")
        assert (event.from_status, event.to_status) == (from_status, to_status)
        assert event.actor == users["coordinator"]


def test_a_stale_move_loses_cleanly(journey, users):
    case, _ = journey("draft")
    stale = Case.objects.get(id=case.id)
    actions.do_submit_case(case, acting_user=users["patient"])
    # The stale copy still says "draft", so the table allows the move; the guarded update
    # finds the row already submitted and refuses.
    with pytest.raises(Conflict, match="changed by someone else"):
        actions.move_case(stale, Status.SUBMITTED, users["patient"])


def test_creating_a_case_records_event_and_audit(users):
    case = actions.do_create_case(dict(FIRST_OPINION), acting_user=users["patient"])
    assert case.status == Status.DRAFT
    assert [q.text for q in case.questions.all()] == FIRST_OPINION["questions"]
    assert case.events.get().kind == "created"
    assert AuditEntry.objects.filter(action="case.create", object_id=str(case.id)).exists()


def test_bad_input_names_every_field_and_writes_nothing(users):
    data = {"diagnosis_text": "", "treatment_category": "magic",
            "diagnosis_codes": ["C50.912", "XYZ", "U07.1"], "first_opinion_date": "2999-01-01"}
    with pytest.raises(InvalidInput) as caught:
        actions.do_create_case(data, acting_user=users["patient"])
    assert set(caught.value.errors) == {
        "diagnosis_text", "treatment_category", "diagnosis_codes", "first_opinion_date"
    }
    assert "XYZ" in caught.value.errors["diagnosis_codes"]
    assert "U07.1" in caught.value.errors["diagnosis_codes"]
    assert not Case.objects.exists()


def test_codes_are_normalised(users):
    case = actions.do_create_case(
        {**FIRST_OPINION, "diagnosis_codes": "c50.912, C50.912 m17.11"},
        acting_user=users["patient"],
    )
    assert case.diagnosis_codes == ["C50.912", "M17.11"]


def test_only_patients_start_cases(users):
    with pytest.raises(NotAllowed):
        actions.do_create_case(dict(FIRST_OPINION), acting_user=users["coordinator"])


def test_the_first_opinion_is_locked_once_a_specialist_is_on_it(journey, users):
    case, _ = journey("accepted")
    with pytest.raises(Conflict):
        actions.do_update_case(case, {"diagnosis_text": "Changed"}, acting_user=users["patient"])
    case.refresh_from_db()
    assert case.diagnosis_text == FIRST_OPINION["diagnosis_text"]


def test_editing_replaces_questions(journey, users):
    case, _ = journey("submitted")
    actions.do_update_case(case, {"questions": ["Only this one?"]}, acting_user=users["patient"])
    assert [q.text for q in case.questions.all()] == ["Only this one?"]


def test_others_cannot_edit_or_submit(journey, users):
    case, _ = journey("draft")
    with pytest.raises(NotAllowed):
        actions.do_update_case(case, {"goals": "x"}, acting_user=users["caregiver"])
    with pytest.raises(NotAllowed):
        actions.do_submit_case(case, acting_user=users["specialist"])


def test_withdrawing_cancels_the_open_consultation(journey, users):
    case, consultation = journey("accepted")
    actions.do_withdraw_case(case, acting_user=users["patient"])
    consultation.refresh_from_db()
    assert consultation.status == "cancelled"
    assert Case.objects.get(id=case.id).status == Status.WITHDRAWN


def test_a_decided_case_cannot_be_withdrawn(journey, users):
    from consilium.decisions.actions import do_record_decision

    case, _ = journey("opinion_delivered")
    do_record_decision(case, "second_opinion", "", acting_user=users["patient"])
    with pytest.raises(Conflict):
        actions.do_withdraw_case(case, acting_user=users["patient"])
    actions.do_start_follow_up(case, acting_user=users["patient"])
    actions.do_close_case(case, acting_user=users["coordinator"])
    assert Case.objects.get(id=case.id).status == Status.CLOSED
    assert Consultation.objects.get(case=case).status == "completed"


def test_sharing_needs_a_caregiver_or_physician_account(journey, users):
    case, _ = journey("draft")
    with pytest.raises(InvalidInput):
        actions.do_share_case(case, "patient2", acting_user=users["patient"])
    share = actions.do_share_case(case, "caregiver@example.org", acting_user=users["patient"])
    assert share.grantee == users["caregiver"]
    again = actions.do_share_case(case, "CAREGIVER", acting_user=users["patient"])
    assert again.pk == share.pk
    actions.do_revoke_share(case, share.id, acting_user=users["patient"])
    with pytest.raises(Conflict):
        actions.do_revoke_share(case, share.id, acting_user=users["patient"])

from django.db import transaction
from django.utils import timezone

from consilium.audit.trail import record
from consilium.cases.actions import add_event, move_case
from consilium.cases.models import Case, EventKind, Status
from consilium.errors import InvalidInput
from consilium.submissions.once import Once

from .access import options_of_case
from .models import Decision, DecisionAid, EarlierDecision
from .policy import decision_of, policy
from .schemas import DecisionAidIn, DecisionIn


def do_record_decision(case: Case, choice: str, explanation: str, *, acting_user,
                       key: str = "") -> Decision:
    """Record what the patient decided after reading both opinions, or change what they
    decided: the patient may change it until the case is closed. A change keeps the choice
    it replaces (``EarlierDecision``) and is an event; the same choice and words again change
    nothing. ``key``: the request's one-time key (a second request with it returns the
    first's decision). ``decision.changes`` tells a first decision (0) from a change."""
    once = Once(acting_user, key, Decision)
    if (done := once.done()) is not None:
        return done
    with transaction.atomic():
        current = Case.objects.select_for_update().get(id=case.id)
        decision = decision_of(current)
        policy.check(acting_user, current, "decide" if decision is None else "change_decision")
        wanted = DecisionIn.read({"choice": choice, "explanation": explanation})
        choice, explanation = wanted.choice, wanted.explanation
        if (done := once.earlier()) is not None:
            return done
        if decision is None:
            decision = _first_decision(current, choice, explanation, acting_user)
        elif (decision.choice, decision.explanation) != (choice, explanation):
            decision = _change_decision(current, decision, choice, explanation, acting_user)
        once.made(decision)
    case.status = current.status
    return decision


def _first_decision(case: Case, choice: str, explanation: str, user) -> Decision:
    move_case(case, Status.DECIDED, user)
    decision = Decision.objects.create(case=case, choice=choice, explanation=explanation,
                                       decided_by=user)
    add_event(case, EventKind.DECIDED, user)
    record(user, "decision.create", decision, case_id=case.id)
    return decision


def _change_decision(case: Case, decision: Decision, choice: str, explanation: str,
                     user) -> Decision:
    EarlierDecision.objects.create(case=case, choice=decision.choice,
                                   explanation=decision.explanation,
                                   decided_at=decision.decided_at,
                                   decided_by_id=decision.decided_by_id)
    decision.choice, decision.explanation = choice, explanation
    decision.decided_at, decision.decided_by = timezone.now(), user
    decision.changes += 1
    decision.save()
    add_event(case, EventKind.DECISION_CHANGED, user)
    record(user, "decision.change", decision, case_id=case.id)
    return decision


def do_save_decision_aid(case: Case, data: dict | DecisionAidIn, *, acting_user) -> DecisionAid:
    """Save the patient's work on the decision aid (any part of it, as they go): the fields
    ``data`` gives, read as ``DecisionAidIn``. The policy is asked on the case as it is under
    the lock (a case closed meanwhile is refused); a rating of an option the case does not
    have is refused, and a refusal changes nothing."""
    with transaction.atomic():
        current = Case.objects.select_for_update().get(id=case.id)
        policy.check(acting_user, current, "save_aid")
        fields = DecisionAidIn.read(data).given()
        # Locked before the options are read (reading the opinions writes audit rows): the
        # rows an action changes are held before it reads what it checks them against.
        work, _ = DecisionAid.objects.select_for_update().get_or_create(case=current)
        options = {o.key for o in options_of_case(acting_user, current)}
        if set(fields.get("ratings", {})) - options:
            raise InvalidInput({"ratings": "A rating names an option this case does not have."})
        for name, value in fields.items():
            empty = "" if name in ("role", "pressure") else None  # a choice left unanswered
            setattr(work, name, empty if value is None else value)
        work.updated_at = timezone.now()
        work.save()
        record(acting_user, "decision_aid.save", work, case_id=current.id)
    return work

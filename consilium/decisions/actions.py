from django.db import transaction

from consilium.audit.trail import record
from consilium.cases.actions import add_event, move_case
from consilium.cases.models import Case, EventKind, Status
from consilium.errors import InvalidInput, NotAllowed

from .models import Choice, Decision


def do_record_decision(case: Case, choice: str, explanation: str, *, acting_user) -> Decision:
    """Record what the patient decided after reading both opinions."""
    if case.patient_id != acting_user.id:
        raise NotAllowed("Only the patient can record the decision.")
    errors = {}
    if choice not in Choice.values:
        errors["choice"] = "Choose what you decided."
    explanation = (explanation or "").strip()
    if len(explanation) > 5000:
        errors["explanation"] = "Keep this under 5000 characters."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        current = Case.objects.select_for_update().get(id=case.id)
        move_case(current, Status.DECIDED, acting_user)
        decision = Decision.objects.create(
            case=current, choice=choice, explanation=explanation, decided_by=acting_user
        )
        add_event(current, EventKind.DECIDED, acting_user)
        record(acting_user, "decision.create", decision, case_id=current.id)
    case.status = current.status
    return decision

"""The two facts of a case that the coordinators' work queue sorts and filters by, and that
change apart from the case's lifecycle: who has the case in hand (its owner, a coordinator)
and the day the first opinion's procedure is planned for (its urgency). Each change is one
transaction with a case Event and an audit row, like every action in ``actions.py``."""

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from consilium.accounts.models import Role, User
from consilium.audit.trail import record
from consilium.errors import InvalidInput
from consilium.forms import object_id

from .actions import add_event, locked_case
from .models import Case, EventKind

# A planned date further ahead than this is a typing slip, not a plan.
FURTHEST_PLAN = timedelta(days=5 * 365)


def coordinators():
    """Who can own a case: the program's active coordinators, by name."""
    return get_user_model().objects.filter(role=Role.COORDINATOR, is_active=True).order_by(
        "last_name", "first_name", "username")


def _coordinator(owner_id) -> User:
    key = object_id(owner_id)
    found = coordinators().filter(id=key).first() if key else None
    if found is None:
        raise InvalidInput({"owner": "Choose a coordinator of the program."})
    return found


def do_set_case_owner(case: Case, owner_id, *, acting_user) -> Case:
    """Give the case to a coordinator (``owner_id``: a coordinator's ID, "me" for the acting
    coordinator: "Take this case"), or to nobody (None or ""). The same owner again changes
    nothing and writes nothing."""
    if owner_id == "me":
        owner_id = acting_user.id
    with transaction.atomic():
        current = locked_case(case, "take_on", user=acting_user)
        owner = _coordinator(owner_id) if owner_id not in (None, "") else None
        if current.owner_id == (owner.id if owner else None):
            case.owner = owner
            return case
        Case.objects.filter(id=current.id).update(owner=owner)
        case.owner = current.owner = owner
        add_event(current, EventKind.OWNER_CHANGED, acting_user,
                  note=str(owner) if owner else "Nobody")
        record(acting_user, "case.owner", current, case_id=current.id)
    return case


def parse_plan(text) -> date | None:
    """The planned date a form or client sent (ISO, YYYY-MM-DD); "" clears it; InvalidInput
    for anything else or a date that cannot be a plan."""
    if text in (None, ""):
        return None
    try:
        day = text if isinstance(text, date) else date.fromisoformat(str(text).strip())
    except ValueError:
        raise InvalidInput({"planned_procedure_on": "Give the date as on a calendar, "
                                                    "e.g. 2027-03-14."}) from None
    today = timezone.localdate()
    if day < today:
        raise InvalidInput({"planned_procedure_on": "That day has passed. Give the day the "
                                                    "procedure is now planned for, or none."})
    if day > today + FURTHEST_PLAN:
        raise InvalidInput({"planned_procedure_on": "That is more than five years ahead. "
                                                    "Check the year."})
    return day


def do_plan_procedure(case: Case, planned_on, *, acting_user) -> Case:
    """Record the day the first opinion's procedure is planned for (None or "": not
    planned, or no longer)."""
    day = parse_plan(planned_on)
    with transaction.atomic():
        current = locked_case(case, "plan_procedure", user=acting_user)
        if current.planned_procedure_on == day:
            return case
        Case.objects.filter(id=current.id).update(planned_procedure_on=day)
        case.planned_procedure_on = current.planned_procedure_on = day
        add_event(current, EventKind.PROCEDURE_PLANNED, acting_user,
                  note="Cleared" if day is None else "")
        record(acting_user, "case.plan_procedure", current, case_id=current.id)
    return case

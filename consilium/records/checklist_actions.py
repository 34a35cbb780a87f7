"""The patient's marks on their case's records checklist, and the coordinator's confirming
them (records.checklist reads them): each an audited action decided by the records policy
(mark_checklist, confirm_checklist)."""

from django.db import transaction
from django.utils import timezone

from consilium.audit.trail import record as audit
from consilium.cases.actions import locked_case
from consilium.cases.models import Case
from consilium.errors import InvalidInput

from .models import ChecklistMark
from .policy import policy
from .schemas import ChecklistMarkIn


def _item_key(case: Case, key) -> str:
    if not isinstance(key, str):
        raise InvalidInput({"key": "Choose an item of the checklist."})
    key = ChecklistMarkIn.read({"key": key}).key
    if key not in {item["key"] for item in case.checklist}:
        raise InvalidInput({"key": "This item is not on this case's checklist."})
    return key


def do_mark_checklist_item(case: Case, key, mark, *, acting_user) -> ChecklistMark | None:
    """The patient says they sent an item another way ("sent") or do not have it ("none"),
    or takes their mark back (blank). A new mark needs confirming again."""
    policy.check(acting_user, case, "mark_checklist")
    cleaned = ChecklistMarkIn.read({"key": key if isinstance(key, str) else "", "mark": mark})
    key = _item_key(case, key)
    with transaction.atomic():
        current = locked_case(case, "mark_checklist", user=acting_user, policy=policy)
        found = ChecklistMark.objects.filter(case=current, key=key).first()
        if cleaned.mark is None:
            if found is None:
                return None
            audit(acting_user, "checklist.mark", found, case_id=current.id)
            found.delete()
            return None
        if found is None:
            found = ChecklistMark(case=current, key=key)
        found.mark, found.marked_by, found.marked_at = cleaned.mark, acting_user, timezone.now()
        found.confirmed_by, found.confirmed_at = None, None
        found.save()
        audit(acting_user, "checklist.mark", found, case_id=current.id)
    return found


def do_confirm_checklist_item(case: Case, key, *, acting_user) -> ChecklistMark:
    """A coordinator confirms the patient's mark (what was sent arrived, or is truly not
    to be had), or ticks an unmarked item that reached them another way."""
    policy.check(acting_user, case, "confirm_checklist")
    key = _item_key(case, key)
    with transaction.atomic():
        current = locked_case(case, "confirm_checklist", user=acting_user, policy=policy)
        found = ChecklistMark.objects.select_for_update().filter(case=current, key=key).first()
        if found is None:  # it came another way, to the coordinator: they tick it
            found = ChecklistMark(case=current, key=key, mark=ChecklistMark.Mark.SENT,
                                  marked_by=acting_user)
        if found.confirmed_at is None:
            found.confirmed_by, found.confirmed_at = acting_user, timezone.now()
            found.save()
        audit(acting_user, "checklist.confirm", found, case_id=current.id)
    return found

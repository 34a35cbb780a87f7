"""Requests for records past their due day, found by the hourly ``manage.py check_deadlines``:
the case's coordinator (its owner in the work queue, or every coordinator while nobody has
the case) is told once for each due day passed. A reminder gives the request a later due day
(request_actions.do_remind_request); if that one passes too, they are told again.

Notices never carry health data: fixed wording and the case's reference, never the provider
(who treats the patient is health data) nor what is asked."""

from django.db import transaction
from django.utils import timezone

from consilium.accounts.models import Role
from consilium.accounts.notify import notify_role, notify_users
from consilium.audit.trail import record
from consilium.cases.models import Case, Status

from .models import RecordsRequest

SUBJECT = "A request for records is overdue"
CLOSED = (Status.CLOSED, Status.WITHDRAWN)  # their requests can no longer change


def notify_overdue_requests() -> int:
    """Tell the coordinators of each request that passed its due day and was not told of
    yet; how many requests were. A second run (or a second worker) tells no one again."""
    today = timezone.localdate()
    late = (RecordsRequest.objects.overdue_untold(today).exclude(case__status__in=CLOSED)
            .values_list("id", "case_id"))
    return sum(_notify(request_id, case_id, today) for request_id, case_id in late)


def _notify(request_id, case_id, today) -> bool:
    """Stamp the request and queue the notice (sent once the stamp is committed); False when
    it was received, cancelled, reminded or stamped meanwhile."""
    with transaction.atomic():
        # The case first, then the request, as the actions lock them.
        case = Case.objects.select_for_update(of=("self",)).select_related("owner").get(
            id=case_id)
        found = (RecordsRequest.objects.overdue_untold(today).select_for_update()
                 .filter(id=request_id).first())
        if found is None:
            return False
        found.overdue_notified_on = today
        found.save(update_fields=["overdue_notified_on"])
        record(None, "records_request.overdue", found, case_id=case.id)
        if case.owner is not None and case.owner.is_active:
            notify_users([case.owner_id], SUBJECT, case)
        else:
            notify_role(Role.COORDINATOR, SUBJECT, case)
    return True

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from consilium.accounts.models import Role
from consilium.cases.access import cases_visible_to, record_case_list
from consilium.cases.models import Status
from consilium.consultations.models import Consultation, ConsultationStatus

# The states in which a case waits for the program staff, oldest first.
QUEUE_STATES = [
    Status.SUBMITTED, Status.RECORDS_COMPLETE, Status.SPECIALIST_ASSIGNED, Status.IN_REVIEW,
    Status.OPINION_DELIVERED, Status.DECIDED, Status.FOLLOWING_UP,
]


@login_required
def work_queue(request):
    """Open cases by state, the longest-waiting first."""
    if request.user.role != Role.COORDINATOR:
        raise Http404
    status = request.GET.get("status") or Status.SUBMITTED
    if status not in Status.values:
        status = Status.SUBMITTED
    visible = cases_visible_to(request.user)
    counts = dict(visible.values_list("status").annotate(n=Count("id")).order_by())
    accepted = Consultation.objects.filter(status=ConsultationStatus.ACCEPTED).select_related(
        "specialist"
    )
    cases = (
        visible.filter(status=status)
        .select_related("patient")
        .prefetch_related(Prefetch("consultations", queryset=accepted, to_attr="accepted"))
        .order_by("status_changed_at")
    )
    page = Paginator(cases, 25).get_page(request.GET.get("page"))
    record_case_list(request.user, page.object_list)
    tabs = [(s, Status(s).label, counts.get(s, 0)) for s in [*QUEUE_STATES, Status.DRAFT,
                                                              Status.CLOSED, Status.WITHDRAWN]]
    return render(request, "program/queue.html", {
        "page": page, "status": status, "status_label": Status(status).label,
        "tabs": tabs, "now": timezone.now(), "today": timezone.localdate(),
    })

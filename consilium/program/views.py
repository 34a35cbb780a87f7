from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from consilium.accounts.models import Role
from consilium.cases.access import cases_visible_to, record_case_list
from consilium.cases.models import Status
from consilium.consultations.models import Consultation, ConsultationStatus
from consilium.consultations.service_level import add_business_days

# The states in which a case waits for the program staff, oldest first.
QUEUE_STATES = [
    Status.SUBMITTED, Status.RECORDS_COMPLETE, Status.SPECIALIST_ASSIGNED, Status.IN_REVIEW,
    Status.OPINION_DELIVERED, Status.DECIDED, Status.FOLLOWING_UP,
]


def _deadline_views(today):
    """What needs the coordinator's eye, as (key, label, filter on cases)."""
    soon = add_business_days(today, settings.REMINDER_DAYS_BEFORE)
    accepted = Q(consultations__status=ConsultationStatus.ACCEPTED)
    running = accepted & Q(consultations__waiting_on_patient_since__isnull=True)
    return [
        ("overdue", "Overdue opinions", running & Q(consultations__due_date__lt=today)),
        ("due_soon", "Opinions due soon",
         running & Q(consultations__due_date__gte=today, consultations__due_date__lte=soon)),
        ("awaiting_answer", "Offers awaiting an answer",
         Q(consultations__status=ConsultationStatus.OFFERED)),
        ("waiting_on_patient", "Waiting on the patient",
         accepted & Q(consultations__waiting_on_patient_since__isnull=False)),
        ("waiting_on_records", "Waiting on records", Q(status=Status.SUBMITTED)),
    ]


@login_required
def work_queue(request):
    """Open cases by state, the longest-waiting first; above them, what is overdue, due
    soon, waiting for a specialist's answer or for the records."""
    if request.user.role != Role.COORDINATOR:
        raise Http404
    today = timezone.localdate()
    visible = cases_visible_to(request.user)
    deadline_views = _deadline_views(today)
    view = next((v for v in deadline_views if v[0] == request.GET.get("view")), None)
    status = request.GET.get("status") or Status.SUBMITTED
    if status not in Status.values:
        status = Status.SUBMITTED
    counts = dict(visible.values_list("status").annotate(n=Count("id")).order_by())
    open_consultations = Consultation.objects.filter(
        status__in=[ConsultationStatus.OFFERED, ConsultationStatus.ACCEPTED]
    ).select_related("specialist")
    chosen = visible.filter(view[2]) if view else visible.filter(status=status)
    cases = (
        chosen.distinct()
        .select_related("patient")
        .prefetch_related(Prefetch("consultations", queryset=open_consultations,
                                   to_attr="open_consultations"))
        .order_by("status_changed_at")
    )
    page = Paginator(cases, 25).get_page(request.GET.get("page"))
    record_case_list(request.user, page.object_list)
    tabs = [(s, Status(s).label, counts.get(s, 0)) for s in [*QUEUE_STATES, Status.DRAFT,
                                                              Status.CLOSED, Status.WITHDRAWN]]
    deadlines = [(key, label, visible.filter(condition).distinct().count())
                 for key, label, condition in deadline_views]
    return render(request, "program/queue.html", {
        "page": page, "status": "" if view else status,
        "status_label": view[1] if view else Status(status).label,
        "view": view[0] if view else "", "deadlines": deadlines,
        "tabs": tabs, "now": timezone.now(), "today": today,
    })

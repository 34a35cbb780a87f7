import csv
import io

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from consilium.cases.access import cases_visible_to, record_case_list
from consilium.cases.models import Status
from consilium.charts import bar_chart
from consilium.consultations import clock
from consilium.consultations.models import Consultation, ConsultationStatus

from .access import figure_readers_only, queue_workers_only
from .figures import program_figures

# The states in which a case waits for the program staff, oldest first.
QUEUE_STATES = [
    Status.SUBMITTED, Status.RECORDS_COMPLETE, Status.SPECIALIST_ASSIGNED, Status.IN_REVIEW,
    Status.OPINION_DELIVERED, Status.DECIDED, Status.FOLLOWING_UP,
]


def _deadline_views(today):
    """What needs the coordinator's eye, as (key, label, filter on cases)."""
    accepted = Q(consultations__status=ConsultationStatus.ACCEPTED)
    return [
        ("overdue", "Overdue opinions", clock.overdue(today, prefix="consultations__")),
        ("due_soon", "Opinions due soon", clock.due_soon(today, prefix="consultations__")),
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
    queue_workers_only(request.user)
    today = timezone.localdate()
    visible = cases_visible_to(request.user)
    deadline_views = _deadline_views(today)
    view = next((v for v in deadline_views if v[0] == request.GET.get("view")), None)
    status = request.GET.get("status") or Status.SUBMITTED
    if status not in Status.values:
        status = Status.SUBMITTED
    counts = dict(visible.values_list("status").annotate(n=Count("id")).order_by())
    open_consultations = clock.with_overdue(Consultation.objects.filter(
        status__in=[ConsultationStatus.OFFERED, ConsultationStatus.ACCEPTED]
    ).select_related("specialist"), today)
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


@login_required
def figures(request):
    """The program's figures: cases by state, turnaround against the service level,
    concordance, impact, third opinions, following the recommendation; by specialty and
    month."""
    figure_readers_only(request.user)
    found = program_figures()
    overall = found.overall
    return render(request, "program/figures.html", {
        "f": found,
        "state_chart": bar_chart("Cases by state", found.cases_by_state),
        "concordance_chart": bar_chart("Diagnoses compared with the first opinion", [
            ("Confirmed", overall.confirmed), ("Refined", overall.refined),
            ("Distinctly different", overall.different)]),
        "month_chart": bar_chart(
            "Share of opinions with a major impact, by month (%)",
            [(row.label, row.share("major") or 0) for row in found.by_month[-12:]],
            maximum=100, unit="%"),
    })


@login_required
def figures_csv(request):
    """The figures by specialty and by month, one row each, for a spreadsheet."""
    figure_readers_only(request.user)
    found = program_figures()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["group", "label", "opinions", "confirmed", "refined",
                     "distinctly_different", "treatment_changed", "major_impact",
                     "on_time", "with_due_date"])
    for group, rows in (("all", [found.overall]), ("specialty", found.by_specialty),
                        ("month", found.by_month)):
        for row in rows:
            writer.writerow([group, row.label, row.opinions, row.confirmed, row.refined,
                             row.different, row.treatment_changed, row.major, row.in_time,
                             row.timed])
    return HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="consilium-figures.csv"'})

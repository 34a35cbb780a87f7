import csv
import io
from functools import partial
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from consilium.cases.access import cases_visible_to, record_case_list
from consilium.cases.models import Status
from consilium.cases.queue_actions import coordinators
from consilium.charts import bar_chart
from consilium.crypto import Tampered
from consilium.errors import InvalidInput
from consilium.fields import seal, unseal
from consilium.forms import page_number

from .access import figure_readers_only, queue_workers_only
from .actions import do_delete_queue_filter, do_save_queue_filter
from .figures import program_figures
from .models import SavedFilter
from .operations import case_rows, operational_figures
from .queue import (
    ALL_STATES,
    DEFAULT_SORT,
    DUE,
    FILTERS,
    MAX_SEARCH,
    SORTS,
    URGENCY,
    QueueRow,
    apply_filters,
    counts,
    ordered,
    quick_filters,
    read_filters,
    rows_of,
    search,
    shown_count,
    specialties,
)

SEARCH_KEY = "queue_search"
SEARCH_LABEL = "session.queue_search"  # the sealed search's label (fields.seal)
PAGE_SIZE = 25
# The quick filters drawn in the "late" colour when they find any case.
ALERTING = ("overdue", "records_overdue")


def _filter_context(request) -> tuple[dict, list, list]:
    """The request's allow-listed filters, the specialties and the coordinators they name."""
    known, owners = specialties(), list(coordinators())
    source = request.POST if request.method == "POST" else request.GET
    return read_filters(source, known, {o.id for o in owners}), known, owners


def _search_term(request) -> str:
    """The search the coordinator posted, kept sealed in their session (never in a URL)."""
    sealed = request.session.get(SEARCH_KEY)
    if not sealed:
        return ""
    try:
        return unseal(sealed, SEARCH_LABEL)
    except Tampered:
        request.session.pop(SEARCH_KEY, None)
        return ""


def _queue_url(params: dict) -> str:
    """The queue's address with these filters, in one order (PostgreSQL's JSON keeps a saved
    view's keys in its own)."""
    ordered_params = {key: params[key] for key in (*FILTERS, "search") if key in params}
    if not ordered_params:
        return reverse("work_queue")
    return f"{reverse('work_queue')}?{urlencode(ordered_params)}"


def _post_search(request, chosen: dict):
    """Keep the search in the session, sealed, and show the queue with it: the words stay
    out of the address, the access log and the audit trail; the URL says only "search=1"."""
    term = " ".join(request.POST.get("q", "").split())[:MAX_SEARCH]
    if term:
        request.session[SEARCH_KEY] = seal(term, SEARCH_LABEL)
        return redirect(_queue_url({**chosen, "search": "1"}))
    request.session.pop(SEARCH_KEY, None)
    return redirect(_queue_url(chosen))


def _columns(sort: str) -> list[tuple[str, str, str, str]]:
    """Each sortable column: (key, label, aria-sort, the sort its header link asks for)."""
    current = sort or DEFAULT_SORT
    columns = []
    for key, how in SORTS.items():
        if current.lstrip("-") == key:
            descending = current.startswith("-")
            columns.append((key, how.label, "descending" if descending else "ascending",
                            key if descending else f"-{key}"))
        else:
            columns.append((key, how.label, "none", key))
    return columns


@login_required
def work_queue(request):
    """The open cases, filtered, searched and sorted as the coordinator asks; above them, how
    many cases each state and each quick filter holds (one query)."""
    queue_workers_only(request.user)
    user, today = request.user, timezone.localdate()
    chosen, known, owners = _filter_context(request)
    if request.method == "POST":
        return _post_search(request, chosen)
    term = _search_term(request) if request.GET.get("search") == "1" else ""
    visible, filters = cases_visible_to(user), quick_filters(today, user)
    cases = apply_filters(visible, chosen, today, filters)
    if term:
        cases = search(cases, term)
    cases = ordered(rows_of(cases), chosen.get("sort", ""))
    page = Paginator(cases, PAGE_SIZE).get_page(page_number(request.GET.get("page")))
    record_case_list(user, page.object_list)
    found = counts(visible, filters)
    kept = {k: v for k, v in chosen.items() if k != "sort"}
    return render(request, "program/queue.html", {
        "page": page, "rows": [QueueRow.of(case, today) for case in page.object_list],
        "chosen": chosen, "kept": kept, "state_label": Status(chosen["state"]).label
        if chosen.get("state") in Status.values else "", "search": term, "searching": bool(term),
        "columns": _columns(chosen.get("sort", "")),
        "states": [(s, Status(s).label, found[f"state_{s}"]) for s in ALL_STATES],
        "open_count": found["open"],
        # each quick filter: its count as shown, whether it is the one chosen, whether it
        # calls for attention (lateness found)
        "quick": [(f.key, f.label, f.param, f.value, shown_count(found[f"quick_{f.key}"]),
                   chosen.get(f.param) == f.value and len(kept) == 1,
                   f.key in ALERTING and found[f"quick_{f.key}"] > 0)
                  for f in filters],
        "specialties": known, "owners": owners, "due_choices": DUE.items(),
        "urgency_choices": URGENCY.items(),
        "saved": [(saved, _queue_url(saved.params))
                  for saved in SavedFilter.objects.filter(owner=user)],
        "now": timezone.now(), "today": today,
    })


@login_required
@require_POST
def queue_views(request):
    """Keep the queue's current filters under a name, or remove a kept view."""
    queue_workers_only(request.user)
    chosen, _, _ = _filter_context(request)
    if request.POST.get("intent") == "delete":
        do_delete_queue_filter(request.POST.get("filter"), acting_user=request.user)
        messages.success(request, "The saved view is removed.")
        return redirect("work_queue")
    try:
        saved = do_save_queue_filter(request.POST.get("name", ""), chosen,
                                     acting_user=request.user)
    except InvalidInput as error:
        messages.error(request, " ".join(error.errors.values()))
        return redirect(_queue_url(chosen))
    messages.success(request, f"Saved as “{saved.name}”.")
    return redirect(_queue_url(saved.params))


@login_required
def figures(request):
    """The program's figures: cases by state, turnaround against the service level,
    concordance, impact, third opinions, following the recommendation; by specialty and
    month."""
    figure_readers_only(request.user)
    found, ops = program_figures(), operational_figures()
    overall = found.overall
    # Each label above its bar, drawn narrow: a wide chart's labels shrank to 7 pixels on a
    # phone's screen.
    chart = partial(bar_chart, stacked=True)
    return render(request, "program/figures.html", {
        "f": found, "ops": ops,
        "match_chart": chart(
            "Median days from submission to a specialist accepting, by month submitted",
            [(row.label, row.median) for row in ops.match_by_month[-12:]], unit=" d"),
        "endings_chart": chart("How offers to specialists ended", ops.endings),
        "load_chart": chart(
            "Open consultations per specialist (accepted, not yet signed)",
            [(row.name, row.open) for row in ops.specialists[:12]]),
        "on_time_chart": chart(
            "Opinions signed on time, by specialty (%)",
            [(row.label, row.share("in_time")) for row in found.by_specialty[:12]],
            maximum=100, unit="%", missing="No due date recorded"),
        "state_chart": chart("Cases by state", found.cases_by_state),
        "concordance_chart": chart("Diagnoses compared with the first opinion", [
            ("Confirmed", overall.confirmed), ("Refined", overall.refined),
            ("Distinctly different", overall.different)]),
        "month_chart": chart(
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


class _Echo:
    """A file that hands back what is written to it, for csv.writer to stream through."""

    def write(self, value: str) -> str:
        return value


@login_required
def figures_cases_csv(request):
    """One row a case, streamed as it is read: the case's opaque reference, specialty, the
    date of each step and the days between them. No health data: no diagnosis, no names,
    no reasons in anyone's own words."""
    figure_readers_only(request.user)
    writer = csv.writer(_Echo())
    return StreamingHttpResponse(
        (writer.writerow(row) for row in case_rows()),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="consilium-cases.csv"'})

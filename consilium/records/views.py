from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from consilium.audit.trail import record_many
from consilium.cases.access import access_case_by_id
from consilium.errors import InvalidInput
from consilium.forms import form_status
from consilium.submissions.once import key_of

from . import imaging, packet, release, storage
from .access import (
    access_record_by_id,
    access_series_by_id,
    access_series_image,
    record_case_list_records,
    records_only,
    records_shown_to,
    series_shown_to,
)
from .actions import (
    Upload,
    do_add_records,
    do_remove_record,
    do_remove_upload,
    do_set_record_type,
)
from .api import deidentified_response, download_response, may_remove, only_dicom
from .checklist_actions import do_confirm_checklist_item, do_mark_checklist_item
from .export import deidentified_zip
from .holds import (
    do_confirm_record,
    do_confirm_upload,
    held_of_upload,
    may_settle_hold,
    upload_of,
)
from .models import EntryCategory, ImagingSeries, Preview, Record, RecordType
from .policy import policy

RECORDS_PAGE = 50
ENTRIES_PAGE = 100
# What the health history can be narrowed to, as the menu says it.
HISTORY_CATEGORIES = {
    EntryCategory.CONDITION: "Conditions", EntryCategory.MEDICATION: "Medicines",
    EntryCategory.ALLERGY: "Allergies", EntryCategory.LAB: "Lab results",
    EntryCategory.VITAL: "Vital signs", EntryCategory.OBSERVATION: "Other observations",
    EntryCategory.PROCEDURE: "Procedures", EntryCategory.REPORT: "Diagnostic reports",
    EntryCategory.IMMUNIZATION: "Immunizations", EntryCategory.DOCUMENT: "Documents",
}
# Pictures are health data: no cache keeps them (the viewer's script holds those it shows).
NO_STORE = "no-store"


@login_required
@require_http_methods(["GET", "POST"])
def record_list(request, case_id):
    """All of a case's records: search their names and text, filter by type, page. The search
    is posted (page number included): what is typed is health data and stays out of URLs."""
    case = access_case_by_id(request.user, case_id, action="case.records", check=records_only)
    if request.method == "GET" and ("q" in request.GET or "type" in request.GET):
        return redirect("case_records", case_id=case.id)  # an old address: drop the search
    search = request.POST if request.method == "POST" else request.GET  # GET: the page only
    query = request.POST.get("q", "").strip()[:200]
    record_type = request.POST.get("type", "")
    records = records_shown_to(request.user, case).select_related(
        "uploaded_by", "preview", "source").defer("text")
    if query:
        records = records.filter(Q(name__icontains=query) | Q(text__icontains=query))
    if record_type in RecordType.values:
        records = records.filter(record_type=record_type)
    page = Paginator(records, RECORDS_PAGE).get_page(search.get("page"))
    record_case_list_records(request.user, case, page.object_list)
    series = list(series_shown_to(request.user, case).select_related(
        "preview_record__preview"))
    return render(request, "records/list.html", {
        "case": case, "page": page, "query": query, "record_type": record_type,
        "record_types": RecordType.choices, "imaging_series": series,
        "burned_in": any(s.burned_in_annotation for s in series),
        "record_allowed": policy.allowed(request.user, case),
        "held_files": _held_files(request.user, case),
    })


def _held_files(user, case) -> list[tuple[Record, int]]:
    """The files of the case with more than one record on hold (the file and what was found
    in it), each with how many: the page offers to settle them at once, above the list (the
    file itself is the oldest row, at the end). Only for those who see held records."""
    if not policy.may(user, case, "see_held"):
        return []
    held = {r.id: r for r in Record.objects.filter(case=case, identity="held").only(
        "id", "source_id", "name", "case_id", "identity")}
    counts: dict = {}
    for record in held.values():
        root = record
        while root.source_id is not None:
            root = held.get(root.source_id) or Record.objects.only(
                "id", "source_id", "name", "case_id", "identity").get(id=root.source_id)
        counts[root] = counts.get(root, 0) + 1
    return sorted(((root, n) for root, n in counts.items() if n > 1),
                  key=lambda item: item[0].name)


@login_required
def record_preview(request, case_id, record_id):
    """A record's small picture (PDF first page, photo, a series' middle image)."""
    found = access_record_by_id(request.user, case_id, record_id, action="record.preview",
                                check=_has_preview)
    return _png_response(b"".join(storage.open_plaintext(Preview.objects.get(record=found))))


def _has_preview(found, user) -> None:
    if not Preview.objects.filter(record=found).exists():
        raise Http404("No picture of this record")


@login_required
def series_viewer(request, case_id, series_id):
    """Scroll through the images of one series."""
    series = access_series_by_id(request.user, case_id, series_id)
    total = sum(series.records.values_list("frames", flat=True))
    return render(request, "records/viewer.html", {
        "case": series.case, "series": series, "total": total,
    })


@login_required
def series_image(request, case_id, series_id, index):
    """Image ``index`` (from 0, across multi-frame files) of a series, as a PNG."""
    found, frame = access_series_image(request.user, case_id, series_id, index)
    with storage.plaintext_copy(found) as copy:
        try:
            png = imaging.dicom_png(copy, frame=frame if found.frames > 1 else None,
                                    size=imaging.VIEWER)
        except imaging.NoPicture as problem:
            raise Http404(str(problem)) from None
    return _png_response(png)


@login_required
def imaging_export(request, case_id, series_id=None):
    """The case's imaging (or one series) de-identified, as a zip streamed while it is made."""
    case = access_case_by_id(request.user, case_id, action="imaging.export", check=records_only)
    chosen = ImagingSeries.objects.in_use().filter(case=case, images__gt=0)
    if series_id is not None:
        chosen = chosen.filter(pk=series_id)
    series = list(chosen)
    if not series:
        raise Http404("No images to export")
    exported = list(Record.objects.in_use().filter(series__in=series).only("id"))
    record_many(request.user, "record.export_deidentified", exported,
                case_id_of=lambda _: case.id)
    name = "deidentified-imaging.zip" if series_id is None else "deidentified-series.zip"
    response = StreamingHttpResponse(deidentified_zip(series, case.id),
                                     content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def health_history(request, case_id):
    """Everything imported from the FHIR records, newest first, by kind."""
    case = access_case_by_id(request.user, case_id, action="case.health_history",
                             check=records_only)
    category = request.GET.get("category", "")
    entries = case.clinical_entries.in_use().exclude(category=EntryCategory.PATIENT)
    if category in EntryCategory.values:
        entries = entries.filter(category=category)
    page = Paginator(entries.order_by("-effective", "id"), ENTRIES_PAGE).get_page(
        request.GET.get("page"))
    categories = [(c, HISTORY_CATEGORIES[c]) for c in HISTORY_CATEGORIES]
    return render(request, "records/history.html", {
        "case": case, "page": page, "category": category, "categories": categories,
    })


def _png_response(png: bytes) -> HttpResponse:
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = NO_STORE
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def upload(request, case_id):
    """The page's upload form: many files or a folder; each is accepted or refused alone."""
    case = access_case_by_id(request.user, case_id)
    files = request.FILES.getlist("files")
    if not files:
        messages.error(request, "Choose at least one file.")
        return redirect("case_detail", case_id=case.id)
    try:
        outcomes = do_add_records(case, [Upload.of(f) for f in files], acting_user=request.user,
                                  key=key_of(request))
    except InvalidInput as refused:  # hostile input: nothing was stored
        return render(request, "error.html", {"message": " ".join(refused.errors.values()),
                                              "status": 422}, status=422)
    stored = sum(o.status == "stored" for o in outcomes)
    if stored:
        messages.success(request, f"{stored} file{'s' if stored != 1 else ''} added.")
    for outcome in outcomes:
        if outcome.status != "stored":
            level = messages.info if outcome.status == "duplicate" else messages.error
            level(request, f"{outcome.name}: {outcome.message}")
    return redirect("case_detail", case_id=case.id)


@login_required
def download(request, case_id, record_id):
    found = access_record_by_id(request.user, case_id, record_id, action="record.download")
    return download_response(found)


@login_required
@require_http_methods(["GET", "POST"])
def remove_upload(request, case_id, record_id):
    """Remove every held record of one file at once: the page asks first (how many, that it
    cannot be undone), a tick box says yes."""
    found = upload_of(access_record_by_id(request.user, case_id, record_id, check=may_remove))
    held = held_of_upload(found)
    if not held:
        raise Http404("No record from this file is on hold")
    if request.method == "POST":
        if request.POST.get("confirmed") != "yes":
            messages.error(request, "Tick the box to say you want to remove these records.")
            return redirect("record_remove_upload", case_id=case_id, record_id=found.id)
        do_remove_upload(found, acting_user=request.user)
        messages.success(request, f"{len(held)} records from {found.name} are removed.")
        return redirect("case_records", case_id=case_id)
    return render(request, "records/remove_upload.html", {
        "case": found.case, "record": found, "held": held})


@login_required
@require_POST
def confirm_upload(request, case_id, record_id):
    """Every held record of one file is the patient's: the page's tick box says it was
    checked."""
    found = access_record_by_id(request.user, case_id, record_id, action="record.confirm",
                                check=may_settle_hold)
    if request.POST.get("checked") != "yes":
        messages.error(request, "Tick the box to say you checked these files are the "
                                "patient's.")
    else:
        confirmed = do_confirm_upload(found, acting_user=request.user)
        messages.success(request, f"The {len(confirmed)} records from this file are no longer "
                                  "on hold: they are used like the others.")
    return redirect("case_records", case_id=case_id)


@login_required
@require_http_methods(["GET", "POST"])
def remove(request, case_id, record_id):
    """Remove a record: the page asks first (what goes, that it cannot be undone), a tick box
    says yes."""
    found = access_record_by_id(request.user, case_id, record_id, check=may_remove)
    if request.method == "POST":
        if request.POST.get("confirmed") != "yes":
            messages.error(request, "Tick the box to say you want to remove the file.")
            return redirect("record_remove", case_id=case_id, record_id=found.id)
        do_remove_record(found, acting_user=request.user)
        messages.success(request, f"{found.name} is removed.")
        return redirect("case_records", case_id=case_id)
    return render(request, "records/remove.html", {
        "case": found.case, "record": found,
        "found_in_it": Record.objects.filter(source=found).count()})


@login_required
@require_POST
def set_type(request, case_id, record_id):
    found = access_record_by_id(request.user, case_id, record_id)
    try:  # RecordTypeIn checks the choice, in the words the page shows
        do_set_record_type(found, request.POST.get("record_type", ""), acting_user=request.user)
    except InvalidInput as refused:
        messages.error(request, refused.errors["record_type"])
    else:
        messages.success(request, "The record's type is changed.")
    return redirect("case_detail", case_id=case_id)


@login_required
@require_POST
def confirm(request, case_id, record_id):
    """A record on hold is the patient's after all: the page's tick box says it was checked."""
    found = access_record_by_id(request.user, case_id, record_id, action="record.confirm",
                                check=may_settle_hold)
    if request.POST.get("checked") != "yes":
        messages.error(request, "Tick the box to say you checked the file is the patient's.")
    else:
        do_confirm_record(found, acting_user=request.user)
        messages.success(request, "The record is no longer on hold: it is used like the others.")
    return redirect("case_records", case_id=case_id)


@login_required
@require_POST
def checklist_mark(request, case_id):
    """The checklist's buttons on the case page: the patient marks an item (sent another
    way, not had, or back to as the records show it); a coordinator confirms a mark."""
    confirming = request.POST.get("confirm") == "yes"
    case = access_case_by_id(request.user, case_id, action="case.checklist_mark",
                             check=policy.checker("confirm_checklist" if confirming
                                                  else "mark_checklist"))
    key = request.POST.get("key", "")
    try:
        if confirming:
            do_confirm_checklist_item(case, key, acting_user=request.user)
            messages.success(request, "The mark on the checklist is confirmed.")
        else:
            do_mark_checklist_item(case, key, request.POST.get("mark", ""),
                                   acting_user=request.user)
            messages.success(request, "The checklist is changed.")
    except InvalidInput as refused:
        messages.error(request, " ".join(refused.errors.values()))
    return redirect(f"{reverse('case_detail', args=[case.id])}#records-heading")


@login_required
def deidentified(request, case_id, record_id):
    found = access_record_by_id(request.user, case_id, record_id,
                                action="record.export_deidentified", check=only_dicom)
    return deidentified_response(found)


class ReleaseForm(forms.Form):
    provider = forms.CharField(label="Provider to ask (doctor, hospital or practice)",
                               max_length=200)
    provider_address = forms.CharField(label="Their address (optional)", required=False,
                                       widget=forms.Textarea(attrs={"rows": 3}))
    expires = forms.DateField(label="Valid until",
                              widget=forms.DateInput(attrs={"type": "date"}))


@login_required
def release_request(request, case_id):
    """A form, then the signed-to-be PDF asking the first provider for the records."""
    case = access_case_by_id(request.user, case_id, action="case.release_request",
                             check=policy.checker("request_release"))
    defaults = release.default_request(case)
    form = ReleaseForm(request.POST or None, initial=vars(defaults))
    if request.method == "POST" and form.is_valid():
        pdf = release.render_pdf(case, release.ReleaseRequest(**form.cleaned_data))
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="records-release-request.pdf"'
        return response
    return render(request, "records/release_form.html",
                  {"case": case, "form": form, "missing": release.missing_items(case)},
                  status=form_status(form))


@login_required
def case_packet(request, case_id):
    """One PDF for the specialist: the case, the summary, the index and the PDF records."""
    case = access_case_by_id(request.user, case_id, action="case.packet", check=records_only)
    return FileResponse(packet.build(case, request.user), as_attachment=True,
                        filename=f"case-{case.short_id}-packet.pdf",
                        content_type="application/pdf")

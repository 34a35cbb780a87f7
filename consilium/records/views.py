from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from consilium.cases.access import access_case_by_id
from consilium.errors import NotAllowed
from consilium.forms import form_status

from . import packet, release
from .access import access_record_by_id
from .actions import Upload, do_add_records, do_set_record_type
from .api import deidentified_response, download_response


@login_required
@require_POST
def upload(request, case_id):
    """The page's upload form: many files or a folder; each is accepted or refused alone."""
    case = access_case_by_id(request.user, case_id)
    files = request.FILES.getlist("files")
    if not files:
        messages.error(request, "Choose at least one file.")
        return redirect("case_detail", case_id=case.id)
    outcomes = do_add_records(case, [Upload(f.name, f.file, f.size) for f in files],
                              acting_user=request.user)
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
@require_POST
def set_type(request, case_id, record_id):
    found = access_record_by_id(request.user, case_id, record_id)
    do_set_record_type(found, request.POST.get("record_type", ""), acting_user=request.user)
    messages.success(request, "The record's type is changed.")
    return redirect("case_detail", case_id=case_id)


@login_required
def deidentified(request, case_id, record_id):
    found = access_record_by_id(request.user, case_id, record_id,
                                action="record.export_deidentified")
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
    case = access_case_by_id(request.user, case_id, action="case.release_request")
    if case.patient_id != request.user.id:
        raise NotAllowed("Only the patient can authorize the release of their records.")
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
    case = access_case_by_id(request.user, case_id, action="case.packet")
    return FileResponse(packet.build(case, request.user), as_attachment=True,
                        filename=f"case-{case.short_id}-packet.pdf",
                        content_type="application/pdf")

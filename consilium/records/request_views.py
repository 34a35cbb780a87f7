"""The pages of the requests for records to providers (records.RecordsRequest): the case's
list, the form to write one down or correct it, the buttons that mark it sent, reminded,
received (with the upload that brought the records) or cancelled, and its release letter."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from consilium.cases.access import access_case_by_id
from consilium.errors import Conflict, InvalidInput
from consilium.forms import SchemaMultipleChoiceField, add_action_errors, page_number
from consilium.submissions.once import key_of

from . import release
from .access import access_request_by_id, requests_in_order
from .checklist import case_checklist
from .models import STATE_LABELS
from .policy import policy
from .request_actions import (
    default_due,
    do_cancel_request,
    do_change_request,
    do_close_request,
    do_mark_request_sent,
    do_remind_request,
    do_request_records,
    uploads_of,
)

REQUESTS_PAGE = 20
UPLOAD_CHOICES = 50  # the newest files offered as what brought the records


class RequestForm(forms.Form):
    """Shows the fields; RecordsRequestIn (the action's schema) checks them."""

    provider_name = forms.CharField(label="Provider (doctor, hospital, practice or lab)",
                                    required=False)
    provider_address = forms.CharField(label="Postal address (optional)", required=False,
                                       widget=forms.Textarea(attrs={"rows": 3}))
    provider_phone = forms.CharField(label="Phone (optional)", required=False)
    provider_fax = forms.CharField(label="Fax (optional)", required=False)
    provider_email = forms.CharField(label="Email (optional)", required=False,
                                     widget=forms.EmailInput)
    asked_items = SchemaMultipleChoiceField(label="What to ask for, from the checklist",
                                            required=False,
                                            widget=forms.CheckboxSelectMultiple)
    asked_text = forms.CharField(
        label="Anything else to ask for (optional)", required=False,
        help_text="One thing a line, for example: CT scan of the chest, March 2026, with "
                  "the images.", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, checklist=(), **kwargs):
        super().__init__(*args, **kwargs)
        asked = self.fields["asked_items"]
        assert isinstance(asked, SchemaMultipleChoiceField)
        asked.choices = [
            (item["key"], item["label"] + ("" if not item["done"] else " (already in the "
                                           "records)")) for item in checklist]
        for name in ("provider_name", "provider_phone", "provider_fax", "provider_email"):
            self.fields[name].widget.attrs["autocomplete"] = "off"


def _suggested_upload(uploads, records_request):
    """The newest file added since the request was sent: most likely what it brought."""
    since = records_request.sent_on
    return next((u for u in uploads if since and timezone.localdate(u.uploaded_at) >= since),
                None)


def _list_context(request, case, problem: str = "", problem_request=None) -> dict:
    today = timezone.localdate()
    page = Paginator(requests_in_order(case), REQUESTS_PAGE).get_page(
        page_number(request.GET.get("page")))
    allowed = policy.allowed(request.user, case)
    uploads = (list(uploads_of(case).only("id", "name", "uploaded_at", "case_id")
                    [:UPLOAD_CHOICES]) if "manage_requests" in allowed else [])
    rows = [{"request": r, "state": r.state(today), "state_label": STATE_LABELS[r.state(today)],
             "asked": r.asked_labels(), "suggested": _suggested_upload(uploads, r)}
            for r in _with_case(page.object_list, case)]
    return {"case": case, "page": page, "rows": rows, "record_allowed": allowed,
            "uploads": uploads, "today": today, "default_due": default_due(today),
            "problem": problem, "problem_request": problem_request}


def _with_case(requests, case):
    for r in requests:
        r.case = case  # the labels of the items asked are in the case's checklist
        yield r


@login_required
def records_requests(request, case_id):
    """The case's requests for records: who is asked for what, and where each stands."""
    case = access_case_by_id(request.user, case_id, action="case.records_requests",
                             check=policy.checker("see_requests"))
    return render(request, "records/requests.html", _list_context(request, case))


@login_required
@require_http_methods(["GET", "POST"])
def records_request_new(request, case_id):
    """Write down a provider to ask and what to ask them (the checklist's missing items
    ticked to start with)."""
    case = access_case_by_id(request.user, case_id, action="case.records_request_new",
                             check=policy.checker("add_request"))
    checklist = case_checklist(case) if case.checklist else []
    missing = [item["key"] for item in checklist if not item["done"]]
    form = RequestForm(request.POST or None, checklist=checklist,
                       initial={"asked_items": missing})
    if request.method == "POST" and form.is_valid():
        try:
            do_request_records(case, form.cleaned_data, acting_user=request.user,
                               key=key_of(request))
        except InvalidInput as refused:
            add_action_errors(form, refused)
        else:
            messages.success(request, "The request is written down. A coordinator sends it "
                                      "with the release letter for the patient to sign.")
            return redirect("records_requests", case_id=case.id)
    return render(request, "records/request_form.html",
                  {"case": case, "form": form, "adding": True},
                  status=422 if form.is_bound else 200)


@login_required
@require_http_methods(["GET", "POST"])
def records_request_edit(request, case_id, request_id):
    """Correct who is asked or what, while the request is open."""
    found = access_request_by_id(request.user, case_id, request_id,
                                 action="records_request.edit",
                                 check=policy.checker("manage_requests"))
    case = found.case
    if not found.is_open:
        raise Conflict("This request is closed; it can no longer change.")
    checklist = case_checklist(case) if case.checklist else []
    initial = {name: getattr(found, name) for name in RequestForm.base_fields}
    form = RequestForm(request.POST or None, checklist=checklist, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            do_change_request(found, form.cleaned_data, acting_user=request.user)
        except InvalidInput as refused:
            add_action_errors(form, refused)
        except Conflict as stale:
            messages.error(request, stale.message)
            return redirect("records_requests", case_id=case.id)
        else:
            messages.success(request, "The request is changed.")
            return redirect("records_requests", case_id=case.id)
    return render(request, "records/request_form.html",
                  {"case": case, "form": form, "records_request": found},
                  status=422 if form.is_bound else 200)


def _managed(request, case_id, request_id, action):
    return access_request_by_id(request.user, case_id, request_id, action=action,
                                check=policy.checker("manage_requests"))


def _step(request, found, do, done: str):
    """Take one step of a request from its row: done, back to the list with a message; bad
    input, the list again with the message (422), nothing changed; a request that moved on
    meanwhile (a second click, another coordinator), back to the list saying so."""
    try:
        do()
    except InvalidInput as refused:
        problem = " ".join(refused.errors.values())
        return render(request, "records/requests.html",
                      _list_context(request, found.case, problem, found.id), status=422)
    except Conflict as stale:
        messages.error(request, stale.message)
    else:
        messages.success(request, done)
    return redirect("records_requests", case_id=found.case.id)


@login_required
@require_POST
def records_request_sent(request, case_id, request_id):
    found = _managed(request, case_id, request_id, "records_request.send")
    data = {"sent_on": request.POST.get("sent_on", ""), "due_on": request.POST.get("due_on", "")}
    return _step(request, found, lambda: do_mark_request_sent(found, data,
                                                              acting_user=request.user),
                 "The request is marked sent.")


@login_required
@require_POST
def records_request_remind(request, case_id, request_id):
    found = _managed(request, case_id, request_id, "records_request.remind")
    return _step(request, found, lambda: do_remind_request(found, acting_user=request.user),
                 "The reminder is noted.")


@login_required
@require_POST
def records_request_received(request, case_id, request_id):
    found = _managed(request, case_id, request_id, "records_request.receive")
    data = {"received_on": request.POST.get("received_on", "")}
    return _step(request, found, lambda: do_close_request(
        found, data, record=request.POST.get("record", ""), acting_user=request.user),
        "The request is closed: the records are received.")


@login_required
@require_http_methods(["GET", "POST"])
def records_request_cancel(request, case_id, request_id):
    """Cancel a request: the page asks first, a tick box says yes."""
    found = _managed(request, case_id, request_id, "records_request.cancel")
    if not found.is_open:
        raise Conflict("This request is closed already.")
    if request.method == "POST":
        if request.POST.get("confirmed") != "yes":
            messages.error(request, "Tick the box to say you want to cancel the request.")
            return redirect("records_request_cancel", case_id=found.case.id,
                            request_id=found.id)
        return _step(request, found, lambda: do_cancel_request(found, acting_user=request.user),
                     "The request is cancelled.")
    return render(request, "records/request_cancel.html",
                  {"case": found.case, "records_request": found})


@login_required
def records_request_letter(request, case_id, request_id):
    """The release letter of one request, as a PDF for the patient to sign: to its provider,
    asking what the request asks."""
    found = access_request_by_id(request.user, case_id, request_id,
                                 action="records_request.letter")
    pdf = release.render_pdf(found.case, release.of_records_request(found))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="records-request-{str(found.id)[:8]}.pdf"')
    return response


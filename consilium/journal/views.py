from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone

from consilium.audit.trail import record
from consilium.cases.access import access_case_by_id, is_case_owner, patients_own
from consilium.errors import InvalidInput
from consilium.submissions.once import key_of

from .actions import do_add_note
from .forms import NoteForm


@dataclass
class Item:
    at: datetime
    text: str
    note: bool  # the patient's own words, or an event of the case
    who: str = ""


def _journal(user, case) -> list[Item]:
    """The case's events and the patient's notes, in time order; the patient's own page."""
    if not is_case_owner(user, case):
        raise Http404("The journal is the patient's own")
    items = [Item(e.at, e.describe() + (f" ({e.note})" if e.note else ""), False,
                  e.actor_role.replace("_", " "))
             for e in case.events.all()]
    notes = list(case.journal_notes.all())
    items += [Item(n.written_at, n.text, True) for n in notes]
    record(user, "journal.view", case, case_id=case.id)
    return sorted(items, key=lambda i: i.at)


@login_required
def journal(request, case_id):
    case = access_case_by_id(request.user, case_id, check=patients_own)
    form = NoteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                do_add_note(case, form.cleaned_data["text"], acting_user=request.user,
                            key=key_of(request))
            except InvalidInput as error:
                form.add_error("text", error.errors["text"])
            else:
                messages.success(request, "Added to your journal.")
                return redirect("journal", case_id=case.id)
        status = 422
    return render(request, "journal/journal.html", {
        "case": case, "items": _journal(request.user, case), "form": form}, status=status)


@login_required
def journal_pdf(request, case_id):
    from weasyprint import HTML  # imported here: loading Pango costs time at start-up

    case = access_case_by_id(request.user, case_id, check=patients_own)
    html = render_to_string("journal/journal_pdf.html", {
        "case": case, "items": _journal(request.user, case), "printed": timezone.localtime()})
    return HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="journal-{case.short_id}.pdf"'})

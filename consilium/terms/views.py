"""The administrators' page of the program's settings, ``/program/settings/``: the terms in
force as a form, a confirmation of what would change, and the history of changes. Everyone
else is answered 404, as for the other administrators' pages. Changes go through
``do_change_program_settings`` (actions.py), which decides what is acceptable."""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render

from consilium.errors import DomainError, InvalidInput
from consilium.forms import add_action_errors, form_status, page_number

from .access import NUMBERS, Terms, current, history
from .actions import (
    LIMITS,
    MOST_REASON,
    NOTHING_CHANGES,
    changes,
    do_change_program_settings,
    validated,
)
from .models import ProgramSettings
from .policy import changes_terms

HISTORY_PAGE = 20


def _number(label: str, name: str, help_text: str) -> forms.CharField:
    low, high = LIMITS[name]
    return forms.CharField(label=label, help_text=help_text, widget=forms.NumberInput(
        attrs={"min": low, "max": high, "class": "short"}))


class SettingsForm(forms.Form):
    """The questions, as text; the action checks the limits and says what is wrong."""

    service_level_days = _number(
        "Business days to write the opinion", "service_level_days",
        "Counted from the day a case's records are complete to the day its written opinion is "
        "due. Business days are Monday to Friday, except the holidays below. From 1 to 60.")
    offer_answer_days = _number(
        "Business days to answer an offer", "offer_answer_days",
        "How long a specialist has to accept or decline a case offered to them; after that "
        "the offer expires and the coordinators are told. From 1 to 20.")
    reminder_days_before = _number(
        "Reminder before the opinion is due, in business days", "reminder_days_before",
        "The specialist is reminded this many business days before the due date (0: on the "
        "day itself). Fewer than the business days to write the opinion.")
    task_reminder_days = _number(
        "Reminder before a follow-up task is due, in days", "task_reminder_days",
        "Calendar days before a task of a patient's follow-up plan is due that its reminder "
        "goes out (0: on the day itself). From 0 to 60.")
    follow_up_questions = _number(
        "Follow-up questions a patient may ask", "follow_up_questions",
        "Once the opinion is delivered, the patient may ask its specialist this many "
        "questions (0: none). From 0 to 20.")
    records_request_days = _number(
        "Days a provider has to send requested records", "records_request_days",
        "A request for records to a hospital or doctor is due this many calendar days after "
        "it is sent, unless the coordinator gives another day. From 1 to 90.")
    holidays = forms.CharField(
        label="Holidays", required=False,
        help_text="Days the program is closed, one per line, written year-month-day "
                  "(for example 2026-12-25). They do not count as business days. Weekends "
                  "never count, so there is no need to list them.",
        widget=forms.Textarea(attrs={"rows": 6, "class": "dates"}))
    reason = forms.CharField(
        label="Why the change", required=False,
        help_text="Kept in the history below, with your name. Describe the program's reason, "
                  "never a patient.",
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": MOST_REASON}))
    # The change the administrator saw (0: the defaults); see do_change_program_settings.
    based_on = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def values(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in NUMBERS} | {
            "holidays": data["holidays"].splitlines()}


def _initial(terms: Terms) -> dict:
    return {name: getattr(terms, name) for name in NUMBERS} | {
        "holidays": "\n".join(terms.values()["holidays"]),
        "based_on": terms.changed.id if terms.changed else 0}


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


LABELS = {
    "service_level_days": ("Business days to write the opinion", "business day"),
    "offer_answer_days": ("Business days to answer an offer", "business day"),
    "reminder_days_before": ("Reminder before the opinion is due", "business day"),
    "task_reminder_days": ("Reminder before a follow-up task is due", "day"),
    "follow_up_questions": ("Follow-up questions a patient may ask", "question"),
    "records_request_days": ("Days a provider has to send requested records", "day"),
    "holidays": ("Holidays", ""),
}


def _shown(name: str, value) -> str:
    if name == "holidays":
        return ", ".join(value) if value else "none"
    unit = LABELS[name][1]
    return f"{value} {unit}{'' if value == 1 else 's'}"


def _holiday_change(before: list, after: list) -> Change:
    added = [day for day in after if day not in before]
    removed = [day for day in before if day not in after]
    parts = ([f"added {', '.join(added)}"] if added else []) + (
        [f"removed {', '.join(removed)}"] if removed else [])
    return Change("Holidays", _shown("holidays", before), "; ".join(parts))


def described(changed: dict) -> list[Change]:
    """The changes {name: (before, after)} in words, in the form's order."""
    return [_holiday_change(*changed[name]) if name == "holidays" else
            Change(LABELS[name][0], _shown(name, changed[name][0]),
                   _shown(name, changed[name][1]))
            for name in LABELS if name in changed]


def _row_changes(row: ProgramSettings) -> list[Change]:
    return described({name: (old, getattr(row, name)) for name, old in row.previous.items()})


def _admin_only(request) -> None:
    if not changes_terms(request.user):
        raise Http404


def program_settings(request):
    _admin_only(request)
    terms = current()
    form = SettingsForm(request.POST or None, initial=_initial(terms))
    if request.method != "POST" or not form.is_valid() or request.POST.get("intent") == "edit":
        return _page(request, form, terms)
    try:
        if request.POST.get("intent") == "confirm":
            do_change_program_settings(form.values(), form.cleaned_data["reason"],
                                       based_on=form.cleaned_data["based_on"],
                                       acting_user=request.user)
            messages.success(request, "The new settings are in force. Dates worked out from "
                                      "now on use them; due dates already set stay.")
            return redirect("program_settings")
        return _review(request, form, terms)
    except DomainError as error:
        if error.status_code == 409:
            form = _based_on_newest(request, terms)
        add_action_errors(form, error)
        return _page(request, form, terms, status=error.status_code)


def _review(request, form, terms: Terms):
    """The confirmation: what would change, the values carried in hidden fields."""
    clean, reason = validated(form.values(), form.cleaned_data["reason"])
    changed = changes(terms.values(), clean)
    if not changed:
        raise InvalidInput({"reason": NOTHING_CHANGES})
    carried = {**clean, "holidays": "\n".join(clean["holidays"]), "reason": reason,
               "based_on": form.cleaned_data["based_on"]}
    return render(request, "terms/confirm.html", {
        "changes": described(changed), "reason": reason, "carried": carried.items(),
        "follow_ups_changed": "follow_up_questions" in changed})


def _based_on_newest(request, terms: Terms) -> SettingsForm:
    """The administrator's values again, now measured against the change in force (another
    administrator's, made while they reviewed theirs)."""
    data = request.POST.copy()
    data["based_on"] = str(terms.changed.id if terms.changed else 0)
    form = SettingsForm(data)
    form.is_valid()
    return form


def _page(request, form, terms: Terms, status: int | None = None):
    rows = Paginator(history(), HISTORY_PAGE).get_page(page_number(request.GET.get("page")))
    return render(request, "terms/settings.html", {
        "form": form, "terms": terms, "page": rows,
        "history": [(row, _row_changes(row)) for row in rows]},
        status=status or form_status(form))

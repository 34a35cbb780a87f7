from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from consilium.consultations.access import access_consultation_by_id
from consilium.errors import DomainError, InvalidInput
from consilium.forms import add_action_errors, form_status
from consilium.submissions.once import key_of

from . import actions
from .access import access_appointment_by_id
from .calendar import invitation
from .forms import AppointmentForm
from .policy import new_appointment, policy


def _submitted(request, form, action, target, **keyed) -> bool:
    """Run ``action`` on a valid POSTed form; put its refusals on the form."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        action(target, form.to_action_data(), acting_user=request.user, **keyed)
    except InvalidInput as error:
        for field, message in error.errors.items():
            form.add_error_for(field, message)
    except DomainError as error:
        add_action_errors(form, error)
    else:
        return True
    return False


def _may_arrange(consultation, user) -> None:
    policy.check(user, new_appointment(consultation), "arrange")


def _back(case_id):
    return redirect(f"/cases/{case_id}/#appointments-heading")


@login_required
def schedule(request, consultation_id):
    """The coordinator or the specialist makes an appointment; everyone gets an invitation."""
    consultation = access_consultation_by_id(request.user, consultation_id,
                                             check=_may_arrange)
    form = AppointmentForm(request.POST or None, initial={
        "time_zone": AppointmentForm.zone_for(consultation, request.user)})
    if _submitted(request, form, actions.do_schedule_appointment, consultation,
                  key=key_of(request)):
        messages.success(request, "The appointment is made; everyone taking part was "
                                  "sent a calendar invitation.")
        return _back(consultation.case_id)
    return render(request, "appointments/form.html",
                  {"form": form, "case": consultation.case, "appointment": None},
                  status=form_status(form))


@login_required
def reschedule(request, appointment_id):
    appointment = access_appointment_by_id(request.user, appointment_id,
                                           check=policy.checker("reschedule"))
    form = AppointmentForm(request.POST or None,
                           initial=AppointmentForm.initial_from(appointment))
    if _submitted(request, form, actions.do_reschedule_appointment, appointment):
        messages.success(request, "The appointment is moved; everyone was sent the new "
                                  "time.")
        return _back(appointment.consultation.case_id)
    return render(request, "appointments/form.html",
                  {"form": form, "case": appointment.consultation.case,
                   "appointment": appointment}, status=form_status(form))


@login_required
def cancel(request, appointment_id):
    """Confirm, then cancel: everyone's calendar gets the cancellation."""
    appointment = access_appointment_by_id(request.user, appointment_id,
                                           check=policy.checker("cancel"))
    if request.method == "POST":
        actions.do_cancel_appointment(appointment, acting_user=request.user)
        messages.success(request, "The appointment is cancelled; everyone was told.")
        return _back(appointment.consultation.case_id)
    return render(request, "appointments/cancel.html", {"appointment": appointment,
                                                        "case": appointment.consultation.case})


@login_required
def calendar_file(request, appointment_id):
    """The signed-in participant's own invitation, with the specialist's name and address."""
    appointment = access_appointment_by_id(request.user, appointment_id)
    return HttpResponse(invitation(appointment, request.user, detailed=True),
                        content_type="text/calendar; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="appointment.ics"'})

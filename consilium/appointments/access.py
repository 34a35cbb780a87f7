"""Who may see an appointment: whoever may see its case (the read is recorded)."""

from django.http import Http404

from consilium.audit.trail import record, record_refused
from consilium.cases.access import cases_visible_to

from .models import Appointment


def access_appointment_by_id(user, appointment_id) -> Appointment:
    appointment = Appointment.objects.select_related(
        "consultation__case", "consultation__specialist", "created_by").filter(
        id=appointment_id, consultation__case__in=cases_visible_to(user)).first()
    if appointment is None:
        record_refused(user, "appointment.view", Appointment, appointment_id)
        raise Http404("No such appointment")
    record(user, "appointment.view", appointment, case_id=appointment.consultation.case_id)
    return appointment


def appointments_of(case) -> list[Appointment]:
    """The case's appointments, soonest first (read with the case, already recorded)."""
    return list(Appointment.objects.filter(consultation__case=case).select_related(
        "consultation__specialist"))

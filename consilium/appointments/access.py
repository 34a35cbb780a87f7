"""Who may see an appointment: whoever may see its case (the read is recorded)."""

from django.http import Http404

from consilium.audit.trail import record, record_refused
from consilium.cases.access import cases_visible_to
from consilium.errors import DomainError

from .models import Appointment


def access_appointment_by_id(user, appointment_id, *, check=None) -> Appointment:
    """The appointment, its read recorded; ``check(appointment, user)`` is the page's own
    rule: when it raises a DomainError or Http404, the refusal is recorded instead."""
    appointment = Appointment.objects.select_related(
        "consultation__case", "consultation__specialist", "created_by").filter(
        id=appointment_id, consultation__case__in=cases_visible_to(user)).first()
    if appointment is None:
        record_refused(user, "appointment.view", Appointment, appointment_id)
        raise Http404("No such appointment")
    if check is not None:
        try:
            check(appointment, user)
        except (DomainError, Http404):
            record_refused(user, "appointment.view", Appointment, appointment.pk,
                           case_id=appointment.consultation.case_id)
            raise
    record(user, "appointment.view", appointment, case_id=appointment.consultation.case_id)
    return appointment


def appointments_of(case) -> list[Appointment]:
    """The case's appointments, soonest first (read with the case, already recorded)."""
    return list(Appointment.objects.filter(consultation__case=case).select_related(
        "consultation__case", "consultation__specialist"))

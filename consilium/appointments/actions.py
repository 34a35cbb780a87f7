"""Making, moving and cancelling appointments; every participant gets a calendar invitation.

The coordinators and the consultation's specialist arrange appointments while the
consultation is accepted or after the opinion (to talk it through). Participants: the
patient, their caregivers, the specialist, and the coordinator who arranged it.
"""

import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from consilium.accounts.models import Role
from consilium.audit.trail import record
from consilium.cases.actions import add_event
from consilium.cases.models import EventKind
from consilium.consultations.models import Consultation, ConsultationStatus
from consilium.errors import Conflict, InvalidInput, NotAllowed
from consilium.submissions.once import Once

from .models import Appointment, Kind
from .tasks import send_invitations

OPEN_FOR = (ConsultationStatus.ACCEPTED, ConsultationStatus.COMPLETED)
MINUTES = (15, 30, 45, 60, 90)


def may_arrange(consultation: Consultation, user) -> None:
    if user.role == Role.COORDINATOR or consultation.specialist.user_id == user.id:
        return
    raise NotAllowed("Appointments are arranged by the coordinators or the specialist.")


def participants(appointment: Appointment) -> list:
    """Everyone invited: the patient, caregivers the case is shared with, the specialist and
    the coordinator who arranged it."""
    case = appointment.consultation.case
    ids = {case.patient_id, appointment.consultation.specialist.user_id}
    ids |= set(case.shares.filter(revoked_at__isnull=True, grantee__role=Role.CAREGIVER)
               .values_list("grantee_id", flat=True))
    if appointment.created_by.role == Role.COORDINATOR:
        ids.add(appointment.created_by_id)
    return list(get_user_model().objects.filter(id__in=ids - {None}, is_active=True))


def _clean(data: dict) -> dict:
    """Check a form's or client's fields; the start is read in the given time zone."""
    errors = {}
    kind = data.get("kind") or ""
    if kind not in Kind.values:
        errors["kind"] = "Choose a video call or an appointment in person."
    elif kind == Kind.VIDEO and not settings.VIDEO_URL_TEMPLATE:
        errors["kind"] = "This program has no video service set up; choose in person."
    zone_name = data.get("time_zone") or ""
    try:
        zone = ZoneInfo(zone_name) if zone_name in available_timezones() else None
    except ZoneInfoNotFoundError:
        zone = None
    if zone is None:
        errors["time_zone"] = "Choose a time zone from the list."
    start = data.get("starts_at")
    if isinstance(start, str):
        try:
            start = datetime.fromisoformat(start)
        except ValueError:
            start = None
    if not isinstance(start, datetime):
        errors["starts_at"] = "Give the date and time the appointment starts."
    elif zone is not None:
        start = start.replace(tzinfo=zone) if timezone.is_naive(start) else start
        if start <= timezone.now():
            errors["starts_at"] = "Choose a time in the future."
        elif start > timezone.now() + timedelta(days=365):
            errors["starts_at"] = "Choose a time within the next year."
    minutes = data.get("minutes")
    if minutes not in MINUTES:
        errors["minutes"] = "Choose how long: " + ", ".join(map(str, MINUTES)) + " minutes."
    place = (data.get("place") or "").strip()
    if kind == Kind.IN_PERSON and not place:
        errors["place"] = "Give the address where the patient should come."
    if len(place) > 500:
        errors["place"] = "Keep the address under 500 characters."
    if errors:
        raise InvalidInput(errors)
    return {"kind": kind, "starts_at": start, "time_zone": zone_name, "minutes": minutes,
            "place": place if kind == Kind.IN_PERSON else ""}


def do_schedule_appointment(consultation: Consultation, data: dict, *, acting_user,
                            key: str = "") -> Appointment:
    """Make an appointment and send everyone the invitation. ``key``: the request's
    one-time key (the same key again returns the first appointment, sent once)."""
    once = Once(acting_user, key, Appointment)
    if (done := once.done()) is not None:
        return done
    may_arrange(consultation, acting_user)
    fields = _clean(data)
    if consultation.status not in OPEN_FOR:
        raise Conflict("Appointments can be made once the specialist has accepted the case.")
    with transaction.atomic():
        if (done := once.earlier()) is not None:
            return done
        appointment = Appointment.objects.create(
            consultation=consultation, created_by=acting_user,
            room=secrets.token_urlsafe(12), **fields)
        once.made(appointment)
        add_event(consultation.case, EventKind.APPOINTMENT, acting_user)
        record(acting_user, "appointment.create", appointment,
               case_id=consultation.case_id)
    _invite(appointment)
    return appointment


def do_reschedule_appointment(appointment: Appointment, data: dict, *, acting_user
                              ) -> Appointment:
    may_arrange(appointment.consultation, acting_user)
    fields = _clean(data)
    if appointment.is_cancelled:
        raise Conflict("This appointment was cancelled; make a new one instead.")
    with transaction.atomic():
        for name, value in fields.items():
            setattr(appointment, name, value)
        appointment.sequence += 1
        appointment.save()
        add_event(appointment.consultation.case, EventKind.RESCHEDULED, acting_user)
        record(acting_user, "appointment.update", appointment,
               case_id=appointment.consultation.case_id)
    _invite(appointment)
    return appointment


def do_cancel_appointment(appointment: Appointment, *, acting_user) -> Appointment:
    may_arrange(appointment.consultation, acting_user)
    with transaction.atomic():
        updated = Appointment.objects.filter(pk=appointment.pk, cancelled_at__isnull=True
                                             ).update(cancelled_at=timezone.now(),
                                                      sequence=appointment.sequence + 1)
        if not updated:
            raise Conflict("This appointment is already cancelled.")
        appointment.refresh_from_db()
        add_event(appointment.consultation.case, EventKind.APPOINTMENT_CANCELLED, acting_user)
        record(acting_user, "appointment.cancel", appointment,
               case_id=appointment.consultation.case_id)
    _invite(appointment)
    return appointment


def _invite(appointment: Appointment) -> None:
    transaction.on_commit(lambda: send_invitations.enqueue(str(appointment.pk)))

"""Making, moving and cancelling appointments; every participant gets a calendar invitation.

Who may arrange, move and cancel them, and when, is the appointment policy (policy.py); what
an appointment says is its schema (schemas.py). Participants: the patient, their caregivers,
the specialist, and the coordinator who arranged it. When a consultation ends without an
opinion, its appointments still to come are cancelled (``do_cancel_upcoming_appointments``).
No specialist and no patient is booked twice at one time (``_refuse_double_booking``).
"""

import secrets
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from consilium.accounts.models import Role
from consilium.audit.trail import record
from consilium.cases.actions import add_event
from consilium.cases.models import Case, EventKind
from consilium.consultations.models import Consultation
from consilium.directory.models import Specialist
from consilium.errors import Conflict
from consilium.submissions.once import Once

from .models import Appointment
from .policy import new_appointment, policy
from .schemas import MINUTES, AppointmentIn
from .tasks import send_invitations


def participants(appointment: Appointment) -> list:
    """Everyone invited: the patient, caregivers the case is shared with, the specialist and
    the coordinator who arranged it."""
    case = appointment.consultation.case
    ids = {case.patient_id, appointment.consultation.specialist.user_id}
    ids |= set(case.shares.filter(revoked_at__isnull=True, grantee__role=Role.CAREGIVER)
               .values_list("grantee_id", flat=True))
    if appointment.created_by.role == Role.COORDINATOR:
        ids.add(appointment.created_by_id)
    # None: a specialist of the directory without an account.
    invited = {user_id for user_id in ids if user_id is not None}
    return list(get_user_model().objects.filter(id__in=invited, is_active=True))


def _locked_consultation(consultation: Consultation) -> Consultation:
    """The consultation as it is now, its case and row locked until the transaction ends
    (the case first, the order every consultation step takes them in)."""
    case = Case.objects.select_for_update().get(id=consultation.case_id)
    current = Consultation.objects.select_for_update(of=("self",)).select_related(
        "specialist").get(id=consultation.id)
    current.case = case
    return current


def _locked(appointment: Appointment) -> Appointment:
    """The appointment as it is now, its case and row locked until the transaction ends: a
    consultation's end (which locks the case first) cannot pass between check and write."""
    case = Case.objects.select_for_update().get(id=appointment.consultation.case_id)
    current = Appointment.objects.select_for_update(of=("self",)).select_related(
        "consultation__specialist").get(pk=appointment.pk)
    current.consultation.case = case
    return current


# No appointment is longer than this (the schema's lengths): one that starts earlier than
# this before a new one cannot overlap it.
LONGEST = timedelta(minutes=max(MINUTES))


def _refuse_double_booking(consultation: Consultation, fields: dict, acting_user, *,
                           moving: Appointment | None = None) -> None:
    """Refuse a time that overlaps another appointment still standing of the same specialist
    or the same patient (ending as the other starts is fine). Locks the specialist's and the
    patient's rows first, so two people booking one slot at once are checked one after the
    other. Call after the case and consultation are locked, before any audit row."""
    Specialist.objects.select_for_update().get(pk=consultation.specialist_id)
    patient_id = consultation.case.patient_id
    get_user_model().objects.select_for_update().get(pk=patient_id)
    start: datetime = fields["starts_at"]
    end = start + timedelta(minutes=fields["minutes"])
    nearby = Appointment.objects.filter(
        Q(consultation__specialist_id=consultation.specialist_id)
        | Q(consultation__case__patient_id=patient_id),
        cancelled_at__isnull=True, starts_at__lt=end, starts_at__gt=start - LONGEST,
    ).select_related("consultation__case", "consultation__specialist")
    if moving is not None:
        nearby = nearby.exclude(pk=moving.pk)
    for other in nearby:
        if other.ends_at > start:
            raise Conflict(_clash_message(other, consultation, acting_user))


def _clash_message(other: Appointment, consultation: Consultation, acting_user) -> str:
    """Who is booked and when, in the acting user's zone; nothing about the other case."""
    zone = acting_user.zone
    begins, ends = other.starts_at.astimezone(zone), other.ends_at.astimezone(zone)
    when = (f"on {begins:%A} {begins.day} {begins:%B %Y} from {begins:%H:%M} to "
            f"{ends:%H:%M %Z}" + ("" if zone.key == f"{ends:%Z}" else f" ({zone.key})"))
    if other.consultation.specialist_id == consultation.specialist_id:
        who = consultation.specialist.name + " already has"
    else:
        who = "The patient already has"
    return f"{who} an appointment {when}. Choose a time that does not overlap it."


def do_schedule_appointment(consultation: Consultation, data: dict, *, acting_user,
                            key: str = "") -> Appointment:
    """Make an appointment and send everyone the invitation. ``key``: the request's
    one-time key (the same key again returns the first appointment, sent once)."""
    once = Once(acting_user, key, Appointment)
    if (done := once.done()) is not None:
        return done
    policy.check(acting_user, new_appointment(consultation), "arrange")
    fields = AppointmentIn.read(data).fields()
    with transaction.atomic():
        current = _locked_consultation(consultation)
        if (done := once.earlier()) is not None:
            return done
        policy.check(acting_user, new_appointment(current), "arrange")
        _refuse_double_booking(current, fields, acting_user)
        appointment = Appointment.objects.create(
            consultation=current, created_by=acting_user,
            room=secrets.token_urlsafe(12), **fields)
        once.made(appointment)
        add_event(consultation.case, EventKind.APPOINTMENT, acting_user)
        record(acting_user, "appointment.create", appointment,
               case_id=consultation.case_id)
    _invite(appointment)
    return appointment


def do_reschedule_appointment(appointment: Appointment, data: dict, *, acting_user
                              ) -> Appointment:
    """Move it (the appointment policy's "reschedule", on the locked row); everyone is sent
    the new time."""
    policy.check(acting_user, appointment, "reschedule")
    fields = AppointmentIn.read(data).fields()
    with transaction.atomic():
        current = _locked(appointment)
        policy.check(acting_user, current, "reschedule")
        _refuse_double_booking(current.consultation, fields, acting_user, moving=current)
        for name, value in fields.items():
            setattr(current, name, value)
        current.sequence += 1
        current.save()
        add_event(current.consultation.case, EventKind.RESCHEDULED, acting_user)
        record(acting_user, "appointment.update", current,
               case_id=current.consultation.case_id)
    _refresh(appointment, current)
    _invite(appointment)
    return appointment


def do_cancel_appointment(appointment: Appointment, *, acting_user) -> Appointment:
    """Cancel it (the appointment policy's "cancel", on the locked row); everyone's calendar
    gets the cancellation."""
    policy.check(acting_user, appointment, "cancel")
    with transaction.atomic():
        current = _locked(appointment)
        policy.check(acting_user, current, "cancel")
        _cancel(current, acting_user)
    _refresh(appointment, current)
    return appointment


def do_cancel_upcoming_appointments(consultation: Consultation, *, acting_user
                                    ) -> list[Appointment]:
    """The consultation ended without an opinion (handed back, withdrawn, cancelled with its
    case): the appointments still to come are cancelled, and everyone taking part is told as
    for any cancellation. Not the policy's "cancel": ending the consultation was the step
    its own policy allowed (``acting_user`` took it), and this follows from it. Called inside
    that step's transaction (``appointments/consultation_steps.py``)."""
    with transaction.atomic():
        Case.objects.select_for_update().get(id=consultation.case_id)  # the case first
        upcoming = list(Appointment.objects.select_for_update(of=("self",)).select_related(
            "consultation__case").filter(consultation=consultation, cancelled_at__isnull=True,
                                         starts_at__gt=timezone.now()))
        for appointment in upcoming:
            _cancel(appointment, acting_user)
    return upcoming


def _cancel(appointment: Appointment, acting_user) -> None:
    """Cancel the locked appointment: its row, the case's event, the audit row, and the
    cancellation sent once the transaction commits."""
    appointment.cancelled_at = timezone.now()
    appointment.sequence += 1
    appointment.save(update_fields=["cancelled_at", "sequence"])
    add_event(appointment.consultation.case, EventKind.APPOINTMENT_CANCELLED, acting_user)
    record(acting_user, "appointment.cancel", appointment,
           case_id=appointment.consultation.case_id)
    _invite(appointment)


def _refresh(appointment: Appointment, current: Appointment) -> None:
    """Give the caller's object the state the action wrote."""
    for field in Appointment._meta.concrete_fields:
        setattr(appointment, field.attname, getattr(current, field.attname))


def _invite(appointment: Appointment) -> None:
    transaction.on_commit(lambda: send_invitations.enqueue(str(appointment.pk)))

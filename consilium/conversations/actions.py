"""Writing messages: who may, threads, attachments, the clock of a blocking question,
unread counts, and notices (fixed wording, never the message)."""

import uuid

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from consilium.accounts.models import Role
from consilium.accounts.notify import notify_users
from consilium.audit.trail import record
from consilium.cases.actions import add_event
from consilium.cases.models import Case, EventKind
from consilium.consultations import service_level
from consilium.consultations.models import Consultation, ConsultationStatus
from consilium.errors import Conflict, InvalidInput, NotAllowed
from consilium.records.actions import Upload, do_add_records, forget_stored

from .models import MAX_BODY, Message, ReadMark

# Who takes part in a case's messages (a treating physician reads the report, not these).
PARTICIPANTS = (Role.PATIENT, Role.CAREGIVER, Role.COORDINATOR, Role.SPECIALIST)
PATIENT_SIDE = (Role.PATIENT, Role.CAREGIVER)


def may_converse(case: Case, user) -> None:
    """Raise unless ``user`` (who can already see the case) takes part in its messages."""
    if user.role not in PARTICIPANTS:
        raise NotAllowed("Messages are between the patient, the coordinators and the "
                         "specialist.")


def do_send_message(case: Case, data: dict, *, acting_user, files: list[Upload] = ()
                    ) -> Message:
    may_converse(case, acting_user)
    body = (data.get("body") or "").strip()
    errors = {}
    if not body:
        errors["body"] = "Write the message."
    elif len(body) > MAX_BODY:
        errors["body"] = f"Keep a message under {MAX_BODY:,} characters."
    thread = _thread(case, data.get("reply_to"), errors)
    blocking = bool(data.get("blocking"))
    consultation = _accepted(case)
    if blocking and (acting_user.role != Role.SPECIALIST or thread is not None):
        errors["blocking"] = "Only the specialist marks a new question as one they wait for."
    elif blocking and (consultation is None or consultation.specialist.user_id
                       != acting_user.id):
        errors["blocking"] = "Accept the case before asking a question that work waits on."
    if errors:
        raise InvalidInput(errors)
    if not case.is_open:
        raise Conflict("This case is closed; its messages can be read but not added to.")
    outcomes = []
    try:
        with transaction.atomic():
            message = Message.objects.create(case=case, author=acting_user,
                                             author_role=acting_user.role, reply_to=thread,
                                             body=body, blocking=blocking)
            if files:
                outcomes = do_add_records(case, list(files), acting_user=acting_user)
                message.attachments.set(_attached(outcomes))
            if blocking:
                _stop_the_clock(consultation, acting_user)
            if thread is not None and thread.blocking and acting_user.role in PATIENT_SIDE:
                _answered(thread, consultation, acting_user)
            _read_up_to(case, acting_user, message.created_at)
            record(acting_user, "message.create", message, case_id=case.id)
    except BaseException:
        forget_stored(outcomes)  # the message is not sent: neither are its files
        raise
    notify_users(_others(case, acting_user), "You have a new message in Consilium")
    return message


def _thread(case: Case, reply_to, errors: dict) -> Message | None:
    if not reply_to:
        return None
    thread = Message.objects.filter(case=case, id=str(reply_to)).first() \
        if _is_uuid(reply_to) else None
    if thread is None:
        errors["reply_to"] = "That message is not part of this case."
        return None
    return thread.reply_to or thread  # a reply to a reply joins the same thread


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _attached(outcomes) -> list:
    """Each file became a record of the case (or was one already); one refused file
    refuses the message."""
    refused = [o for o in outcomes if o.status == "refused"]
    if refused:
        raise InvalidInput({"files": "; ".join(f"{o.name}: {o.message}" for o in refused)})
    return [o.record for o in outcomes if o.record is not None]


def _accepted(case: Case) -> Consultation | None:
    return Consultation.objects.filter(case=case, status=ConsultationStatus.ACCEPTED) \
        .select_related("specialist").first()


def _stop_the_clock(consultation: Consultation, user) -> None:
    stopped = Consultation.objects.filter(id=consultation.id,
                                          waiting_on_patient_since__isnull=True).update(
        waiting_on_patient_since=timezone.now())
    if stopped:
        add_event(consultation.case, EventKind.WAITING, user)


def _answered(thread: Message, consultation: Consultation | None, user) -> None:
    """The patient's side replied to a blocking question. When no other such question is
    open, the clock runs again and the due date moves by the business days waited."""
    Message.objects.filter(id=thread.id, answered_at__isnull=True).update(
        answered_at=timezone.now())
    still_open = Message.objects.filter(case=thread.case, blocking=True,
                                        answered_at__isnull=True).exists()
    if consultation is None or still_open:
        return
    current = Consultation.objects.select_for_update().get(id=consultation.id)
    if current.waiting_on_patient_since is None:
        return
    waited = max(0, service_level.business_days_between(
        timezone.localdate(current.waiting_on_patient_since), timezone.localdate()))
    current.due_date = service_level.add_business_days(current.due_date, waited) \
        if current.due_date else None
    current.waiting_on_patient_since = None
    current.reminded_at = None  # a new due date earns a new reminder
    current.save(update_fields=["due_date", "waiting_on_patient_since", "reminded_at"])
    add_event(current.case, EventKind.RESUMED, user)


def _others(case: Case, user) -> list[int]:
    """Everyone else taking part: patient, caregivers, the specialist, coordinators."""
    users = get_user_model().objects.filter(is_active=True).filter(
        Q(id=case.patient_id)
        | Q(role=Role.CAREGIVER, shares__case=case, shares__revoked_at__isnull=True)
        | Q(role=Role.COORDINATOR)
        | Q(specialist__consultations__case=case,
            specialist__consultations__status__in=["offered", "accepted", "completed"]))
    return [i for i in users.values_list("id", flat=True).distinct() if i != user.id]


def _read_up_to(case: Case, user, moment) -> None:
    ReadMark.objects.update_or_create(case=case, user=user, defaults={"read_at": moment})


def set_read(case: Case, user) -> None:
    _read_up_to(case, user, timezone.now())


def read_mark(case: Case, user):
    """Up to when ``user`` has read the case's messages (None: never opened them)."""
    return ReadMark.objects.filter(case=case, user=user).values_list(
        "read_at", flat=True).first()


def unread_count(case: Case, user) -> int:
    """Messages by others newer than the user's read mark."""
    if user.role not in PARTICIPANTS:
        return 0
    since = read_mark(case, user)
    messages = Message.objects.filter(case=case).exclude(author=user)
    return (messages.filter(created_at__gt=since) if since else messages).count()

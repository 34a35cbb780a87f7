"""Writing messages: to whom (everyone on the case, or the care team only), threads,
attachments, the clock of a blocking question, read marks, and notices (fixed wording, never
the message). Who may write what is the policy's (policy.py)."""

from collections.abc import Sequence
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from consilium.accounts.models import Role
from consilium.accounts.notify import notify_users
from consilium.audit.trail import record
from consilium.cases.access import SPECIALIST_VISIBLE
from consilium.cases.actions import add_event
from consilium.cases.models import Case, EventKind
from consilium.consultations import clock
from consilium.consultations.models import Consultation, ConsultationStatus
from consilium.errors import InvalidInput
from consilium.records.actions import Upload, do_add_records, forget_stored
from consilium.submissions.once import Once

from .models import Audience, Message, ReadMark
from .policy import policy
from .schemas import NOT_OF_THE_CASE, MessageIn

READ_ACTION: dict[str, str] = {Audience.CASE: "read", Audience.STAFF: "read_staff_notes"}


def do_send_message(case: Case, data: "dict | MessageIn", *, acting_user,
                    files: Sequence[Upload] = (), key: str = "") -> Message:
    """Write to everyone on the case (``audience`` "case", the default) or to the care team
    only ("staff"). A reply goes to its thread's audience; a question work waits on
    (``blocking``) is a new message to everyone, since the patient answers it. ``key``: the
    request's one-time key; the same key again returns the first message (its files are
    not added twice, no one is told twice)."""
    once = Once(acting_user, key, Message)
    if (done := once.done()) is not None:
        return done
    policy.check(acting_user, case, "read")
    wanted = MessageIn.read(data)
    body, requested = wanted.body, wanted.audience
    errors: dict[str, str] = {}
    thread = _thread(case, wanted.reply_to, acting_user, errors)
    audience = thread.audience if thread is not None else requested
    if thread is not None and requested == Audience.STAFF and audience == Audience.CASE:
        errors["audience"] = ("A reply goes to everyone its thread went to. For the care "
                              "team only, start a new note.")
    blocking = wanted.blocking
    if blocking and thread is not None:
        errors["blocking"] = "Ask a question you wait for as a new message, not a reply."
    elif blocking and audience == Audience.STAFF:
        errors["blocking"] = ("A care-team note cannot wait on the patient: they do not see "
                              "it. Write the question to everyone on the case.")
    if files and audience == Audience.STAFF:
        errors["files"] = ("Files become records of the case, which the patient sees: add "
                           "them to the records, or send them to everyone on the case.")
    if errors:
        raise InvalidInput(errors)
    outcomes = []
    try:
        with transaction.atomic():
            case = Case.objects.select_for_update().get(id=case.id)  # not closed meanwhile
            if (done := once.earlier()) is not None:
                return done
            if blocking:  # who may ask one first, as the policy's own rule answers it
                policy.check(acting_user, case, "ask_blocking")
            policy.check(acting_user, case, "post_staff_note" if audience == Audience.STAFF
                         else "post")
            message = Message.objects.create(case=case, author=acting_user,
                                             author_role=acting_user.role, reply_to=thread,
                                             body=body, blocking=blocking, audience=audience)
            once.made(message)
            if blocking:
                # ask_blocking, checked on the locked case, found the author's accepted one
                consultation = _accepted_by(case, acting_user)
                assert consultation is not None
                _stop_the_clock(consultation, acting_user)
            if thread is not None and thread.blocking and policy.may(acting_user, case,
                                                                     "answer"):
                _answered(thread, acting_user)
            _read_up_to(case, acting_user, message.created_at)
            if files:  # last but the audit row: its records' audit rows end the locking
                outcomes = do_add_records(case, list(files), acting_user=acting_user)
                message.attachments.set(_attached(outcomes))
            record(acting_user, "message.create", message, case_id=case.id)
    except BaseException:
        forget_stored(outcomes)  # the message is not sent: neither are its files
        raise
    notify_users(_readers(case, audience, acting_user), "You have a new message", case)
    return message


def _thread(case: Case, reply_to: UUID | None, user, errors: dict) -> Message | None:
    """The thread replied to; a care-team note is no thread for someone who cannot read it
    (the same answer as a message of another case, so its existence is not told)."""
    if reply_to is None:
        return None
    thread = Message.objects.filter(case=case, id=reply_to).first()
    if thread is not None:
        thread = thread.reply_to or thread  # a reply to a reply joins the same thread
    if thread is None or not policy.may(user, case, READ_ACTION[thread.audience]):
        errors["reply_to"] = NOT_OF_THE_CASE
        return None
    return thread


def _attached(outcomes) -> list:
    """Each file became a record of the case (or was one already); one refused file
    refuses the message."""
    refused = [o for o in outcomes if o.status == "refused"]
    if refused:
        raise InvalidInput({"files": "; ".join(f"{o.name}: {o.message}" for o in refused)})
    return [o.record for o in outcomes if o.record is not None]


def _accepted_by(case: Case, specialist_user) -> Consultation | None:
    """The asker's own accepted consultation: in a combined review, the lead's or a part's
    (each has its own clock)."""
    return Consultation.objects.filter(case=case, status=ConsultationStatus.ACCEPTED,
                                       specialist__user=specialist_user) \
        .select_related("specialist").first()


def _stop_the_clock(consultation: Consultation, user) -> None:
    if clock.pause(consultation):
        add_event(consultation.case, EventKind.WAITING, user)


def _answered(thread: Message, user) -> None:
    """The patient's side replied to a blocking question. When no other such question of
    its asker is open, the asker's clock runs again and their due date moves by the business
    days waited (in a combined review, each specialist's clock is their own)."""
    Message.objects.filter(id=thread.id, answered_at__isnull=True).update(
        answered_at=timezone.now())
    still_open = Message.objects.filter(case=thread.case, blocking=True, author=thread.author_id,
                                        answered_at__isnull=True).exists()
    consultation = _accepted_by(thread.case, thread.author_id)
    if consultation is None or still_open:
        return
    resumed = clock.resume(consultation)
    if resumed is not None:
        add_event(resumed.case, EventKind.RESUMED, user)


def _readers(case: Case, audience: str, user) -> list[int]:
    """Everyone else who may read a message to ``audience`` (the policy decides, among the
    patient, those the case is shared with, coordinators and its specialists)."""
    candidates = get_user_model().objects.filter(is_active=True).exclude(id=user.id).filter(
        Q(id=case.patient_id)
        | Q(shares__case=case, shares__revoked_at__isnull=True)
        | Q(role=Role.COORDINATOR)
        | Q(specialist__consultations__case=case,
            specialist__consultations__status__in=SPECIALIST_VISIBLE)).distinct()
    return [reader.id for reader in candidates
            if policy.may(reader, case, READ_ACTION[audience])]


def _read_up_to(case: Case, user, moment) -> None:
    ReadMark.objects.update_or_create(case=case, user=user, defaults={"read_at": moment})


def set_read(case: Case, user) -> None:
    _read_up_to(case, user, timezone.now())


def read_mark(case: Case, user):
    """Up to when ``user`` has read the case's messages (None: never opened them)."""
    return ReadMark.objects.filter(case=case, user=user).values_list(
        "read_at", flat=True).first()

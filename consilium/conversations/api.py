from datetime import datetime
from uuid import UUID

from ninja import Router, Schema, Status

from consilium.api_schemas import errors
from consilium.cases.access import access_case_by_id
from consilium.consultations.models import Consultation, ConsultationStatus
from consilium.submissions.once import key_of

from .access import record_messages_read, threads_of
from .actions import do_send_message, read_mark
from .models import Audience, Message
from .policy import policy
from .schemas import MessageIn

router = Router(tags=["messages"])


class AttachmentOut(Schema):
    id: UUID
    name: str


class MessageOut(Schema):
    id: UUID
    author_id: int
    author: str
    author_role: str
    body: str
    audience: Audience
    blocking: bool
    answered_at: datetime | None
    created_at: datetime
    unread: bool
    attachments: list[AttachmentOut]


class ThreadOut(MessageOut):
    replies: list[MessageOut]


class ConversationOut(Schema):
    unread: int
    waiting_on_patient_since: datetime | None
    allowed_actions: list[str]
    threads: list[ThreadOut]


def _out(message: Message, user, since) -> dict:
    return {
        "id": message.id, "author_id": message.author_id, "author": message.author_label,
        "author_role": message.author_role, "body": message.body,
        "audience": message.audience, "blocking": message.blocking,
        "answered_at": message.answered_at, "created_at": message.created_at,
        "unread": message.author_id != user.id and (since is None
                                                    or message.created_at > since),
        "attachments": [{"id": r.id, "name": r.name} for r in message.attachments.all()],
    }


@router.get("/{uuid:case_id}/messages", response={200: ConversationOut, **errors(404)})
def list_messages(request, case_id: UUID):
    """Every thread of the case the caller may read, oldest first, each with its replies
    (care-team notes only for the care team); reading them marks them read."""
    case = access_case_by_id(request.user, case_id, action="case.messages",
                             check=policy.checker("read"))
    threads = list(threads_of(case, request.user))
    since = read_mark(case, request.user)
    out = [{**_out(t, request.user, since),
            "replies": [_out(r, request.user, since) for r in t.replies.all()]}
           for t in threads]
    record_messages_read(request.user, case, threads)
    waiting = Consultation.objects.filter(
        case=case, status=ConsultationStatus.ACCEPTED).values_list(
        "waiting_on_patient_since", flat=True).first()
    unread = sum(m["unread"] for t in out for m in (t, *t["replies"]))
    return {"unread": unread, "waiting_on_patient_since": waiting, "threads": out,
            "allowed_actions": sorted(policy.allowed(request.user, case))}


@router.post("/{uuid:case_id}/messages", response={201: MessageOut, **errors(400, 404, 409, 422)})
def send_message(request, case_id: UUID, payload: MessageIn):
    """Write to everyone on the case, or (``audience`` "staff") to the care team only: a
    patient, caregiver or treating physician is refused that (403). ``reply_to``: a message
    of the thread; ``blocking``: the specialist waits on the patient's answer. Files are
    added as records, on the page. With an ``Idempotency-Key`` header, a repeat of the
    request (a retry after a lost answer) answers with the first message instead of sending
    another."""
    case = access_case_by_id(request.user, case_id, action="case.messages",
                             check=policy.checker("read"))
    message = do_send_message(case, payload, acting_user=request.user,
                              key=key_of(request))
    return Status(201, _out(message, request.user, message.created_at))

"""Reading a case's messages: the threads, and the read written to the audit trail and the
reader's read mark. The case itself comes from cases.access (which records that read)."""

from django.db.models import Prefetch

from consilium.audit.trail import record_many
from consilium.cases.models import Case

from .actions import set_read
from .models import Message


def threads_of(case: Case):
    """The case's first messages, each with its replies, authors and attachments."""
    replies = Message.objects.select_related("author").prefetch_related("attachments")
    return (Message.objects.filter(case=case, reply_to=None).select_related("author")
            .prefetch_related("attachments", Prefetch("replies", replies)))


def record_messages_read(user, case: Case, threads) -> None:
    """Audit every message shown and move the reader's read mark to now."""
    shown = [m for thread in threads for m in (thread, *thread.replies.all())]
    record_many(user, "message.view", shown, case_id_of=lambda _: case.id)
    set_read(case, user)

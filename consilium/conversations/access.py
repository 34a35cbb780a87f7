"""Reading a case's messages: which of them a user sees, the threads, unread counts, and the
read written to the audit trail and the reader's read mark. The case itself comes from
cases.access (which records that read).

A care-team note (``Audience.STAFF``) is left out of every query here for anyone the policy
does not let read such notes, so the page, the API and the unread count cannot show one."""

from django.db.models import Exists, OuterRef, Prefetch

from consilium.audit.trail import record_many
from consilium.cases.models import Case

from .actions import set_read
from .models import Audience, Message, ReadMark
from .policy import policy


def messages_for(user, case: Case):
    """The case's messages ``user`` may read (all of them, or those to everyone)."""
    messages = Message.objects.filter(case=case)
    if not policy.may(user, case, "read_staff_notes"):
        messages = messages.filter(audience=Audience.CASE)
    return messages


def threads_of(case: Case, user):
    """The case's first messages ``user`` sees, each with its replies, authors and
    attachments."""
    visible = messages_for(user, case)
    replies = visible.select_related("author").prefetch_related("attachments")
    return (visible.filter(reply_to=None).select_related("author")
            .prefetch_related("attachments", Prefetch("replies", replies)))


def unread_messages(case: Case, user):
    """Messages ``user`` sees, by others, newer than their read mark (a care-team note never
    counts for someone who cannot read it); none for who may not read the conversation."""
    if not policy.may(user, case, "read"):
        return Message.objects.none()
    # A message is unread unless the reader's mark is at or after it (no mark: every message
    # is unread).
    read = ReadMark.objects.filter(case=case, user=user, read_at__gte=OuterRef("created_at"))
    return messages_for(user, case).exclude(author=user).exclude(Exists(read))


def unread_count(case: Case, user) -> int:
    return unread_messages(case, user).count()


def record_messages_read(user, case: Case, threads) -> None:
    """Audit every message shown and move the reader's read mark to now."""
    shown = [m for thread in threads for m in (thread, *thread.replies.all())]
    record_many(user, "message.view", shown, case_id_of=lambda _: case.id)
    set_read(case, user)

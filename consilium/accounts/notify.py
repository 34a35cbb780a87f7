"""Tell people something needs them, after the transaction commits and outside the request."""

from collections.abc import Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth import get_user_model
from django.db import transaction

from .tasks import send_address_changed, send_notice

_paused: ContextVar[bool] = ContextVar("notices_paused", default=False)


@contextmanager
def notices_paused():
    """Send no notices for what happens inside (loading demo data, imports)."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def notify_users(user_ids: Sequence[int | None], subject: str, case=None) -> None:
    """Queue a notice; ``subject`` is fixed wording from the code, never health data. A notice
    about one case names it by its reference and links to its page (an opaque ID), so the
    reader knows which one without any health data in the email."""
    ids = [uid for uid in user_ids if uid]
    about = {"case_id": str(case.pk), "reference": case.short_id} if case is not None else {}
    if ids and not _paused.get():
        transaction.on_commit(lambda: send_notice.enqueue(ids, subject, **about))


def notify_role(role: str, subject: str, case=None) -> None:
    users = get_user_model().objects.filter(role=role, is_active=True)
    ids = list(users.values_list("id", flat=True))
    notify_users(ids, subject, case)


def notify_old_address(email: str) -> None:
    """Queue the notice to an account's old address that it changed (after the commit)."""
    if email and not _paused.get():
        transaction.on_commit(lambda: send_address_changed.enqueue(email))


def notify_account_closed(email: str) -> None:
    """Queue the confirmation that a patient's account is closed (after the commit)."""
    from .tasks import send_account_closed

    if email and not _paused.get():
        transaction.on_commit(lambda: send_account_closed.enqueue(email))


def notify_sign_in_method_linked(email: str) -> None:
    """Queue the notice that the identity provider was linked as a sign-in method."""
    from .tasks import send_sign_in_method_linked

    if email and not _paused.get():
        transaction.on_commit(lambda: send_sign_in_method_linked.enqueue(email))

def notify_staff_invitation(email: str, role: str, link: str, *, setup: bool) -> None:
    """Queue a staff invitation or set-up link to ``email`` (after the commit); the link is
    sealed in the task's row. Sent even while notices are paused: it is the only way in."""
    from consilium.fields import seal

    from .tasks import STAFF_LINK, send_staff_invitation

    sealed = seal(link, STAFF_LINK)
    transaction.on_commit(lambda: send_staff_invitation.enqueue(email, role, sealed, setup))


def notify_second_factor_changed(user_id: int, change: str) -> None:
    """Queue the notice that a member's second factors changed (after the commit)."""
    from .tasks import SECOND_FACTOR_CHANGES, send_second_factor_changed

    assert change in SECOND_FACTOR_CHANGES
    if user_id and not _paused.get():
        transaction.on_commit(lambda: send_second_factor_changed.enqueue(user_id, change))

"""Double submission never makes two rows: each create-style action runs once per key.

A page renders a fresh one-time key into each form (``{% submission_key %}``); an API client
sends one in the ``Idempotency-Key`` header. The action passes it to ``Once``::

    once = Once(acting_user, key, Addendum)
    if (done := once.done()) is not None:
        return done          # the same key again: the first request's row
    ...the action's checks...
    with transaction.atomic():
        if (done := once.earlier()) is not None:
            return done      # the same key, racing the first request: its row
        addendum = Addendum.objects.create(...)
        once.made(addendum)

``done()`` answers a repeat before the action's checks, which the first request may have
changed (the question it answered is answered now). ``earlier()`` claims the key by
inserting its row; the unique (user, key) constraint makes a second request with the same
key wait for the first to commit, then find its row. So two clicks, a retried POST or two
racing requests give one row and the same answer. A request without a key is not
deduplicated (older clients keep working). See docs/decisions/0004-double-submission.md.
"""

import re
from typing import Generic, TypeVar

from django.db import IntegrityError, models, transaction

from consilium.errors import Conflict, InvalidInput

from .models import Submission

FIELD = "submission_key"  # the forms' hidden field
HEADER = "Idempotency-Key"  # the API's header
_VALID = re.compile(r"[A-Za-z0-9_-]{8,64}")

Made = TypeVar("Made", bound=models.Model)  # the model an action creates


def key_of(request) -> str:
    """The request's one-time key, "" when it has none; a malformed one is refused (422)."""
    key = request.headers.get(HEADER) or request.POST.get(FIELD) or ""
    if key and not _VALID.fullmatch(key):
        field = HEADER if request.headers.get(HEADER) else FIELD
        raise InvalidInput({field: "A request key is 8 to 64 letters, digits, - or _."})
    return key


class Once(Generic[Made]):
    """One action's use of a key; see the module's docstring."""

    def __init__(self, user, key: str, model: type[Made]):
        self.user, self.key, self.model = user, key or "", model
        self.kind = model._meta.label_lower
        self.row: Submission | None = None

    def done(self) -> Made | None:
        """Outside the transaction, before any check: what a request with this key already
        made, or None. A repeat answers like the first even where the first changed the state
        the checks read (a question answered, the last follow-up asked)."""
        if not self.key:
            return None
        row = Submission.objects.filter(user=self.user, key=self.key).exclude(
            object_id="").first()
        return self._made_by(row) if row is not None else None

    def earlier(self) -> Made | None:
        """Claim the key, or return the row a request with the same key already made."""
        if not self.key:
            return None
        try:
            with transaction.atomic():
                self.row = Submission.objects.create(user=self.user, key=self.key,
                                                     kind=self.kind)
            return None
        except IntegrityError:
            pass
        return self._made_by(Submission.objects.get(user=self.user, key=self.key))

    def _made_by(self, row: Submission) -> Made:
        if row.kind != self.kind:
            raise Conflict("This form was already used for something else. Reload the page "
                           "and try again.")
        made = self.model._default_manager.filter(pk=row.object_id).first()
        if made is None:
            raise Conflict("This was already sent, and what it made is gone. Reload the page "
                           "and try again.")
        return made

    def made(self, obj: Made) -> None:
        """Note the row this request made, for the next request with the same key."""
        if self.row is not None:
            Submission.objects.filter(pk=self.row.pk).update(object_id=str(obj.pk))

from django.db import transaction

from consilium.audit.trail import record
from consilium.cases.actions import locked_case
from consilium.cases.models import Case
from consilium.cases.policy import policy as case_policy
from consilium.submissions.once import Once

from .models import JournalNote
from .schemas import NoteIn


def do_add_note(case: Case, text: str, *, acting_user, key: str = "") -> JournalNote:
    """Add a note to the patient's journal. ``key``: the request's one-time key (the same
    key again returns the first note)."""
    once = Once(acting_user, key, JournalNote)
    if (done := once.done()) is not None:
        return done
    case_policy.check(acting_user, case, "journal")  # again on the locked case, below
    text = NoteIn.read({"text": text}).text
    with transaction.atomic():
        case = locked_case(case, "journal", user=acting_user)
        if (done := once.earlier()) is not None:
            return done
        note = JournalNote.objects.create(case=case, author=acting_user, text=text)
        once.made(note)
        record(acting_user, "journal_note.create", note, case_id=case.id)
    return note

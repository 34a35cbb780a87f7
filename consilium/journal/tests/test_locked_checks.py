"""A journal note is decided on the case as it is in the database, locked in the note's
transaction, not on the caller's copy. (No action hands a case to another patient today;
the test moves it by hand to show which copy the rule reads.)"""

import pytest

from consilium.cases.models import Case
from consilium.errors import NotAllowed
from consilium.journal.actions import do_add_note
from consilium.journal.models import JournalNote


def test_a_note_asks_about_the_case_as_it_is_now(journey, users):
    case, _ = journey("submitted")
    Case.objects.filter(id=case.id).update(patient=users["patient2"])
    with pytest.raises(NotAllowed):
        do_add_note(case, "Scared before the call.", acting_user=users["patient"])
    assert not JournalNote.objects.exists()

"""A journal note is read by its declared schema (journal/schemas.py NoteIn): blank, only
spaces, too long or not text, it is refused naming the text, on the page and in the action
alike, and no note is kept."""

import pytest
from django.utils.html import escape

from consilium.errors import InvalidInput
from consilium.journal.actions import do_add_note
from consilium.journal.models import JournalNote
from consilium.journal.schemas import NOTE_LIMIT, NoteIn

pytestmark = pytest.mark.django_db

BLANK = "Write something first."
TOO_LONG = "Keep this under 10,000 characters."


@pytest.mark.parametrize("data, message", [
    ({"text": ""}, BLANK),
    ({"text": "  \n\t "}, BLANK),
    ({"text": None}, BLANK),
    ({"text": "x" * (NOTE_LIMIT + 1)}, TOO_LONG),
    ({"text": 12}, "Write this as text."),
    ({}, "Fill in this field."),
])
def test_a_sloppy_note_is_refused_naming_its_text(data, message):
    with pytest.raises(InvalidInput) as refused:
        NoteIn.read(data)
    assert refused.value.errors == {"text": message}


@pytest.mark.parametrize("text, message", [("   ", BLANK), ("x" * (NOTE_LIMIT + 1), TOO_LONG)])
def test_the_page_and_the_action_refuse_alike(client, login, users, journey, text, message):
    case, _ = journey("submitted")
    login(users["patient"])
    page = client.post(f"/cases/{case.id}/journal/", {"text": text})
    assert page.status_code == 422 and escape(message) in page.content.decode()
    with pytest.raises(InvalidInput) as refused:
        do_add_note(case, text, acting_user=users["patient"])
    assert refused.value.errors == {"text": message}
    assert not JournalNote.objects.exists()


def test_a_note_is_kept_stripped(users, journey):
    case, _ = journey("submitted")
    note = do_add_note(case, "  Scared before the call.\n", acting_user=users["patient"])
    assert note.text == "Scared before the call."

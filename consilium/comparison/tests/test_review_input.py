"""A coordinator's review of a comparison is read by its declared schema (ReviewIn): a blank
or unknown reading, or a note too long, is refused naming the field, and changes nothing."""

import pytest
from django.utils.html import escape

from consilium.comparison.actions import do_review_comparison
from consilium.comparison.schemas import NOTE_LIMIT, ReviewIn
from consilium.errors import InvalidInput

DIAGNOSIS = "Choose confirmed, refined or distinctly different."
TREATMENT = "Choose same, modified or changed."
GOOD = {"diagnosis": "refined", "treatment": "modified", "note": ""}


@pytest.mark.parametrize("data, errors", [
    ({**GOOD, "diagnosis": ""}, {"diagnosis": DIAGNOSIS}),
    ({**GOOD, "diagnosis": "   "}, {"diagnosis": DIAGNOSIS}),
    ({**GOOD, "diagnosis": "maybe"}, {"diagnosis": DIAGNOSIS}),
    ({**GOOD, "diagnosis": ["refined"]}, {"diagnosis": DIAGNOSIS}),
    ({"diagnosis": None, "treatment": "   "}, {"diagnosis": DIAGNOSIS, "treatment": TREATMENT}),
    ({"note": ""}, {"diagnosis": "Fill in this field.", "treatment": "Fill in this field."}),
    ({**GOOD, "treatment": "magic"}, {"treatment": TREATMENT}),
    ({**GOOD, "note": "x" * (NOTE_LIMIT + 1)}, {"note": "Keep this under 2,000 characters."}),
    ({**GOOD, "note": 12}, {"note": "Write this as text."}),
])
def test_a_sloppy_review_is_refused_naming_the_field(data, errors):
    with pytest.raises(InvalidInput) as refused:
        ReviewIn.read(data)
    assert refused.value.errors == errors


def test_a_review_s_note_is_stripped_and_may_be_left_out():
    assert ReviewIn.read({**GOOD, "note": "  why  "}).note == "why"
    assert ReviewIn.read({"diagnosis": "refined", "treatment": "same"}).note == ""
    assert ReviewIn.read({**GOOD, "note": None}).note == ""


@pytest.mark.parametrize("data, field, message", [
    ({**GOOD, "diagnosis": "maybe"}, "diagnosis", DIAGNOSIS),
    ({**GOOD, "treatment": ""}, "treatment", TREATMENT),
    ({**GOOD, "note": "x" * (NOTE_LIMIT + 1)}, "note", "Keep this under 2,000 characters."),
])
def test_the_page_refuses_in_the_schema_s_words_and_changes_nothing(
        disputed, users, login, client, data, field, message):
    case, comparison = disputed
    login(users["coordinator"])
    page = client.post(f"/cases/{case.id}/comparison/review/", data)
    assert page.status_code == 422 and escape(message) in page.content.decode()
    comparison.refresh_from_db()
    assert comparison.reviewed_at is None
    with pytest.raises(InvalidInput) as refused:
        do_review_comparison(comparison, **data, acting_user=users["coordinator"])
    assert refused.value.errors == {field: message}
    comparison.refresh_from_db()
    assert comparison.reviewed_at is None


def test_a_whitespace_note_is_kept_as_no_note(disputed, users):
    _, comparison = disputed
    done = do_review_comparison(comparison, diagnosis="refined", treatment="same",
                                note="   \n ", acting_user=users["coordinator"])
    assert (done.diagnosis, done.treatment, done.review_note) == ("refined", "same", "")

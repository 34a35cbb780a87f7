"""A record's type, corrected by a person, is read by its declared schema (records/schemas.py
RecordTypeIn): blank, spaces, unknown, not text or left out, it is refused naming the field
in the page's words, and the record keeps its type."""

import pytest
from django.utils.html import escape

from consilium.errors import InvalidInput
from consilium.records.actions import Upload, do_add_records, do_set_record_type
from consilium.records.schemas import RecordTypeIn

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CHOOSE = "Choose one of the listed types."


@pytest.fixture
def record(journey, users):
    import io

    case = journey("submitted")[0]
    outcome, = do_add_records(case, [Upload("mri report.pdf", io.BytesIO(PDF), len(PDF))],
                              acting_user=users["patient"])
    return outcome.record


@pytest.mark.parametrize("value", ["", "   ", "magic", "LAB_RESULTS", None, 12, ["lab_results"]])
def test_a_sloppy_type_is_refused_and_the_record_keeps_its_own(record, users, value):
    before = record.record_type
    with pytest.raises(InvalidInput) as refused:
        do_set_record_type(record, value, acting_user=users["patient"])
    assert refused.value.errors == {"record_type": CHOOSE}
    record.refresh_from_db()
    assert (record.record_type, record.type_confirmed) == (before, False)


def test_a_type_left_out_is_named():
    with pytest.raises(InvalidInput) as refused:
        RecordTypeIn.read({})
    assert refused.value.errors == {"record_type": "Fill in this field."}


def test_the_page_refuses_in_the_same_words(client, login, users, record):
    login(users["patient"])
    page = client.post(f"/cases/{record.case_id}/records/{record.id}/type/",
                       {"record_type": "magic"}, follow=True)
    assert escape(CHOOSE) in page.content.decode()
    record.refresh_from_db()
    assert not record.type_confirmed


def test_a_listed_type_is_kept(record, users):
    done = do_set_record_type(record, "lab_results", acting_user=users["patient"])
    record.refresh_from_db()
    assert done.record_type == record.record_type == "lab_results" and record.type_confirmed

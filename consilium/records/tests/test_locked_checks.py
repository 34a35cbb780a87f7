"""The records policy is asked about the case as it is in the database, locked, not about
the caller's copy: a case closed after a page loaded it takes no more records, no changed
types and no new uploads, and changes nothing."""

import io

import pytest

from consilium.cases.models import Case, Status
from consilium.errors import Conflict
from consilium.records.actions import Upload, do_add_records, do_set_record_type, do_start_upload
from consilium.records.models import PendingUpload, Record
from consilium.tests.racing import on_postgresql, race


def note(text=b"a note from the patient"):
    return Upload("note.txt", io.BytesIO(text), len(text))


@pytest.fixture
def loaded(journey):
    """A submitted case as a page loaded it; then someone closes it."""
    case, _ = journey("submitted")

    def close_it():
        Case.objects.filter(id=case.id).update(status=Status.CLOSED)
    return case, close_it


def test_adding_records_to_a_case_closed_meanwhile_is_refused(loaded, users):
    case, close_it = loaded
    close_it()
    with pytest.raises(Conflict, match="can no longer be added"):
        do_add_records(case, [note()], acting_user=users["patient"])
    assert not Record.objects.exists()


def test_retyping_a_record_of_a_case_closed_meanwhile_is_refused(loaded, users):
    case, close_it = loaded
    [outcome] = do_add_records(case, [note()], acting_user=users["patient"])
    record = Record.objects.select_related("case").get(id=outcome.record.id)
    before = record.record_type
    close_it()
    with pytest.raises(Conflict):
        do_set_record_type(record, "pathology_report", acting_user=users["patient"])
    record.refresh_from_db()
    assert (record.record_type, record.type_confirmed) == (before, False)


def test_starting_an_upload_to_a_case_closed_meanwhile_is_refused(loaded, users):
    case, close_it = loaded
    close_it()
    with pytest.raises(Conflict):
        do_start_upload(case, "scan.pdf", 1000, acting_user=users["patient"])
    assert not PendingUpload.objects.exists()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_file_stored_while_the_case_is_being_closed_waits_and_is_refused(journey, users):
    """The file passes the first check (the close is not committed yet), then waits for the
    case's lock as it is stored, and is refused on the closed case."""
    case, _ = journey("submitted")

    def close():
        Case.objects.select_for_update().get(id=case.id)
        Case.objects.filter(id=case.id).update(status=Status.CLOSED)

    ended = race(close, lambda: do_add_records(case, [note()], acting_user=users["patient"]))
    assert ended.waited and ended.error is None
    [outcome] = ended.result
    assert outcome.status == "refused" and "can no longer be added" in outcome.message
    assert not Record.objects.exists()

"""A case's allowance (RECORDS_MAX_CASE_BYTES) is decided on the locked case, in the
transaction that records the file or the upload: an upload under way reserves its length, so
two uploads, or a file and an upload, sent at once cannot both take the last room."""

import io

import pytest

from consilium.errors import Conflict
from consilium.records.actions import Upload, do_add_records, do_start_upload
from consilium.records.models import PendingUpload, Record
from consilium.records.tests.test_resumable import PDF, PDF_SIZE, tus  # noqa: F401 (fixture)
from consilium.tests.racing import on_postgresql, race

ROOM = 1000


def text(size: int) -> Upload:
    return Upload("note.txt", io.BytesIO(b"a" * size), size)


@pytest.fixture
def case(journey, settings):
    settings.RECORDS_MAX_CASE_BYTES = ROOM
    found, _ = journey("submitted")
    return found


def test_an_upload_under_way_holds_its_room(case, users):
    do_start_upload(case, "first.pdf", 600, acting_user=users["patient"])
    with pytest.raises(Conflict, match="room"):
        do_start_upload(case, "second.pdf", 600, acting_user=users["patient"])
    [outcome] = do_add_records(case, [text(600)], acting_user=users["patient"])
    assert outcome.status == "refused" and "room" in outcome.message
    assert PendingUpload.objects.count() == 1 and not Record.objects.exists()


def test_a_finished_upload_counts_its_own_room_once(tus, settings):  # noqa: F811
    settings.RECORDS_MAX_CASE_BYTES = PDF_SIZE + PDF_SIZE // 2  # room for one, not two
    location = tus.create()["Location"]
    assert tus.patch(location, 0, PDF).status_code == 204
    assert Record.objects.get().size == PDF_SIZE
    assert not PendingUpload.objects.exists()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_uploads_started_at_once_cannot_both_take_the_last_room(journey, users, settings):
    settings.RECORDS_MAX_CASE_BYTES = ROOM
    case, _ = journey("submitted")
    ended = race(lambda: do_start_upload(case, "first.pdf", 600, acting_user=users["patient"]),
                 lambda: do_start_upload(case, "second.pdf", 600, acting_user=users["patient"]))
    assert ended.waited
    assert isinstance(ended.error, Conflict), ended
    assert list(PendingUpload.objects.values_list("name", flat=True)) == ["first.pdf"]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_file_stored_while_an_upload_starts_cannot_take_its_room(journey, users, settings):
    """The file passes the first look (the upload is not committed yet), waits for the case
    as it is stored, and is refused on the room the upload then holds."""
    settings.RECORDS_MAX_CASE_BYTES = ROOM
    case, _ = journey("submitted")
    ended = race(lambda: do_start_upload(case, "first.pdf", 600, acting_user=users["patient"]),
                 lambda: do_add_records(case, [text(600)], acting_user=users["patient"]))
    assert ended.waited and ended.error is None, ended
    [outcome] = ended.result
    assert outcome.status == "refused" and "room" in outcome.message
    assert not Record.objects.exists()

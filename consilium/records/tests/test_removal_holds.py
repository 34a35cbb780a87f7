"""Removing a record on hold (records.holds): it may name someone else, so no name is kept."""

import pytest

from consilium.records.models import RemovedRecord
from consilium.records.tasks import read_record

from .test_removal import SYNTHEA, add, remove


@pytest.fixture
def case(journey):
    return journey("submitted")[0]


def test_a_record_on_hold_keeps_no_name_once_removed(
        case, users, django_capture_on_commit_callbacks):
    bundle = add(case, users["patient"], SYNTHEA[0].name, SYNTHEA[0].read_bytes())
    read_record.call(str(bundle.id))
    bundle.refresh_from_db()
    assert bundle.identity == "held"  # someone else's bundle
    remove(bundle, users["patient"], django_capture_on_commit_callbacks)
    assert RemovedRecord.objects.get(id=bundle.id).name == ""

"""Sharing is decided on the case as it is in the database, locked, not on the caller's copy:
whoever the case belongs to now is the one who may share it, invite to it, or stop sharing it.
(No action hands a case to another patient today; the test moves it by hand to show which
copy the rule reads.)"""

import pytest

from consilium.cases.actions import do_revoke_share, do_share_case
from consilium.cases.models import Case, Invitation, Share
from consilium.errors import NotAllowed


@pytest.fixture
def stale(journey, users):
    """The patient's case as their page loaded it; the case then belongs to someone else."""
    case, _ = journey("submitted")
    share = do_share_case(case, "physician", acting_user=users["patient"])
    Case.objects.filter(id=case.id).update(patient=users["patient2"])
    return case, share


def test_sharing_asks_about_the_case_as_it_is_now(stale, users):
    case, _ = stale
    with pytest.raises(NotAllowed):
        do_share_case(case, "caregiver", acting_user=users["patient"])
    assert not Share.objects.filter(grantee=users["caregiver"]).exists()


def test_inviting_asks_about_the_case_as_it_is_now(stale, users):
    case, _ = stale
    with pytest.raises(NotAllowed):
        do_share_case(case, "new.person@example.org", acting_user=users["patient"])
    assert not Invitation.objects.exists()


def test_unsharing_asks_about_the_case_as_it_is_now(stale, users):
    case, share = stale
    with pytest.raises(NotAllowed):
        do_revoke_share(case, share.id, acting_user=users["patient"])
    share.refresh_from_db()
    assert share.revoked_at is None

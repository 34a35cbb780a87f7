"""Sharing the physician report, and withdrawing it, are decided on the case as it is in the
database, locked in the action's transaction, not on the caller's copy. (No action hands a
case to another patient today; the tests move it by hand to show which copy the rule reads.)"""

import pytest

from consilium.cases.models import Case
from consilium.errors import NotAllowed
from consilium.opinions.models import Opinion, ReportShare
from consilium.opinions.sharing import do_revoke_report_share, do_share_report


@pytest.fixture
def stale(journey, users):
    """The signed opinion as the patient's page loaded it; the case then belongs to someone
    else."""
    journey("opinion_delivered")
    opinion = Opinion.objects.select_related("consultation__case").get()
    share = do_share_report(opinion, "dr@clinic.test", 7, True, acting_user=users["patient"])
    share = ReportShare.objects.select_related("opinion__consultation__case").get(pk=share.pk)
    Case.objects.filter(id=opinion.consultation.case_id).update(patient=users["patient2"])
    return opinion, share


def test_sharing_the_report_asks_about_the_case_as_it_is_now(stale, users):
    opinion, _ = stale
    with pytest.raises(NotAllowed):
        do_share_report(opinion, "dr.two@clinic.test", 7, True, acting_user=users["patient"])
    assert ReportShare.objects.count() == 1


def test_withdrawing_a_share_asks_about_the_case_as_it_is_now(stale, users):
    _, share = stale
    with pytest.raises(NotAllowed):
        do_revoke_report_share(share, acting_user=users["patient"])
    share.refresh_from_db()
    assert share.revoked_at is None

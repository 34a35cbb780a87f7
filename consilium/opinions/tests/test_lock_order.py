"""Every opinion action locks the case before anything of it (its consultation), as a case's
withdrawal and a consultation's release do (consultations/tests/test_lock_order.py): saving
and signing once locked the consultation first, and could deadlock with those on PostgreSQL.

Each test holds the case locked while the action runs in another connection: the action must
wait for the case holding nothing of the consultation yet, then do its work."""

import pytest

from consilium.conftest import PASSWORD, sign_request
from consilium.opinions.actions import (
    do_add_addendum,
    do_ask_follow_up,
    do_save_opinion,
    do_sign_opinion,
)
from consilium.opinions.models import Addendum, Opinion
from consilium.opinions.sharing import do_revoke_report_share, do_share_report
from consilium.tests.racing import on_postgresql, waits_for_the_case_first

pytestmark = [on_postgresql, pytest.mark.django_db(transaction=True)]



def test_saving(journey, users):
    _, consultation = journey("accepted")
    waits_for_the_case_first(consultation, lambda: do_save_opinion(
        consultation, {"reasoning": "Seen."}, acting_user=users["specialist"], base_version=0))
    assert Opinion.objects.get().reasoning == "Seen."


def test_signing(journey, users):
    _, consultation = journey("in_review")
    waits_for_the_case_first(consultation, lambda: do_sign_opinion(
        consultation, acting_user=users["specialist"], request=sign_request(),
        secret=PASSWORD))
    assert Opinion.objects.get().is_signed


def test_an_addendum(journey, users):
    _, consultation = journey("opinion_delivered")
    opinion = Opinion.objects.get()
    waits_for_the_case_first(consultation, lambda: do_add_addendum(
        opinion, "A correction.", acting_user=users["specialist"], request=sign_request(),
        secret=PASSWORD))
    assert Addendum.objects.count() == 1


def test_a_follow_up_and_its_answer(journey, users):
    _, consultation = journey("opinion_delivered")
    opinion = Opinion.objects.get()
    question = waits_for_the_case_first(consultation, lambda: do_ask_follow_up(
        opinion, "How long is recovery?", acting_user=users["patient"])).result
    waits_for_the_case_first(consultation, lambda: do_add_addendum(
        opinion, "About two weeks.", acting_user=users["specialist"], request=sign_request(),
        secret=PASSWORD, answers=question))
    assert Addendum.objects.get().answers_id == question.id


def test_a_report_share_and_its_withdrawal(journey, users):
    _, consultation = journey("opinion_delivered")
    opinion = Opinion.objects.select_related("consultation__case").get()
    share = waits_for_the_case_first(consultation, lambda: do_share_report(
        opinion, "dr@clinic.test", 7, True, acting_user=users["patient"])).result
    waits_for_the_case_first(consultation, lambda: do_revoke_report_share(
        share, acting_user=users["patient"]))
    share.refresh_from_db()
    assert share.revoked_at is not None

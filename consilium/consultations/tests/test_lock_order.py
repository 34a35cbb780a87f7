"""Every action that locks a case and one of its consultations locks the case first, as a
case's withdrawal does (it locks the case, then cancels its consultations): taken in the
other order, a release and a withdrawal racing on PostgreSQL could each hold the row the
other waits for, a deadlock. An action that writes only the consultation locks its case too:
its event's insert waits on a locked case (PostgreSQL's key-share lock on the row it names).

Each test holds the case locked while the action runs in another connection: the action must
wait for the case holding nothing of the consultation yet."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consilium.consultations.actions import (
    do_accept_consultation,
    do_decline_consultation,
    do_release_consultation,
    do_withdraw_consultation,
)
from consilium.consultations.deadlines import check_deadlines
from consilium.consultations.models import Consultation, ConsultationStatus
from consilium.tests.racing import on_postgresql, waits_for_the_case_first

pytestmark = [on_postgresql, pytest.mark.django_db(transaction=True)]



def test_release(journey, users):
    _, consultation = journey("accepted")
    waits_for_the_case_first(consultation, lambda: do_release_consultation(
        consultation, "A conflict of interest.", acting_user=users["specialist"]))
    assert Consultation.objects.get(id=consultation.id).status == ConsultationStatus.RELEASED


def test_withdraw(journey, users):
    _, consultation = journey("offered")
    waits_for_the_case_first(consultation, lambda: do_withdraw_consultation(
        consultation, "Offered by mistake.", acting_user=users["coordinator"]))
    assert Consultation.objects.get(id=consultation.id).status == ConsultationStatus.WITHDRAWN


def test_decline(journey, users):
    _, consultation = journey("offered")
    waits_for_the_case_first(consultation, lambda: do_decline_consultation(
        consultation, "Not my field.", acting_user=users["specialist"]))
    assert Consultation.objects.get(id=consultation.id).status == ConsultationStatus.DECLINED


def test_accept(journey, users):
    _, consultation = journey("offered")
    waits_for_the_case_first(consultation, lambda: do_accept_consultation(
        consultation, acting_user=users["specialist"]))
    assert Consultation.objects.get(id=consultation.id).status == ConsultationStatus.ACCEPTED


def test_an_offer_expiring(journey):
    _, consultation = journey("offered")
    Consultation.objects.filter(id=consultation.id).update(
        answer_due=timezone.localdate() - timedelta(days=1))
    ended = waits_for_the_case_first(consultation, check_deadlines)
    assert ended.result.expired == 1


def test_an_overdue_opinion_escalated(journey):
    _, consultation = journey("accepted")
    Consultation.objects.filter(id=consultation.id).update(
        due_date=timezone.localdate() - timedelta(days=1))
    ended = waits_for_the_case_first(consultation, check_deadlines)
    assert ended.result.escalated == 1

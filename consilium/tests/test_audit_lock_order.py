"""The lock-order detector (consilium/tests/lock_order.py) catches the audit head locked in a
transaction that holds other locks or audit rows, or a row locked after the head, and only
then: appending locks nothing, so an action may lock rows after its audit rows. Each test reads
the detector every test runs under, and clears what it caught on purpose.
"""

import pytest
from django.db import transaction

from consilium.audit.models import AuditHead
from consilium.audit.trail import record, seal
from consilium.cases.models import Case
from consilium.consultations.models import Consultation
from consilium.tests.racing import on_postgresql

pytestmark = on_postgresql


def _caught(guard) -> list[str]:
    tables = [wrong.split(" ")[0] for wrong in guard.wrong]
    guard.wrong.clear()
    return tables


def test_a_case_locked_after_an_audit_row_is_right(audit_head_locked_alone, journey, users):
    case, _ = journey("submitted")
    with transaction.atomic():
        record(users["coordinator"], "case.view", case, case_id=case.id)
        Case.objects.select_for_update().get(id=case.id)
    assert _caught(audit_head_locked_alone) == []


def test_sealing_inside_an_action_is_caught(audit_head_locked_alone, journey, users):
    """Inside an action the seal would chain its uncommitted rows and hold the head (for every
    other seal) until the action commits, and could deadlock with a transaction holding the
    head and waiting for the action's case."""
    case, _ = journey("submitted")
    with transaction.atomic():
        Case.objects.select_for_update().get(id=case.id)
        seal()
    with transaction.atomic():
        record(users["coordinator"], "case.view", case, case_id=case.id)
        seal()
    assert _caught(audit_head_locked_alone) == ["audit_audithead", "audit_audithead"]


def test_a_lock_after_the_head_in_a_nested_block_is_caught(audit_head_locked_alone, journey):
    _, consultation = journey("offered")
    with transaction.atomic():
        AuditHead.objects.select_for_update().get_or_create(id=1)
        with transaction.atomic():
            Consultation.objects.select_for_update().get(id=consultation.id)
    assert _caught(audit_head_locked_alone) == ["consultations_consultation"]


def test_the_seal_in_its_own_transaction_is_right(audit_head_locked_alone, journey, users):
    case, _ = journey("offered")
    with transaction.atomic():
        Case.objects.select_for_update().get(id=case.id)
        record(users["coordinator"], "case.view", case, case_id=case.id)
    assert seal() > 0
    with transaction.atomic():
        Case.objects.select_for_update().get(id=case.id)  # the next transaction starts afresh
    assert _caught(audit_head_locked_alone) == []


@pytest.mark.django_db(transaction=True)
def test_real_transactions_are_told_apart(audit_head_locked_alone, journey, users):
    """With ``transactional_db`` no test block wraps the code: each atomic block is a real
    transaction, told apart by PostgreSQL's transaction ID; the seal runs after each commit."""
    case, _ = journey("submitted")
    with transaction.atomic():
        Case.objects.select_for_update().get(id=case.id)
        record(users["coordinator"], "case.view", case, case_id=case.id)
    with transaction.atomic():
        Case.objects.select_for_update().get(id=case.id)
    assert _caught(audit_head_locked_alone) == []
    with transaction.atomic():
        Case.objects.select_for_update().get(id=case.id)
        record(users["coordinator"], "case.view", case, case_id=case.id)
        seal()  # seals the row it just appended, holding the case
    assert _caught(audit_head_locked_alone) == ["audit_audithead"]

"""The lock-order detector (consilium/tests/lock_order.py) catches a row locked after the audit
head in one transaction, and only then: not in the next transaction, not before the audit
row. Each test reads the detector every test runs under, and clears what it caught on purpose.
"""

import pytest
from django.db import transaction

from consilium.audit.trail import record
from consilium.cases.models import Case
from consilium.consultations.models import Consultation
from consilium.tests.racing import on_postgresql

pytestmark = on_postgresql


def _caught(guard) -> list[str]:
    tables = [wrong.split(" ")[0] for wrong in guard.wrong]
    guard.wrong.clear()
    return tables


def test_a_case_locked_after_an_audit_row_is_caught(audit_head_locked_last, journey, users):
    case, _ = journey("submitted")
    with transaction.atomic():
        record(users["coordinator"], "case.view", case, case_id=case.id)
        Case.objects.select_for_update().get(id=case.id)
    assert _caught(audit_head_locked_last) == ["cases_case"]


def test_a_lock_in_a_nested_block_of_the_same_transaction_is_caught(
        audit_head_locked_last, journey, users):
    case, consultation = journey("offered")
    with transaction.atomic():
        Case.objects.select_for_update().get(id=case.id)
        record(users["coordinator"], "case.view", case, case_id=case.id)
        with transaction.atomic():
            Consultation.objects.select_for_update().get(id=consultation.id)
    assert _caught(audit_head_locked_last) == ["consultations_consultation"]


def test_locks_before_the_audit_row_are_right(audit_head_locked_last, journey, users):
    case, consultation = journey("offered")
    with transaction.atomic():
        Case.objects.select_for_update().get(id=case.id)
        Consultation.objects.select_for_update().get(id=consultation.id)
        record(users["coordinator"], "case.view", case, case_id=case.id)
        record(users["coordinator"], "case.view", case, case_id=case.id)
    assert _caught(audit_head_locked_last) == []


def test_the_next_transaction_starts_afresh(audit_head_locked_last, journey, users):
    case, _ = journey("submitted")
    with transaction.atomic():
        record(users["coordinator"], "case.view", case, case_id=case.id)
    with transaction.atomic():
        Case.objects.select_for_update().get(id=case.id)
    record(users["coordinator"], "case.view", case, case_id=case.id)  # its own transaction
    list(Case.objects.select_for_update().filter(id=case.id))  # ditto
    assert _caught(audit_head_locked_last) == []


@pytest.mark.django_db(transaction=True)
def test_real_transactions_are_told_apart(audit_head_locked_last, journey, users):
    """With ``transactional_db`` no test block wraps the code: each atomic block is a real
    transaction, told apart by PostgreSQL's transaction ID."""
    case, _ = journey("submitted")
    with transaction.atomic():
        record(users["coordinator"], "case.view", case, case_id=case.id)
    with transaction.atomic():
        Case.objects.select_for_update().get(id=case.id)
    assert _caught(audit_head_locked_last) == []
    with transaction.atomic():
        record(users["coordinator"], "case.view", case, case_id=case.id)
        Case.objects.select_for_update().get(id=case.id)
    assert _caught(audit_head_locked_last) == ["cases_case"]


def test_locking_a_held_row_again_is_no_wait(audit_head_locked_last, journey, users):
    """The very query of a lock taken before the audit row locks rows the transaction holds
    (an action locking its case again, as an action it calls does): it never waits."""
    case, consultation = journey("offered")
    with transaction.atomic():
        Case.objects.select_for_update().get(id=case.id)
        record(users["coordinator"], "case.view", case, case_id=case.id)
        Case.objects.select_for_update().get(id=case.id)
        Case.objects.select_for_update().get(id=consultation.case_id)
    assert _caught(audit_head_locked_last) == []

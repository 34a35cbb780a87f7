"""The patient's own data: downloading it (export.py) and closing the account. Each is an
audited action; only the patient themself may do either."""

from typing import IO

from django.db import transaction

from consilium.accounts.models import Role
from consilium.audit.trail import record
from consilium.errors import NotAllowed

from .export import build_export


def may_have_own_data(user, acting_user) -> None:
    """Only a signed-in patient, for their own account (a caregiver, a physician a case is
    shared with, and staff see cases but are not the person they are about)."""
    if (acting_user is None or not acting_user.is_authenticated or user is None
            or acting_user.pk != user.pk or user.role != Role.PATIENT or not user.is_active):
        raise NotAllowed("Only the patient can download or close their own account.")


def do_export_data(user, *, acting_user) -> IO[bytes]:
    """Everything about the patient as a zip in a temporary file (export.build_export), one
    audit row ``user.data_export``; the caller streams and closes it."""
    may_have_own_data(user, acting_user)
    with transaction.atomic():
        record(acting_user, "user.data_export", user)
    return build_export(user)


def has_own_data(user) -> bool:
    """Whether the account page offers downloading one's data and closing the account."""
    return bool(user.is_authenticated and user.role == Role.PATIENT and user.is_active)

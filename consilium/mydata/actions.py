"""The patient's own data: downloading it (export.py) and closing the account. Each is an
audited action; only the patient themself may do either."""

from datetime import timedelta
from typing import IO

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from consilium.accounts.actions import do_revoke_api_token
from consilium.accounts.models import ApiToken, PatientIdentity, Role, User
from consilium.accounts.notify import notify_account_closed
from consilium.accounts.reauth import confirm_identity
from consilium.audit.trail import record
from consilium.cases.actions import do_close_case, do_revoke_share, do_withdraw_case
from consilium.cases.models import TRANSITIONS, Case, Share, Status
from consilium.errors import InvalidInput, NotAllowed
from consilium.opinions.models import ReportShare
from consilium.opinions.sharing import do_revoke_report_share
from consilium.records import storage
from consilium.records.models import Preview, Record

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


def do_close_account(request, user, password: str, *, acting_user) -> User:
    """Close the patient's own account, after their password (or a current code): the open
    cases are withdrawn (a decided one is closed), the shares with caregivers and physicians
    and the report links end, the API tokens are revoked, and the account can no longer sign
    in (the last step, with its audit row ``user.close``). The cases stay for
    ``RETENTION_DAYS`` (the law's time), then
    ``do_erase_closed_account`` erases them. Each step writes its own rows; the patient is
    emailed that it is done (no health data)."""
    may_have_own_data(user, acting_user)
    if len(password or "") > 1024:
        raise InvalidInput({"password": "That is not your password."})
    confirm_identity(request, user, password or "")
    if user.closed_at is not None:
        raise NotAllowed("This account is already closed.")
    # Each step is its own action and transaction (each locks its case, then what hangs on
    # it; one transaction around them all would hold every case of the patient at once, a
    # second lock of one kind no other action takes). Should one fail, the account stays open
    # and closing again finishes the rest.
    for case in Case.objects.filter(patient=user).order_by("created_at"):
        if Status.WITHDRAWN in TRANSITIONS[case.status]:
            do_withdraw_case(case, acting_user=acting_user)
        elif Status.CLOSED in TRANSITIONS[case.status]:
            do_close_case(case, acting_user=acting_user)
        for share in Share.objects.filter(case=case, revoked_at__isnull=True):
            do_revoke_share(case, share.pk, acting_user=acting_user)
    for report in ReportShare.objects.filter(opinion__consultation__case__patient=user,
                                             revoked_at__isnull=True):
        do_revoke_report_share(report, acting_user=acting_user)
    with transaction.atomic():
        patient = User.objects.select_for_update().get(pk=user.pk)
        if not patient.is_active or patient.closed_at is not None:
            raise NotAllowed("This account is already closed.")
        for token in ApiToken.objects.filter(user=patient, revoked_at__isnull=True):
            do_revoke_api_token(token, acting_user=acting_user)
        User.objects.filter(pk=patient.pk).update(is_active=False, closed_at=timezone.now())
        record(acting_user, "user.close", patient)
        notify_account_closed(patient.email)
    user.refresh_from_db()
    return user


def due_for_erasure():
    """Closed accounts whose retention time is over and whose cases are still kept."""
    cutoff = timezone.now() - timedelta(days=settings.RETENTION_DAYS)
    return User.objects.filter(closed_at__lte=cutoff, is_active=False, erased_at__isnull=True)


def do_erase_closed_account(user, *, acting_user=None) -> int:
    """Erase what a closed account kept once its retention time is over: its cases with
    everything in them (records and their encrypted files, messages, opinions, journal,
    decisions), its identity and addresses, its name; the account row stays, nameless and
    without a password, so the audit trail (which holds only types and IDs) still says who
    did what and that the account was closed and erased (``user.erase``). Returns the number
    of cases erased; run by ``manage.py erase_closed_accounts``."""
    cutoff = timezone.now() - timedelta(days=settings.RETENTION_DAYS)
    with transaction.atomic():
        patient = User.objects.select_for_update().get(pk=user.pk)
        if (patient.is_active or patient.closed_at is None or patient.closed_at > cutoff
                or patient.erased_at is not None):
            raise NotAllowed("Only a closed account is erased, once its retention time is over.")
        cases = list(Case.objects.filter(patient=patient).order_by("-created_at"))
        files = set(Record.objects.filter(case__in=cases).values_list("storage_name", flat=True))
        files |= set(Preview.objects.filter(record__case__in=cases).values_list(
            "storage_name", flat=True))
        for case in cases:  # the newest first: a third opinion names the case it continues
            record(acting_user, "case.erase", case, case_id=case.id)
            case.delete()
        PatientIdentity.objects.filter(user=patient).delete()
        EmailAddress.objects.filter(user=patient).delete()
        patient.username = f"closed-{patient.pk}"
        patient.first_name = patient.last_name = patient.email = ""
        patient.set_unusable_password()
        patient.erased_at = timezone.now()
        patient.save()
        record(acting_user, "user.erase", patient)
        transaction.on_commit(lambda: _erase_files(files))
    return len(cases)


def _erase_files(names: set[str]) -> None:
    """Delete the encrypted files no remaining record or picture names."""
    kept = set(Record.objects.filter(storage_name__in=names).values_list(
        "storage_name", flat=True)) | set(Preview.objects.filter(
            storage_name__in=names).values_list("storage_name", flat=True))
    for name in names - kept:
        storage.delete(name)

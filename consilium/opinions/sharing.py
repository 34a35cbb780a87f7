"""Sending the physician report to a treating physician, with the patient's consent.

The physician gets a link that works until it expires or the patient withdraws it. A
physician with an account here reads after signing in; an outside physician after a
six-digit code sent to the same address. Emails carry the link or the code, never health
data. Every view of the report is a row in the audit trail.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from consilium.accounts.models import Role
from consilium.accounts.tokens import hash_token, new_token
from consilium.audit.trail import record
from consilium.cases.actions import add_event
from consilium.cases.models import EventKind
from consilium.errors import Conflict, InvalidInput
from consilium.submissions.once import Once

from .actions import lock_case_of
from .models import Opinion, ReportShare
from .policy import policy
from .tasks import queue_report_code, queue_report_link

MAX_DAYS = 90
CODE_MINUTES, CODE_ATTEMPTS, CODE_RESEND_SECONDS = 10, 5, 60
# At most this many codes for one link, so at most 50 guesses at a six-digit code in its
# whole life (a chance of 1 in 20,000); then the patient sends the report again.
CODES_PER_LINK = 10
VERIFIED_HOURS = 1  # how long a code opens the report in that browser


@dataclass
class OutsideReader:
    """Who the audit trail names when an outside physician reads by code."""

    share: ReportShare
    is_authenticated: bool = False
    role: str = "outside_physician"

    @property
    def username(self) -> str:
        return f"report-share-{self.share.pk}"


def do_share_report(opinion: Opinion, email: str, days: int, consent: bool, *,
                    acting_user, key: str = "") -> ReportShare:
    """Send the physician report to a doctor. ``key``: the request's one-time key (the same
    key again returns the first share and sends nothing more)."""
    once = Once(acting_user, key, ReportShare)
    if (done := once.done()) is not None:
        return done
    policy.check(acting_user, opinion, "share_report")  # again on the locked case, below
    errors = {}
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = "Enter the doctor's email address."
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        errors["days"] = f"Choose between 1 and {MAX_DAYS} days."
    if not consent:
        errors["consent"] = "Tick the box to agree to send the report."
    if errors:
        raise InvalidInput(errors)
    raw, token_hash = new_token("rs_")
    recipient = get_user_model().objects.filter(email__iexact=email, role=Role.PHYSICIAN,
                                                is_active=True).first()
    with transaction.atomic():
        case, opinion = lock_case_of(opinion)
        if (done := once.earlier()) is not None:
            return done
        policy.check(acting_user, opinion, "share_report")
        share = ReportShare.objects.create(
            opinion=opinion, shared_by=acting_user, email=email, recipient=recipient,
            token_hash=token_hash, expires_at=timezone.now() + timedelta(days=days))
        once.made(share)
        add_event(case, EventKind.SHARED, acting_user, note="Report sent to a doctor")
        record(acting_user, "report_share.create", share, case_id=case.id)
    link = f"{settings.SITE_URL}/reports/{raw}/"
    transaction.on_commit(lambda: queue_report_link(share, link, days))
    return share


def do_revoke_report_share(share: ReportShare, *, acting_user) -> None:
    policy.check(acting_user, share.opinion, "revoke_share")
    with transaction.atomic():
        case, opinion = lock_case_of(share.opinion)
        policy.check(acting_user, opinion, "revoke_share")
        updated = ReportShare.objects.filter(pk=share.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now())
        if updated:
            add_event(case, EventKind.UNSHARED, acting_user, note="Report link withdrawn")
            record(acting_user, "report_share.revoke", share, case_id=case.id)


def is_recipient(user, share: ReportShare) -> bool:
    """A report sent to an account is read by that account only, signed in (an outside
    physician's share has no recipient and is read after a code instead)."""
    return (user.is_authenticated and share.recipient_id is not None
            and share.recipient_id == user.id)


def active_share(raw_token: str) -> ReportShare | None:
    share = ReportShare.objects.select_related(
        "opinion__consultation__case__patient", "opinion__consultation__specialist").filter(
        token_hash=hash_token(raw_token or "")).first()
    return share if share is not None and share.is_active() else None


def do_send_code(share: ReportShare) -> None:
    """Email a fresh one-time code to the share's address (at most one a minute)."""
    now = timezone.now()
    sent_at = share.code_expires_at - timedelta(minutes=CODE_MINUTES) \
        if share.code_expires_at else None
    if sent_at and (now - sent_at).total_seconds() < CODE_RESEND_SECONDS:
        raise Conflict("A code was sent less than a minute ago. Check your email, or wait a "
                       "minute and ask again.")
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        sent = ReportShare.objects.filter(pk=share.pk, codes_sent__lt=CODES_PER_LINK).update(
            code_hash=hash_token(code), code_expires_at=now + timedelta(minutes=CODE_MINUTES),
            code_attempts=0, codes_sent=F("codes_sent") + 1)
        if sent:
            record(OutsideReader(share), "report_share.code_sent", share,
                   case_id=share.opinion.consultation.case_id)
    if not sent:
        raise Conflict("This link has had all the codes it can have. Ask the patient to "
                       "send you the report again.")
    transaction.on_commit(lambda: queue_report_code(share, code, CODE_MINUTES))


def do_check_code(share: ReportShare, code: str) -> None:
    """Raise InvalidInput unless ``code`` is the share's current code; every try counts."""
    guess = hash_token((code or "").strip())
    with transaction.atomic():
        # The try is taken before comparing, by one conditional UPDATE that holds the row
        # until commit, so parallel guesses cannot all see tries left.
        taken = ReportShare.objects.filter(
            pk=share.pk, code_attempts__lt=CODE_ATTEMPTS, code_expires_at__gt=timezone.now(),
        ).exclude(code_hash="").update(code_attempts=F("code_attempts") + 1)
        current = ReportShare.objects.values_list("code_hash", flat=True).get(pk=share.pk)
        right = bool(taken) and secrets.compare_digest(current, guess)
        if right:
            ReportShare.objects.filter(pk=share.pk).update(code_hash="", code_expires_at=None)
        # Every try is on the trail, right or wrong (a guessing run shows as a run of rows).
        record(OutsideReader(share), "report_share.code_tried", share,
               case_id=share.opinion.consultation.case_id)
    if not taken:
        raise InvalidInput({"code": "This code has expired or was tried too often. Ask for "
                                    "a new one."})
    if not right:
        raise InvalidInput({"code": "That code is not right. Check the latest email."})


def do_view_shared_report(share: ReportShare, *, acting_user) -> None:
    """Count and audit one view of the shared report (``acting_user``: the physician signed
    in, or the OutsideReader of a code)."""
    with transaction.atomic():
        ReportShare.objects.filter(pk=share.pk).update(views=F("views") + 1,
                                                       last_viewed_at=timezone.now())
        record(acting_user, "opinion.report_shared_view", share.opinion,
               case_id=share.opinion.consultation.case_id)

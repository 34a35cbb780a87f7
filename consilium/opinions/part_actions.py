"""The parts of a combined review (docs/work-queue.md, "Combined reviews").

The coordinator asks specialists of other specialties for parts of a case's review
(consultations.actions.do_offer_part). Each part's specialist writes their findings here and
signs them, after re-authentication, as an opinion is signed; signing freezes the part and
records its SHA-256. The lead's opinion waits until no part is open (offered or accepted),
then covers each signed part's hash (actions.opinion_content): one combined opinion, with
each author, goes to the patient and the physician.
"""

from django.db import transaction
from django.utils import timezone

from consilium.accounts.models import Role
from consilium.accounts.notify import notify_role, notify_users
from consilium.accounts.reauth import confirm_identity
from consilium.audit.trail import record
from consilium.cases.actions import add_event
from consilium.cases.models import Case, EventKind
from consilium.consultations.actions import locked_consultation, move_consultation
from consilium.consultations.models import Consultation, ConsultationStatus
from consilium.errors import Conflict, InvalidInput

from .hashing import sha256_of
from .models import OpinionPart
from .policy import part_of, part_policy
from .schemas import PartIn


class StalePart(Conflict):
    """The save was based on an older version of the part (another tab)."""

    def __init__(self, current: OpinionPart):
        super().__init__("Your part was changed in another tab since you opened it (now "
                         f"version {current.version}). Nothing was overwritten: reload, "
                         "then save again.")
        self.current = current


def _load_for_writing(consultation: Consultation, user, action: str) -> tuple[Case, OpinionPart]:
    """The locked case and the part, locked (made on the first save), once the policy allows
    ``action`` on it as it is now (the case first, as every consultation action locks)."""
    case, current = locked_consultation(consultation)
    part = part_of(current)
    part_policy.check(user, part, action)
    if part._state.adding:
        part.save()
    part = OpinionPart.objects.select_for_update().get(pk=part.pk)
    part.consultation = current
    return case, part


def do_save_part(consultation: Consultation, findings, *, acting_user, base_version: int
                 ) -> OpinionPart:
    """Save the part's findings, based on ``base_version`` (0 before the first save)."""
    findings = PartIn.read({"findings": findings}).findings
    with transaction.atomic():
        case, part = _load_for_writing(consultation, acting_user, "edit")
        if part.version != base_version:
            raise StalePart(part)
        part.findings, part.updated_at = findings, timezone.now()
        part.version += 1
        part.save()
        record(acting_user, "opinion_part.save", part, case_id=case.id)
    return part


def part_content(part: OpinionPart) -> dict:
    """Everything the part's signature covers, as plain JSON values."""
    consultation = part.consultation
    specialist = consultation.specialist
    return {
        "case": str(consultation.case_id),
        "consultation": str(consultation.id),
        "specialist": {"name": specialist.name, "npi": specialist.npi,
                       "specialty": specialist.specialty},
        "asked": consultation.part_asked,
        "findings": part.findings,
        "signed_at": part.signed_at.isoformat() if part.signed_at else None,
    }


def do_sign_part(consultation: Consultation, *, acting_user, request, secret: str
                 ) -> OpinionPart:
    """Sign the part after re-authentication: it is frozen, the consultation completed, and
    the lead specialist and the coordinators told (the case's reference only)."""
    part_policy.check(acting_user, part_of(consultation), "sign")
    confirm_identity(request, acting_user, secret)  # outside: a rollback would undo the count
    with transaction.atomic():
        case, part = _load_for_writing(consultation, acting_user, "sign")
        if not part.findings:
            raise InvalidInput({"findings": "Write your findings before signing."})
        part.signed_at, part.signed_by = timezone.now(), acting_user
        part.content_sha256 = sha256_of(part_content(part))
        part.save(update_fields=["signed_at", "signed_by", "content_sha256"])
        move_consultation(part.consultation, ConsultationStatus.COMPLETED, acting_user,
                          completed_at=part.signed_at)
        consultation.status = ConsultationStatus.COMPLETED
        add_event(case, EventKind.PART_SIGNED, acting_user,
                  note=part.consultation.specialist.name)
        record(acting_user, "opinion_part.sign", part, case_id=case.id)
        lead = list(Consultation.objects.filter(
            case=case, is_part=False, status=ConsultationStatus.ACCEPTED).values_list(
            "specialist__user_id", flat=True))
    notify_users([u for u in lead if u], "A part of a review you lead is signed", case)
    notify_role(Role.COORDINATOR, "A part of a review is signed", case)
    return part


def is_part_intact(part: OpinionPart) -> bool:
    return bool(part.content_sha256) and part.content_sha256 == sha256_of(part_content(part))

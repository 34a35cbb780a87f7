"""Who may see which case: decided here and nowhere else.

A patient sees their own cases; a caregiver or treating physician the cases a patient shared
with them; a coordinator every case of the program; a specialist the cases offered to or
accepted by them. Unknown and forbidden raise the same ``Http404``, so IDs leak nothing.
Every successful read is written to the audit trail, and every refusal as ``….refused``.
"""

import uuid

from django.db.models import QuerySet
from django.http import Http404

from consilium.accounts.models import Role
from consilium.audit.trail import record, record_many, record_refused
from consilium.errors import DomainError

from .models import Case, Share

# Consultation states in which the specialist keeps access to the case.
SPECIALIST_VISIBLE = ("offered", "accepted", "completed")


def cases_visible_to(user) -> QuerySet[Case]:
    """Return the cases ``user`` may see, without recording a read."""
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    role = user.role
    if role == Role.PATIENT:
        return Case.objects.filter(patient=user)
    if role in (Role.CAREGIVER, Role.PHYSICIAN):
        shared = Share.objects.filter(grantee=user, revoked_at__isnull=True)
        return Case.objects.filter(id__in=shared.values("case_id"))
    if role == Role.COORDINATOR:
        return Case.objects.all()
    if role == Role.SPECIALIST:
        # Through the consultations' relation to the case: cases sit below consultations
        # (.importlinter). A subquery, not a join, so the rows stay distinct and lockable.
        offered = Case.objects.filter(consultations__specialist__user=user,
                                      consultations__status__in=SPECIALIST_VISIBLE)
        return Case.objects.filter(id__in=offered.values("id"))
    return Case.objects.none()


def keeps_cases(user) -> bool:
    """Everyone but administrators may have cases to see; administrators run the program
    and see none (``cases_visible_to``), so they have no case list either."""
    return user.is_authenticated and user.role != Role.ADMIN


def case_list_readers_only(user) -> None:
    if not keeps_cases(user):
        raise Http404


def _parse_id(case_id) -> uuid.UUID:
    try:
        return uuid.UUID(str(case_id))
    except ValueError:
        raise Http404("No such case") from None


def access_case_by_id(user, case_id, *, action: str = "case.view", for_update=False,
                      check=None) -> Case:
    """Load a case the user may see and record the read; 404 for unknown and forbidden alike.

    ``check(case, user)`` is the page's own rule (e.g. only coordinators see matches): when it
    raises a DomainError or Http404, the refusal is recorded instead of a read.
    """
    case = load_visible_case(user, case_id, action=action, for_update=for_update)
    if check is not None:
        try:
            check(case, user)
        except (DomainError, Http404):
            record_refused(user, action, Case, case.id, case_id=case.id)
            raise
    record(user, action, case, case_id=case.id)
    return case


def load_visible_case(user, case_id, *, action: str = "case.view", for_update=False) -> Case:
    """The case, without recording a read (the caller records it once its own checks pass);
    a refusal is recorded here, as ``<action>.refused``."""
    key = _parse_id(case_id)
    queryset = cases_visible_to(user).select_related("patient", "owner")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    case = queryset.filter(id=key).first()
    if case is None:
        record_refused(user, action, Case, key, case_id=key)
        raise Http404("No such case")
    return case


def record_case_list(user, cases) -> None:
    """Record that a list page showed these cases to ``user``."""
    record_many(user, "case.list", cases, case_id_of=lambda case: case.id)


def is_case_owner(user, case: Case) -> bool:
    return case.patient_id == user.id


def patients_own(case: Case, user) -> None:
    """A ``check`` for the patient's own pages (journal, story): 404 to everyone else."""
    if not is_case_owner(user, case):
        raise Http404("No such case")

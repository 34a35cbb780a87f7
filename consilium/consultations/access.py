"""Who may see which consultation; same rules as the case it belongs to."""

import uuid

from django.http import Http404

from consilium.accounts.models import Role
from consilium.audit.trail import record, record_refused
from consilium.cases.access import cases_visible_to
from consilium.errors import DomainError

from .models import Consultation


def access_consultation_by_id(user, consultation_id, *, action="consultation.view",
                              check=None):
    """Load a consultation the user may see and record the read; a specialist sees only
    their own.

    ``check(consultation, user)`` is the page's own rule: when it raises a DomainError or
    Http404, the refusal is recorded instead of a read.
    """
    consultation = load_visible_consultation(user, consultation_id, action=action)
    if check is not None:
        try:
            check(consultation, user)
        except (DomainError, Http404):
            record_refused(user, action, Consultation, consultation.pk,
                           case_id=consultation.case_id)
            raise
    record(user, action, consultation, case_id=consultation.case_id)
    return consultation


def load_visible_consultation(user, consultation_id, *, action="consultation.view"):
    """The consultation, without recording a read; a refusal is recorded here."""
    try:
        key = uuid.UUID(str(consultation_id))
    except ValueError:
        raise Http404("No such consultation") from None
    consultation = _visible_to(user).select_related(
        "case", "specialist", "case__patient").filter(id=key).first()
    if consultation is None:
        record_refused(user, action, Consultation, key)
        raise Http404("No such consultation")
    return consultation


def visible_case_id(user, consultation_id) -> uuid.UUID | None:
    """The case of a consultation the user sees, or None; records nothing (the error page
    draws its "Back to the case" link with it, not a read)."""
    try:
        key = uuid.UUID(str(consultation_id))
    except ValueError:
        return None
    return _visible_to(user).filter(id=key).values_list("case_id", flat=True).first()


def _visible_to(user):
    """The consultations of the cases the user sees; a specialist's only their own."""
    queryset = Consultation.objects.filter(case__in=cases_visible_to(user))
    if user.role == Role.SPECIALIST:
        queryset = queryset.filter(specialist__user=user)
    return queryset

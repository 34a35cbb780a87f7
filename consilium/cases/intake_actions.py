"""The coordinator's case summary for the specialist (the intake): written, or confirmed from
a pre-filled draft, before the case is offered; one transaction with a case Event and an
audit row, like every action in ``actions.py``. Who may write it, and when, is the case
policy's "write_intake"."""

from django.db import transaction
from django.utils import timezone

from consilium.audit.trail import record
from consilium.errors import Conflict

from .actions import add_event, locked_case
from .models import Case, EventKind, IntakeSummary
from .schemas import IntakeIn

FIELDS = ("history", "key_question", "records_show", "missing")


class StaleIntake(Conflict):
    """The edit was based on an older version; ``current`` is the summary now stored."""

    def __init__(self, current: IntakeSummary):
        who = f" by {current.written_by}" if current.written_by else ""
        super().__init__(f"This summary was changed{who} since you opened it (now version "
                         f"{current.version}). Nothing was overwritten: read the version saved "
                         "now, then save again to replace it with yours.")
        self.current = current


def intake_of(case: Case) -> IntakeSummary | None:
    """The case's summary, or None while no coordinator has saved one."""
    return IntakeSummary.objects.select_related("written_by").filter(case=case).first()


def do_save_intake_summary(case: Case, data: dict | IntakeIn, *, acting_user,
                           base_version: int) -> IntakeSummary:
    """Save the summary on top of ``base_version`` (0 for the first save); a save based on
    an older version is refused (StaleIntake) and changes nothing. The same text again
    writes nothing (a double submit)."""
    summary = IntakeIn.read(data)
    with transaction.atomic():
        current = locked_case(case, "write_intake", user=acting_user)
        # Only the summary's row is locked (PostgreSQL locks no nullable side of a join).
        intake = IntakeSummary.objects.select_for_update(of=("self",)).select_related(
            "written_by").filter(case=current).first() or IntakeSummary(case=current)
        if intake.pk and all(getattr(intake, f) == getattr(summary, f) for f in FIELDS):
            return intake  # nothing to overwrite: a second click, or the same words
        if intake.version != base_version:
            raise StaleIntake(intake)
        for field in FIELDS:
            setattr(intake, field, getattr(summary, field))
        intake.version += 1
        intake.written_by = acting_user
        intake.updated_at = timezone.now()
        intake.save()
        add_event(current, EventKind.INTAKE_SAVED, acting_user,
                  note="" if intake.version == 1 else f"Version {intake.version}")
        record(acting_user, "case.intake", intake, case_id=current.id)
    return intake

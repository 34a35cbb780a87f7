"""What a user who can see a case may do with its records: one rule per action.

The object is the case whose records they are: every records action is taken on a case's
records as a whole (add files, correct a file's type, ask the first provider for what is
missing), and who may take it depends on the case and the user, never on one file. What a
file *is* (only a DICOM image has a de-identified copy, only some files have a picture) is
answered where the file is read (``records.api.only_dicom``, ``records.views._has_preview``),
the same for everyone who may see it. Who may see the records at all is ``cases.access``.
See consilium/policy.py.
"""

from consilium.accounts.models import Role
from consilium.cases.access import is_case_owner
from consilium.cases.models import Case
from consilium.consultations.models import Consultation
from consilium.errors import Conflict, NotAllowed
from consilium.policy import Policy

policy = Policy("record")

# A specialist adds notes to a case they took on (not one only offered to them).
SPECIALIST_ADDS_IN = ("accepted", "completed")


def _took_on(user, case: Case) -> bool:
    """The specialist accepted the case; from the page's prefetched consultations when there
    are some."""
    prefetched = getattr(case, "_prefetched_objects_cache", {}).get("consultations")
    if prefetched is not None:
        return any(c.status in SPECIALIST_ADDS_IN and c.specialist.user_id == user.id
                   for c in prefetched)
    return Consultation.objects.filter(
        case=case, specialist__user=user, status__in=SPECIALIST_ADDS_IN).exists()


NOT_YET_ACCEPTED = ("Accept the case to see its records. Until then, read the coordinator's "
                    "summary on the case page.")


@policy.rule("read")
def _read(user, case):
    """See the records themselves (files, imaging, the health history, the clinical summary,
    the packet): everyone who sees the case, but a specialist only once they accepted it. An
    offer is a question ("will you take this case?"), answered from the first opinion and the
    coordinator's summary; the patient's files go to the one who takes it on."""
    if user.role == Role.SPECIALIST and not _took_on(user, case):
        return NotAllowed(NOT_YET_ACCEPTED)
    return None


@policy.rule("add")
def _add(user, case):
    """Add files: anyone who sees an open case, a specialist once they accepted it."""
    if user.role == Role.SPECIALIST and not _took_on(user, case):
        return NotAllowed("Accept the case before adding notes to it.")
    if not case.is_open:
        return Conflict("Records can no longer be added to a closed or withdrawn case.")
    return None


@policy.rule("retype")
def _retype(user, case):
    """Correct the type guessed at upload: whoever may add records."""
    return _add(user, case)


@policy.rule("remove")
def _remove(user, case):
    """Remove a record for good (records.actions.do_remove_record): the patient, whose
    records they are, and the coordinators, who tidy a case (a file sent twice, another
    person's); while the case is open: a closed case is kept as it was decided."""
    if not (is_case_owner(user, case) or user.role == Role.COORDINATOR):
        return NotAllowed("Only the patient or a coordinator can remove a record.")
    if not case.is_open:
        return Conflict("The case is closed; its records can no longer be removed.")
    return None


@policy.rule("request_release")
def _request_release(user, case):
    """The letter asking the first provider for the records: only the patient authorizes
    the release of their own records."""
    if not is_case_owner(user, case):
        return NotAllowed("Only the patient can authorize the release of their records.")
    return None


@policy.rule("see_held")
def _see_held(user, case):
    """See the records on hold (records.holds): the patient and the coordinators, who know
    whose files they are; a record that may be about someone else is shown to no one else."""
    if not (is_case_owner(user, case) or user.role == Role.COORDINATOR):
        return NotAllowed("Only the patient or a coordinator can see records on hold.")
    return None


@policy.rule("settle_hold")
def _settle_hold(user, case):
    """Confirm a record on hold is the patient's: who sees it, while the case is open."""
    if (refused := _see_held(user, case)) is not None:
        return refused
    if not case.is_open:
        return Conflict("The case is closed; its records can no longer change.")
    return None


@policy.rule("mark_checklist")
def _mark_checklist(user, case):
    """Tick or untick a checklist item themselves (sent another way, or not had): the
    patient, whose records they are, while the case is open."""
    if not is_case_owner(user, case):
        return NotAllowed("Only the patient can mark the checklist.")
    if not case.is_open:
        return Conflict("The case is closed; its checklist can no longer change.")
    return None


@policy.rule("confirm_checklist")
def _confirm_checklist(user, case):
    """Confirm the patient's mark on a checklist item: the coordinators, while the case is
    open."""
    if user.role != Role.COORDINATOR:
        return NotAllowed("Only a coordinator can confirm the checklist.")
    if not case.is_open:
        return Conflict("The case is closed; its checklist can no longer change.")
    return None


@policy.rule("see_requests")
def _see_requests(user, case):
    """See the requests for records to the providers (records.RecordsRequest): the patient,
    whose records are asked and whose signature releases them, and the coordinators, who send
    and chase them. Who treats the patient is not the specialist's business; what arrived is
    in the records."""
    if not (is_case_owner(user, case) or user.role == Role.COORDINATOR):
        return NotAllowed("Only the patient and the coordinators see the requests for "
                          "records.")
    return None


@policy.rule("add_request")
def _add_request(user, case):
    """Write down a provider to ask for records: a coordinator, or the patient (who knows who
    treated them), while the case is open. The coordinators send it."""
    if (refused := _see_requests(user, case)) is not None:
        return refused
    if not case.is_open:
        return Conflict("The case is closed; no more records are asked for.")
    return None


@policy.rule("manage_requests")
def _manage_requests(user, case):
    """Change, send, remind, close with what arrived or cancel a request for records: the
    coordinators, while the case is open."""
    if user.role != Role.COORDINATOR:
        return NotAllowed("Only a coordinator can send or change a request for records.")
    if not case.is_open:
        return Conflict("The case is closed; its requests for records can no longer change.")
    return None

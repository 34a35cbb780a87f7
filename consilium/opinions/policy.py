"""What a user who can read an opinion (or its draft) may do with it: one rule per action.

Who may *see* the opinion is ``opinions.access``; this decides what they may do. The object
is the ``Opinion``; before the first save it is an unsaved one (``opinion_of``), so that the
specialist's "write the opinion" is asked the same way as everything after. The opinion's
consultation and case must be loaded with it (``select_related``), as the access helpers do.
See consilium/policy.py.
"""

from consilium.accounts.models import Role
from consilium.cases.access import is_case_owner
from consilium.cases.models import Status
from consilium.consultations.models import Consultation, ConsultationStatus
from consilium.errors import Conflict, NotAllowed
from consilium.policy import Policy
from consilium.terms.access import current as program_terms

from .models import Opinion, OpinionPart

policy = Policy("opinion")

# Cases in which the patient may still ask the specialist a follow-up question, and who asks.
FOLLOW_UP_STATES = (Status.OPINION_DELIVERED, Status.DECIDED, Status.FOLLOWING_UP)
FOLLOW_UP_ASKERS = (Role.PATIENT, Role.CAREGIVER)


def opinion_of(consultation: Consultation) -> Opinion:
    """The consultation's opinion, or an unsaved one before the specialist first saves."""
    try:
        return consultation.opinion
    except Opinion.DoesNotExist:
        return Opinion(consultation=consultation)


def on_consultation(action: str):
    """A ``check=`` for the opinion access helpers, which hand it the consultation."""

    def check(consultation, user) -> None:
        policy.check(user, opinion_of(consultation), action)

    return check


def _is_author(user, opinion: Opinion) -> bool:
    return opinion.consultation.specialist.user_id == user.id


def _follow_ups(opinion: Opinion) -> list:
    """The opinion's follow-up questions, from the access helpers' prefetch when there is one."""
    if opinion._state.adding:
        return []
    return list(opinion.follow_up_questions.all())


def follow_ups_left(opinion: Opinion) -> int:
    return max(0, program_terms().follow_up_questions - len(_follow_ups(opinion)))


@policy.rule("edit")
def _edit(user, opinion):
    """Write and save the draft (the editor, autosave and ``PUT .../opinion``)."""
    if not _is_author(user, opinion):
        return NotAllowed("Only the specialist who accepted the case can write its opinion.")
    if opinion.consultation.is_part:
        return NotAllowed("You were asked for a part of the review: write your part; the "
                          "lead specialist writes the opinion.")
    if opinion.consultation.status != ConsultationStatus.ACCEPTED:
        return Conflict("The opinion can be written only while the consultation is accepted.")
    if opinion.is_signed:
        return Conflict("The opinion is signed and can no longer be changed.")
    return None


@policy.rule("sign")
def _sign(user, opinion):
    """Sign the draft (what is still missing is the action's InvalidInput, by field; the
    parts of a combined review still open, the action's Conflict)."""
    return _edit(user, opinion)


@policy.rule("add_addendum")
def _add_addendum(user, opinion):
    if not _is_author(user, opinion):
        return NotAllowed("Only the specialist who signed the opinion adds to it.")
    if not opinion.is_signed:
        return Conflict("Sign the opinion first; until then, edit it.")
    return None


@policy.rule("answer_follow_up")
def _answer_follow_up(user, opinion, question=None):
    """Answer a follow-up question with an addendum: ``question``, or any still open."""
    refusal = _add_addendum(user, opinion)
    if refusal is not None:
        return refusal
    if question is not None:
        if question.opinion_id != opinion.pk:
            return NotAllowed("That question is not about this opinion.")
        open_questions = [question]
    else:
        open_questions = _follow_ups(opinion)
    if all(hasattr(q, "answer") for q in open_questions):  # a reverse one-to-one: answered
        return Conflict("That question already has an answer." if question is not None
                        else "There is no follow-up question left to answer.")
    return None


@policy.rule("ask_follow_up")
def _ask_follow_up(user, opinion):
    if user.role not in FOLLOW_UP_ASKERS:
        return NotAllowed("Follow-up questions come from the patient or their caregiver.")
    if not opinion.is_signed or opinion.consultation.case.status not in FOLLOW_UP_STATES:
        return Conflict("Follow-up questions can be asked once the opinion is delivered "
                        "and while the case is open.")
    if not follow_ups_left(opinion):
        return Conflict(f"You have asked all {program_terms().follow_up_questions} follow-up "
                        "questions this program allows. Send the team a message instead.")
    return None


@policy.rule("share_report")
def _share_report(user, opinion):
    """Send the physician report to a treating physician (the patient's consent)."""
    if not is_case_owner(user, opinion.consultation.case):
        return NotAllowed("Only the patient can send their report to a doctor.")
    if not opinion.is_signed:
        return Conflict("The report can be shared once the opinion is signed.")
    return None


@policy.rule("revoke_share")
def _revoke_share(user, opinion):
    if not is_case_owner(user, opinion.consultation.case):
        return NotAllowed("Only the patient can withdraw a report they shared.")
    if not opinion.is_signed:
        return Conflict("A report is shared once the opinion is signed.")
    return None


@policy.rule("read_report")
def _read_report(user, opinion):
    """The patient summary and physician report PDFs and the FHIR export: whoever sees the
    case (``opinions.access``), once the opinion is signed."""
    if not opinion.is_signed:
        return Conflict("The report exists once the opinion is signed.")
    return None


# --- the parts of a combined review (``OpinionPart``) ------------------------------------

part_policy = Policy("opinion_part")


def part_of(consultation: Consultation) -> OpinionPart:
    """The consultation's part, or an unsaved one before its specialist first saves."""
    try:
        return consultation.opinion_part
    except OpinionPart.DoesNotExist:
        return OpinionPart(consultation=consultation)


@part_policy.rule("edit")
def _edit_part(user, part):
    """Write and save the part (its page and ``PUT .../part``)."""
    consultation = part.consultation
    if not consultation.is_part:
        return NotAllowed("This consultation leads the review: write the opinion.")
    if consultation.specialist.user_id != user.id:
        return NotAllowed("Only the specialist who accepted this part writes it.")
    if consultation.status != ConsultationStatus.ACCEPTED:
        return Conflict("The part can be written only while it is accepted.")
    if part.is_signed:
        return Conflict("The part is signed and can no longer be changed.")
    return None


@part_policy.rule("sign")
def _sign_part(user, part):
    return _edit_part(user, part)

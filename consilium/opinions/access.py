"""Who may read an opinion: its author always; everyone else who sees the case once it is signed."""

from django.http import Http404

from consilium.accounts.models import Role
from consilium.audit.trail import record, record_many, record_refused
from consilium.consultations.access import load_visible_consultation
from consilium.consultations.models import Consultation, ConsultationStatus
from consilium.errors import DomainError

from .models import Opinion, OpinionPart
from .policy import on_consultation

# What the pages, reports and API show of an opinion, read in one query each.
PARTS = ("answers", "options", "addenda__answers", "follow_up_questions__answer")


def access_opinion_by_consultation_id(user, consultation_id, *, signed_only=False,
                                      check=None) -> tuple:
    """Return (consultation, opinion or None); 404 if the user may not read it. The reads
    are recorded once every check passed, ``check(consultation, user)`` (the page's own rule,
    raising a DomainError or Http404) last."""
    consultation = load_visible_consultation(user, consultation_id, action="opinion.view")
    opinion = Opinion.objects.filter(consultation=consultation).prefetch_related(
        *PARTS).first()
    is_author = user.role == Role.SPECIALIST and not signed_only
    if not is_author and (opinion is None or not opinion.is_signed):
        record_refused(user, "opinion.view", type(consultation), consultation.pk,
                       case_id=consultation.case_id)
        raise Http404("No such opinion")
    if check is not None:
        try:
            check(consultation, user)
        except (DomainError, Http404):
            record_refused(user, "opinion.view", type(consultation), consultation.pk,
                           case_id=consultation.case_id)
            raise
    record(user, "consultation.view", consultation, case_id=consultation.case_id)
    if opinion is not None:
        record(user, "opinion.view", opinion, case_id=consultation.case_id)
    return consultation, opinion


def check_writable(user, consultation_id, action="edit"):
    """The consultation whose opinion the user may still write (the opinion policy's
    ``action``), recording no read: for requests that show nothing of the case, such as the
    reading grade of the text the specialist is typing. A refusal is recorded and raised
    (404 for a consultation the user does not see, else the policy's 403 or 409)."""
    consultation = load_visible_consultation(user, consultation_id, action="opinion.edit")
    try:
        on_consultation(action)(consultation, user)
    except DomainError:
        record_refused(user, "opinion.edit", type(consultation), consultation.pk,
                       case_id=consultation.case_id)
        raise
    return consultation


def signed_opinion_for_case(user, case):
    """The case's signed opinion, recorded as read, or None."""
    opinion = (
        Opinion.objects.filter(consultation__case=case, signed_at__isnull=False)
        .select_related("consultation__specialist", "comparison")
        .prefetch_related(*PARTS)
        .first()
    )
    if opinion is not None:
        record(user, "opinion.view", opinion, case_id=case.id)
    return opinion


def questions_with_answers(case, opinion) -> list:
    """The case's questions in order, each with ``.answer`` (the Answer, or None)."""
    answers = {a.question_id: a for a in opinion.answers.all()} if opinion else {}
    questions = list(case.questions.all())
    for question in questions:
        question.answer = answers.get(question.id)
    return questions


def access_signed_opinion(user, consultation_id, *, check=None) -> tuple:
    """(consultation, opinion) for a signed opinion the user may read; 404 otherwise."""
    return access_opinion_by_consultation_id(user, consultation_id, signed_only=True,
                                             check=check)


# --- the parts of a combined review -----------------------------------------------------

OPEN_PART = (ConsultationStatus.OFFERED, ConsultationStatus.ACCEPTED)


def open_parts(case) -> list[Consultation]:
    """The parts the lead's opinion waits for: offered or accepted, not yet signed (who and
    which specialty, nothing of what they wrote)."""
    return list(Consultation.objects.filter(case=case, is_part=True, status__in=OPEN_PART)
                .select_related("specialist").order_by("offered_at"))


def signed_parts(case_id) -> list[OpinionPart]:
    """The case's signed parts in the order they were signed (what the opinion covers),
    without recording a read: for the signature's hash."""
    return list(OpinionPart.objects.filter(consultation__case_id=case_id,
                                           signed_at__isnull=False)
                .select_related("consultation__specialist").order_by("signed_at", "pk"))


def parts_read_by(user, case) -> list[OpinionPart]:
    """The signed parts shown with the opinion (to whoever reads the signed opinion, and to
    its author while writing it), recorded as read."""
    parts = signed_parts(case.id)
    record_many(user, "opinion_part.view", parts, case_id_of=lambda part: case.id)
    return parts


def access_part_by_consultation_id(user, consultation_id) -> tuple:
    """(consultation, part or None) for the specialist of a combined review's part, the
    read recorded; 404 for anyone else (the others read the part once the opinion covering
    it is signed, with it)."""
    consultation = load_visible_consultation(user, consultation_id, action="opinion_part.view")
    if not consultation.is_part or consultation.specialist.user_id != user.id:
        record_refused(user, "opinion_part.view", type(consultation), consultation.pk,
                       case_id=consultation.case_id)
        raise Http404("No such part")
    part = OpinionPart.objects.filter(consultation=consultation).first()
    record(user, "consultation.view", consultation, case_id=consultation.case_id)
    if part is not None:
        record(user, "opinion_part.view", part, case_id=consultation.case_id)
    return consultation, part

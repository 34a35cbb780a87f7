"""Writing, saving and signing the specialist's opinion; addenda and follow-up questions.

A draft carries a version number. A save names the version it was based on; if the opinion
has moved on since (another tab, another editor), the save is refused with both versions
(StaleOpinion, HTTP 409) and nothing is overwritten.

Signing needs the specialist's password or authenticator code, freezes the content and
stores the SHA-256 of its canonical JSON (``opinion_content``). After that, the specialist
adds signed addenda; each addendum's hash covers the one before it.
"""

from django.db import transaction
from django.utils import timezone

from consilium.accounts.notify import notify_users
from consilium.accounts.reauth import confirm_identity
from consilium.audit.trail import record
from consilium.cases.actions import add_event, move_case
from consilium.cases.models import Case, EventKind, Question, Status
from consilium.consultations.actions import locked_consultation, move_consultation
from consilium.consultations.models import Consultation, ConsultationStatus
from consilium.errors import Conflict, InvalidInput
from consilium.submissions.once import Once

from . import signals
from .access import open_parts, signed_parts
from .hashing import sha256_of
from .models import (
    Addendum,
    Answer,
    DiagnosisAgreement,
    FollowUpQuestion,
    Opinion,
    Option,
    TreatmentAgreement,
)
from .policy import opinion_of, policy
from .schemas import OPTION_FIELDS, AddendumBodyIn, AnswerIn, FollowUpIn, OpinionDraftIn

# The opinion's own fields a save may change (its options and answers are rows of their own).
CONTENT = set(OpinionDraftIn.model_fields) - {"options", "answers"}


class StaleOpinion(Conflict):
    """The save was based on an older version; ``current`` is the version now stored."""

    def __init__(self, current: Opinion):
        super().__init__("This opinion was changed in another tab or by another editor "
                         f"since you opened it (now version {current.version}). Nothing was "
                         "overwritten: compare both versions, then save again.")
        self.current = current


def _answers_to(case_id, answers: list[AnswerIn]) -> dict[int, AnswerIn]:
    """The answers by question, each to one of the case's questions (else refused)."""
    question_ids = set(Question.objects.filter(case_id=case_id).values_list("id", flat=True))
    if any(answer.question_id not in question_ids for answer in answers):
        raise InvalidInput({"answers": "An answer refers to a question this case does not have."})
    return {answer.question_id: answer for answer in answers}


def _load_for_writing(consultation: Consultation, user, action: str = "edit"
                      ) -> tuple[Case, Opinion]:
    """The locked case and the opinion (made on the first save), once the policy allows
    ``action`` on it as it is now. The case is locked before the consultation, as every
    consultation action takes them (``locked_consultation``): no deadlock with a release."""
    case, current = locked_consultation(consultation)
    opinion = opinion_of(current)
    policy.check(user, opinion, action)
    if opinion._state.adding:
        opinion.save()
    return case, opinion


def do_save_opinion(consultation: Consultation, data: dict | OpinionDraftIn, *, acting_user,
                    base_version: int) -> Opinion:
    """Save a draft based on ``base_version`` (0 before the first save): the fields ``data``
    gives (read as ``OpinionDraftIn``; the API's payload as it is). The first save puts the
    case in review."""
    draft = OpinionDraftIn.read(data)
    changes = {name: value for name, value in draft.given().items() if name in CONTENT}
    answers = _answers_to(consultation.case_id, draft.answers or [])
    with transaction.atomic():
        case, opinion = _load_for_writing(consultation, acting_user)
        opinion = Opinion.objects.select_for_update().get(pk=opinion.pk)
        if opinion.version != base_version:
            raise StaleOpinion(opinion)
        for field, value in changes.items():
            setattr(opinion, field, "" if value is None else value)  # a choice left empty
        opinion.version += 1
        opinion.updated_at = timezone.now()
        opinion.save()
        if draft.options is not None:
            opinion.options.all().delete()
            Option.objects.bulk_create(Option(opinion=opinion, position=n, **o.model_dump())
                                       for n, o in enumerate(draft.options, 1))
        for question_id, answer in answers.items():
            Answer.objects.update_or_create(opinion=opinion, question_id=question_id,
                                            defaults={"text": answer.text,
                                                      "deferred": answer.deferred})
        if case.status == Status.SPECIALIST_ASSIGNED:
            move_case(case, Status.IN_REVIEW, acting_user)
        record(acting_user, "opinion.save", opinion, case_id=case.id)
    return opinion


# What signing needs written, by field; and what it needs more where the specialist differs.
NEEDED = {
    "diagnosis_agreement": "Say whether you agree with the diagnosis.",
    "treatment_agreement": "Say whether you agree with the proposed treatment.",
}
NEEDED_WHEN_DIFFERENT = (
    ("diagnosis_agreement", (DiagnosisAgreement.REFINE, DiagnosisAgreement.DISAGREE), {
        "diagnosis_comment": "Explain how your diagnosis differs.",
        "diagnosis_codes": "Give the ICD-10-CM code of your diagnosis.",
    }),
    ("treatment_agreement", (TreatmentAgreement.MODIFY, TreatmentAgreement.ALTERNATIVE), {
        "treatment_description": "Describe the treatment you recommend.",
        "treatment_category": "Say what kind of treatment you recommend.",
    }),
)


def _missing_assessment(opinion: Opinion) -> dict[str, str]:
    """The specialist's view of the diagnosis and the treatment, and why where they differ."""
    needed = dict(NEEDED)
    for field, differing, more in NEEDED_WHEN_DIFFERENT:
        if getattr(opinion, field) in differing:
            needed.update(more)
    return {field: message for field, message in needed.items() if not getattr(opinion, field)}


def missing_for_signing(opinion: Opinion, question_ids: list[int]) -> dict[str, str]:
    """What must still be written before the opinion can be signed, by field."""
    errors = _missing_assessment(opinion)
    options = list(opinion.options.all())
    if not options:
        errors["options"] = ("Describe at least one option, with its benefits, harms and "
                             "what living with it is like.")
    for option in options:
        if not all(getattr(option, f) for f in OPTION_FIELDS):
            errors[f"option_{option.position}"] = (
                f"Give “{option.title}” its benefits, harms and what living with it is like.")
    if not opinion.reasoning:
        errors["reasoning"] = "Give your reasoning."
    if not opinion.confidence:
        errors["confidence"] = "Say how confident you are."
    if not opinion.plain_summary:
        errors["plain_summary"] = "Write a summary for the patient in plain language."
    done = {a.question_id for a in opinion.answers.all() if a.text}
    if set(question_ids) - done:
        errors["answers"] = ("Answer each of the patient's questions, or defer it and say "
                             "why.")
    return errors


def opinion_content(opinion: Opinion) -> dict:
    """Everything the signature covers, as plain JSON values in a fixed shape."""
    consultation = opinion.consultation
    specialist = consultation.specialist
    questions = {q.id: q for q in consultation.case.questions.all()}
    return {
        "case": str(consultation.case_id),
        "consultation": str(consultation.id),
        "specialist": {"name": specialist.name, "npi": specialist.npi},
        "diagnosis": {"agreement": opinion.diagnosis_agreement,
                      "codes": list(opinion.diagnosis_codes),
                      "comment": opinion.diagnosis_comment},
        "treatment": {"agreement": opinion.treatment_agreement,
                      "description": opinion.treatment_description,
                      # Only when given: opinions signed before the field existed still
                      # hash to what was signed.
                      **({"category": opinion.treatment_category}
                         if opinion.treatment_category else {})},
        "options": [{"title": o.title, "recommended": o.recommended, "benefits": o.benefits,
                     "harms": o.harms, "living_with": o.living_with}
                    for o in opinion.options.all()],
        "further_tests": opinion.further_tests,
        "reasoning": opinion.reasoning,
        "answers": [{"question": questions[a.question_id].text, "answer": a.text,
                     "deferred": a.deferred}
                    for a in sorted(opinion.answers.all(),
                                    key=lambda a: questions[a.question_id].position)],
        "follow_up": opinion.follow_up,
        "trials": opinion.trials,
        "confidence": opinion.confidence,
        "plain_summary": opinion.plain_summary,
        "signed_at": opinion.signed_at.isoformat() if opinion.signed_at else None,
        # A combined review's signed parts, by their hashes; only when there are some, so
        # that opinions signed before parts existed still hash to what was signed.
        **({"parts": parts} if (parts := _parts_covered(opinion)) else {}),
    }


def _parts_covered(opinion: Opinion) -> list[dict]:
    return [{"consultation": str(p.consultation_id), "specialist": p.consultation.specialist.name,
             "sha256": p.content_sha256}
            for p in signed_parts(opinion.consultation.case_id)]


def _waiting_for(case: Case) -> None:
    """The combined opinion covers every part: none may be open when the lead signs."""
    waiting = open_parts(case)
    if waiting:
        names = ", ".join(f"{c.specialist.name} ({c.specialist.specialty})" for c in waiting)
        raise Conflict(f"The review waits for parts not yet signed: {names}. Sign once they "
                       "are, or ask the coordinator to withdraw a part you will not wait for.")


def do_sign_opinion(consultation: Consultation, *, acting_user, request, secret: str
                    ) -> Opinion:
    """Sign and lock the opinion after re-authentication; the case moves to opinion
    delivered and the patient is told."""
    # Before the password, so that a try while parts are open is not counted; again under
    # the lock, where a part offered meanwhile is seen.
    _waiting_for(consultation.case)
    # Outside the transaction: its rollback would take the counted failure with it.
    confirm_identity(request, acting_user, secret)
    with transaction.atomic():
        case, opinion = _load_for_writing(consultation, acting_user, "sign")
        _waiting_for(case)
        question_ids = list(case.questions.values_list("id", flat=True))
        errors = missing_for_signing(opinion, question_ids)
        if errors:
            raise InvalidInput(errors)
        opinion.signed_at, opinion.signed_by = timezone.now(), acting_user
        opinion.signed_content = opinion_content(opinion)
        opinion.content_sha256 = sha256_of(opinion.signed_content)
        opinion.save(update_fields=["signed_at", "signed_by", "signed_content",
                                    "content_sha256"])
        move_consultation(opinion.consultation, ConsultationStatus.COMPLETED, acting_user,
                          completed_at=opinion.signed_at)
        consultation.status = opinion.consultation.status  # the caller's copy, as it now is
        consultation.completed_at = opinion.signed_at
        if case.status == Status.SPECIALIST_ASSIGNED:
            move_case(case, Status.IN_REVIEW, acting_user)
        move_case(case, Status.OPINION_DELIVERED, acting_user)
        add_event(case, EventKind.OPINION_SIGNED, acting_user,
                  note=opinion.consultation.specialist.name)
        record(acting_user, "opinion.sign", opinion, case_id=case.id)
        signals.opinion_signed.send(Opinion, opinion=opinion, user=acting_user)
    notify_users([case.patient_id], "Your second opinion is ready", case)
    return opinion


def is_intact(opinion: Opinion) -> bool:
    """The signed opinion as stored today still hashes to what was signed."""
    signed = opinion.signed_content
    return bool(opinion.content_sha256) and signed is not None and (
        opinion.content_sha256 == sha256_of(opinion_content(opinion)) == sha256_of(signed))


def do_ask_follow_up(opinion: Opinion, text: str, *, acting_user, key: str = ""
                     ) -> FollowUpQuestion:
    """The patient (or a caregiver) asks the specialist one more question. ``key``: the
    request's one-time key (the same key again returns the first question)."""
    once = Once(acting_user, key, FollowUpQuestion)
    if (done := once.done()) is not None:
        return done
    policy.check(acting_user, opinion, "ask_follow_up")
    text = FollowUpIn.read({"text": text}).text
    with transaction.atomic():
        case, opinion = lock_case_of(opinion)
        if (done := once.earlier()) is not None:
            return done
        policy.check(acting_user, opinion, "ask_follow_up")
        question = FollowUpQuestion.objects.create(opinion=opinion, asked_by=acting_user,
                                                   text=text)
        once.made(question)
        add_event(case, EventKind.FOLLOW_UP_ASKED, acting_user)
        record(acting_user, "follow_up.create", question, case_id=case.id)
    notify_users([opinion.consultation.specialist.user_id],
                 "You have a new follow-up question", case)
    return question


def lock_case_of(opinion: Opinion) -> tuple[Case, Opinion]:
    """Lock the opinion's case and read the opinion afresh (its follow-up questions and
    addenda as they are now), for the policy's check under the lock."""
    case = Case.objects.select_for_update().get(id=opinion.consultation.case_id)
    fresh = Opinion.objects.select_related("consultation__specialist").get(pk=opinion.pk)
    fresh.consultation.case = case
    return case, fresh


def do_add_addendum(opinion: Opinion, body: str, *, acting_user, request, secret: str,
                    answers: FollowUpQuestion | None = None, key: str = "") -> Addendum:
    """A signed addition to the signed opinion, optionally answering a follow-up question.
    ``key``: the request's one-time key; a second request with it (a double click, a retried
    POST) returns the first addendum instead of signing another."""
    once = Once(acting_user, key, Addendum)
    if (done := once.done()) is not None:
        return done
    action, context = ("answer_follow_up", {"question": answers}) if answers is not None \
        else ("add_addendum", {})
    # Checked before the password too, so that a refused user's try is not counted.
    policy.check(acting_user, opinion, action, **context)
    body = AddendumBodyIn.read({"body": body}).body
    confirm_identity(request, acting_user, secret)  # before the transaction, as in signing
    with transaction.atomic():
        case, opinion = lock_case_of(opinion)
        if (done := once.earlier()) is not None:
            return done
        if answers is not None:  # read afresh: answered since the first check?
            answers = context["question"] = FollowUpQuestion.objects.get(pk=answers.pk)
        policy.check(acting_user, opinion, action, **context)
        last = opinion.addenda.order_by("-number").first()
        addendum = Addendum(opinion=opinion, number=(last.number + 1) if last else 1,
                            body=body, answers=answers, signed_by=acting_user,
                            signed_at=timezone.now())
        addendum.content_sha256 = sha256_of(addendum_content(addendum, last))
        addendum.save()
        once.made(addendum)
        add_event(case, EventKind.ADDENDUM, acting_user)
        record(acting_user, "addendum.sign", addendum, case_id=case.id)
    asker = [answers.asked_by_id] if answers is not None else []
    notify_users(list({case.patient_id, *asker}), "There is an addition to your second opinion",
                 case)
    return addendum


def addendum_content(addendum: Addendum, previous: Addendum | None) -> dict:
    return {
        "opinion_sha256": addendum.opinion.content_sha256,
        "previous_sha256": previous.content_sha256 if previous else None,
        "number": addendum.number,
        "question": addendum.answers.text if addendum.answers else None,
        "body": addendum.body,
        "signed_by": addendum.signed_by.get_full_name() or addendum.signed_by.get_username(),
        "signed_at": addendum.signed_at.isoformat(),
    }

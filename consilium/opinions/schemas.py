"""The opinion in the JSON API: what a client sends and what it reads back."""

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema

from consilium.cases.models import TreatmentCategory
from consilium.schemas import Choice

from .models import Confidence, DiagnosisAgreement, TreatmentAgreement
from .policy import opinion_of, policy


class AnswerIn(Schema):
    question_id: int
    text: str
    deferred: bool = False


class AnswerOut(AnswerIn):
    pass


class OptionIn(Schema):
    title: str
    recommended: bool = False
    benefits: str = ""
    harms: str = ""
    living_with: str = ""


class OptionOut(OptionIn):
    pass


class OpinionIn(Schema):
    version: int = Field(..., ge=0, description="The version this edit is based on; 0 if new.")
    diagnosis_agreement: Choice(DiagnosisAgreement) = None
    diagnosis_codes: list[str] | None = None
    diagnosis_comment: str | None = None
    treatment_agreement: Choice(TreatmentAgreement) = None
    treatment_category: Choice(TreatmentCategory) = None
    treatment_description: str | None = None
    options: list[OptionIn] | None = None
    further_tests: str | None = None
    reasoning: str | None = None
    answers: list[AnswerIn] | None = None
    follow_up: str | None = None
    trials: str | None = None
    confidence: Choice(Confidence) = None
    plain_summary: str | None = None


class FollowUpOut(Schema):
    id: int
    text: str
    asked_at: datetime
    answered: bool


class AddendumOut(Schema):
    number: int
    body: str
    answers: int | None
    signed_at: datetime
    content_sha256: str


class OpinionOut(Schema):
    consultation_id: UUID
    status: str
    version: int
    diagnosis_agreement: str
    diagnosis_codes: list[str]
    diagnosis_comment: str
    treatment_agreement: str
    treatment_category: str
    treatment_description: str
    options: list[OptionOut]
    further_tests: str
    reasoning: str
    answers: list[AnswerOut]
    follow_up: str
    trials: str
    confidence: str
    plain_summary: str
    updated_at: datetime | None
    signed_at: datetime | None
    content_sha256: str
    addenda: list[AddendumOut]
    follow_up_questions: list[FollowUpOut]
    allowed_actions: list[str]  # the opinion policy's actions the caller may take now


class StaleOut(Schema):
    detail: str
    current: OpinionOut


class SignIn(Schema):
    password: str = Field(..., description="Your password, or a code from your authenticator.")


class FollowUpIn(Schema):
    text: str


class AddendumIn(Schema):
    body: str
    answers: int | None = Field(None, description="The follow-up question this answers.")
    password: str


TEXTS = ("diagnosis_agreement", "diagnosis_comment", "treatment_agreement",
         "treatment_category", "treatment_description", "further_tests", "reasoning",
         "follow_up", "trials", "confidence", "plain_summary")


def opinion_out(consultation, opinion, user) -> dict:
    allowed = sorted(policy.allowed(user, opinion or opinion_of(consultation)))
    if opinion is None:
        return {"consultation_id": consultation.id, "status": "not_started", "version": 0,
                **dict.fromkeys(TEXTS, ""), "diagnosis_codes": [], "options": [],
                "answers": [], "updated_at": None, "signed_at": None, "content_sha256": "",
                "addenda": [], "follow_up_questions": [], "allowed_actions": allowed}
    return {
        "consultation_id": consultation.id,
        "status": "signed" if opinion.is_signed else "draft",
        "version": opinion.version,
        **{f: getattr(opinion, f) for f in TEXTS},
        "diagnosis_codes": opinion.diagnosis_codes,
        "options": [{f: getattr(o, f) for f in OptionOut.model_fields}
                    for o in opinion.options.all()],
        "answers": [{"question_id": a.question_id, "text": a.text, "deferred": a.deferred}
                    for a in opinion.answers.all()],
        "updated_at": opinion.updated_at,
        "signed_at": opinion.signed_at,
        "content_sha256": opinion.content_sha256,
        "addenda": [addendum_out(a) for a in opinion.addenda.all()],
        "follow_up_questions": [follow_up_out(q) for q in opinion.follow_up_questions.all()],
        "allowed_actions": allowed,
    }


def addendum_out(addendum) -> dict:
    return {"number": addendum.number, "body": addendum.body, "answers": addendum.answers_id,
            "signed_at": addendum.signed_at, "content_sha256": addendum.content_sha256}


def follow_up_out(question) -> dict:
    return {"id": question.id, "text": question.text, "asked_at": question.asked_at,
            "answered": hasattr(question, "answer")}

"""The opinion in the JSON API: what a client sends and what it reads back."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, model_validator

from consilium.cases.models import TreatmentCategory
from consilium.cases.schemas import MAX_QUESTIONS
from consilium.schemas import FreeText, InputSchema, ObjectId, OneOf, refuse, says, written
from consilium.terminology.schemas import Icd10Codes

from .access import parts_read_by
from .models import Confidence, DiagnosisAgreement, TreatmentAgreement
from .policy import opinion_of, part_of, part_policy, policy

TEXT_LIMIT = 20000
QUESTION_LIMIT = 4000
TITLE_LIMIT = 200
MAX_OPTIONS = 8
OPTION_FIELDS = ("benefits", "harms", "living_with")

LongText = Annotated[str, FreeText(TEXT_LIMIT)]


class AnswerIn(InputSchema):
    """The specialist's answer to one of the case's questions (or why it waits)."""

    question_id: ObjectId
    text: LongText = ""
    deferred: bool = False


class AnswerOut(Schema):
    question_id: int
    text: str
    deferred: bool


class OptionIn(InputSchema):
    """One option the patient can weigh: its name, and what to expect of it."""

    title: Annotated[str, FreeText(TITLE_LIMIT)] = ""
    recommended: bool = False
    benefits: LongText = ""
    harms: LongText = ""
    living_with: LongText = ""

    @model_validator(mode="after")
    def _named(self):
        if self.written() and not self.title:
            refuse("Give this option a name.")
        return self

    def written(self) -> bool:
        """Anything written in the row (a page's empty row is dropped, whatever its tick)."""
        return any((self.title, *(getattr(self, name) for name in OPTION_FIELDS)))


class OptionOut(Schema):
    title: str
    recommended: bool
    benefits: str
    harms: str
    living_with: str


def _written_only(options: list[OptionIn]) -> list[OptionIn]:
    return [option for option in options if option.written()]


def _by_question(value: Any) -> Any:
    """The page and commands give ``{question id: {"text", "deferred"}}``; the API a list."""
    if isinstance(value, dict):
        return [{**answer, "question_id": key} if isinstance(answer, dict)
                else {"question_id": key, "text": answer} for key, answer in value.items()]
    return value


Options = Annotated[list[OptionIn], Field(max_length=MAX_OPTIONS),
                    says(f"Give at most {MAX_OPTIONS} options.", on=("too_long",)),
                    AfterValidator(_written_only)]
Answers = Annotated[list[AnswerIn], Field(max_length=MAX_QUESTIONS), BeforeValidator(_by_question)]


class OpinionDraftIn(InputSchema):
    """What a save of the draft opinion changes: only the fields sent (null empties a text
    or a choice; ``options`` sent replace the saved ones). An option's or an answer's error
    is named by its place: ``options.0.title``, ``answers.1.text``."""

    diagnosis_agreement: Annotated[DiagnosisAgreement | None, OneOf(DiagnosisAgreement)] = None
    diagnosis_codes: Icd10Codes = []
    diagnosis_comment: LongText = ""
    treatment_agreement: Annotated[TreatmentAgreement | None, OneOf(TreatmentAgreement)] = None
    treatment_category: Annotated[TreatmentCategory | None, OneOf(TreatmentCategory)] = None
    treatment_description: LongText = ""
    options: Options | None = None
    further_tests: LongText = ""
    reasoning: LongText = ""
    answers: Answers | None = None
    follow_up: LongText = ""
    trials: LongText = ""
    confidence: Annotated[Confidence | None, OneOf(Confidence)] = None
    plain_summary: LongText = ""


class OpinionIn(OpinionDraftIn):
    """``PUT /consultations/{id}/opinion``: the draft's changes and the version they are
    based on."""

    version: int = Field(..., ge=0, description="The version this edit is based on; 0 if new.")


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


class PartOut(Schema):
    """A signed part of a combined review, as the opinion carries it."""
    consultation_id: UUID
    specialist_name: str
    specialty: str
    asked: str
    findings: str
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
    parts: list[PartOut]  # a combined review's signed parts, with their authors
    allowed_actions: list[str]  # the opinion policy's actions the caller may take now


class StaleOut(Schema):
    detail: str
    current: OpinionOut


class SignIn(Schema):
    password: str = Field(..., description="Your password, or a code from your authenticator.")


class FollowUpIn(InputSchema):
    """One more question of the patient's (or a caregiver's) to the specialist."""

    text: Annotated[str, FreeText(QUESTION_LIMIT), written("Write your question.")]


class AddendumBodyIn(InputSchema):
    """What a signed addendum says (what ``do_add_addendum`` reads)."""

    body: Annotated[str, FreeText(TEXT_LIMIT), written("Write the addendum.")]


class AddendumIn(AddendumBodyIn):
    """``POST /consultations/{id}/opinion/addenda``: the addendum, the follow-up question it
    answers (if any), and the specialist's password to sign it."""

    answers: int | None = Field(None, description="The follow-up question this answers.")
    password: str


TEXTS = ("diagnosis_agreement", "diagnosis_comment", "treatment_agreement",
         "treatment_category", "treatment_description", "further_tests", "reasoning",
         "follow_up", "trials", "confidence", "plain_summary")


def opinion_out(consultation, opinion, user) -> dict:
    allowed = sorted(policy.allowed(user, opinion or opinion_of(consultation)))
    parts = [part_out(p) for p in parts_read_by(user, consultation.case)]
    if opinion is None:
        return {"consultation_id": consultation.id, "status": "not_started", "version": 0,
                **dict.fromkeys(TEXTS, ""), "diagnosis_codes": [], "options": [],
                "answers": [], "updated_at": None, "signed_at": None, "content_sha256": "",
                "addenda": [], "follow_up_questions": [], "parts": parts,
                "allowed_actions": allowed}
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
        "parts": parts,
        "allowed_actions": allowed,
    }


def addendum_out(addendum) -> dict:
    return {"number": addendum.number, "body": addendum.body, "answers": addendum.answers_id,
            "signed_at": addendum.signed_at, "content_sha256": addendum.content_sha256}


def follow_up_out(question) -> dict:
    return {"id": question.id, "text": question.text, "asked_at": question.asked_at,
            "answered": hasattr(question, "answer")}


class PartIn(InputSchema):
    """What a save of a combined review's part writes (``do_save_part``)."""

    findings: LongText = Field("", description="The specialist's findings, in answer to what "
                                               "the coordinator asked.")


def part_out(part) -> dict:
    specialist = part.consultation.specialist
    return {"consultation_id": part.consultation_id, "specialist_name": specialist.name,
            "specialty": specialist.specialty, "asked": part.consultation.part_asked,
            "findings": part.findings, "signed_at": part.signed_at,
            "content_sha256": part.content_sha256}


class PartDraftIn(Schema):
    """``PUT /consultations/{id}/part``: the findings (``PartIn`` reads them) and the
    version the edit is based on."""

    findings: str = ""
    version: int = Field(0, ge=0)


class PartDraftOut(Schema):
    consultation_id: UUID
    status: str  # not_started, draft or signed
    asked: str
    findings: str
    version: int
    signed_at: datetime | None
    content_sha256: str
    allowed_actions: list[str]  # "edit", "sign" while the part may be written


def part_draft_out(consultation, part, user) -> dict:
    allowed = sorted(part_policy.allowed(user, part or part_of(consultation)))
    status = "not_started" if part is None else "signed" if part.is_signed else "draft"
    return {"consultation_id": consultation.id, "status": status,
            "asked": consultation.part_asked, "findings": part.findings if part else "",
            "version": part.version if part else 0,
            "signed_at": part.signed_at if part else None,
            "content_sha256": part.content_sha256 if part else "", "allowed_actions": allowed}

from ninja import Router, Schema

from consilium.api_schemas import public_errors

from .assessment import assess
from .schemas import AssessmentIn

router = Router(tags=["triage"])


class Reason(Schema):
    criterion: str
    weight: int
    text: str


class Caution(Schema):
    key: str
    text: str


class Specialty(Schema):
    code: str
    name: str


class ChecklistItem(Schema):
    key: str
    label: str


class Coverage(Schema):
    plan_id: int
    plan: str
    covered: bool
    fee: str
    currency: str
    required_before_procedure: bool
    procedure: str | None
    requirement: str | None  # the sentence for the person, rules.PLAN_REQUIRES
    notes: str


class StatutoryRight(Schema):
    legal_basis: str
    procedure: str
    procedure_key: str
    sentence: str  # the right in plain words, then the law's name (rules.RIGHT_BY_LAW)
    points: list[str]


class Procedure(Schema):
    key: str
    label: str


class RedFlag(Schema):
    key: str
    title: str
    words: str


class Line(Schema):
    name: str
    number: str
    call: str


class Emergency(Schema):
    """Get care now: why, and whom to call (``call`` is a tel: link)."""

    reason: str  # "red_flag" (read in the free text) or "urgent" (the urgent box)
    flags: list[RedFlag]
    number: str
    call: str
    crisis: bool  # thoughts of suicide or self-harm: the crisis line comes first
    crisis_line: Line | None
    message: str


class ConfirmNow(Schema):
    """An acute code or condition given without the urgent box: is it happening now?"""

    question: str
    text: str
    codes: list[str]
    words: list[str]
    number: str
    call: str


class TriageOut(Schema):
    recommendation: str
    message: str
    emergency: Emergency | None
    confirm_now: ConfirmNow | None
    reasons: list[Reason]
    against: list[Reason]
    cautions: list[Caution]
    specialties: list[Specialty]
    records_checklist: list[ChecklistItem]
    questions: list[str]
    coverage: Coverage | None
    statutory_right: StatutoryRight | None
    procedures: list[Procedure]


@router.post("", response={200: TriageOut, **public_errors(400, 422)}, auth=None)
def triage(request, payload: AssessmentIn | None = None):
    """Should I get a second opinion? A public self-assessment; nothing is stored."""
    return assess(payload or {})

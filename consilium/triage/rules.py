"""The self-assessment's rules, as tables: what argues for or against a second opinion, what
needs care, what to gather and what to ask. `assessment.py` applies them; a test covers each.

Wording is plain on purpose: short sentences, no jargon without explanation.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, get_args

from .models import InsurancePlan
from .procedures import Procedure
from .redflags import Found

Treatment = Literal[
    "surgery", "invasive_procedure", "chemotherapy", "radiation", "long_term_medication",
    "lifestyle_change", "watchful_waiting", "none", "other",
]
TREATMENTS: tuple[Treatment, ...] = get_args(Treatment)
INVASIVE = {"surgery", "invasive_procedure", "chemotherapy", "radiation"}
Situation = Literal[
    "treatment_not_working", "unsure_about_plan", "doctor_uncertain", "tests_ambiguous",
    "rare_condition", "wants_options", "chronic_condition", "major_lifestyle_change",
    "time_critical", "trusts_doctor", "doctor_is_leading_specialist", "cost_or_distance_barrier",
]
SITUATIONS: dict[Situation, str] = {  # every Situation, as the page words it
    "treatment_not_working": "The treatment I have is not working",
    "unsure_about_plan": "I am unsure about the proposed plan",
    "doctor_uncertain": "My doctor seems uncertain",
    "tests_ambiguous": "My test results are unclear or conflicting",
    "rare_condition": "My illness is rare or unusual",
    "wants_options": "I want to know all my options",
    "chronic_condition": "It is a long-term (chronic) illness",
    "major_lifestyle_change": "The plan means big changes to my daily life",
    "time_critical": "It is urgent: I am getting worse quickly or in severe pain",
    "trusts_doctor": "I fully trust my doctor",
    "doctor_is_leading_specialist": "My doctor is a leading specialist for this condition",
    "cost_or_distance_barrier": "Cost or travel distance is a problem for me",
}

# ICD-10-CM category ranges that make a diagnosis serious or life-threatening.
SERIOUS = (
    ("C00", "C96", "cancer"),
    ("D00", "D09", "early (in situ) cancer"),
    ("D32", "D33", "brain or spinal tumour"),
    ("I20", "I25", "heart (coronary artery) disease"),
    ("I34", "I37", "heart valve disease"),
    ("I42", "I43", "heart muscle disease"),
    ("I50", "I50", "heart failure"),
    ("I60", "I69", "stroke or brain blood vessel disease"),
    ("I71", "I71", "aortic aneurysm"),
    ("G10", "G14", "a nerve disease such as ALS or Huntington's"),
    ("G20", "G20", "Parkinson's disease"),
    ("G30", "G31", "dementia"),
    ("G35", "G37", "multiple sclerosis or a related disease"),
    ("G40", "G41", "epilepsy"),
    ("N18", "N18", "chronic kidney disease"),
    ("K74", "K74", "liver cirrhosis"),
)

# Kinds of case, by ICD-10-CM category range; they choose checklist items and questions.
KINDS_BY_CODE = (
    ("C00", "D09", "oncology"),
    ("D37", "D49", "oncology"),
    ("I00", "I52", "cardiology"),
    ("I70", "I79", "cardiology"),
    ("G00", "G99", "neurology"),
    ("I60", "I69", "neurology"),
    ("M00", "M99", "orthopaedics"),
    ("S00", "T14", "orthopaedics"),
)
IMAGING_HEAVY = {"oncology", "neurology", "orthopaedics"}


@dataclass
class Facts:
    """What the rules see: the cleaned input plus what was derived from it."""

    codes: list[str] = field(default_factory=list)
    serious: list[str] = field(default_factory=list)  # plain names, e.g. "cancer"
    kinds: set[str] = field(default_factory=set)
    treatment: str = ""
    procedures: list[Procedure] = field(default_factory=list)
    statutory: list[Procedure] = field(default_factory=list)  # statutory.ZM_RL, in Germany
    situation: set[str] = field(default_factory=set)
    country: str = "US"
    plan: InsurancePlan | None = None
    knows_diagnosis: bool = False
    red_flags: list[Found] = field(default_factory=list)  # emergencies read in the free text
    ask_if_now: list[Found] = field(default_factory=list)  # acute conditions named, no time
    acute_codes: list[tuple[str, str]] = field(default_factory=list)  # (code, plain name)

    def has(self, flag: str) -> bool:
        return flag in self.situation

    @property
    def checked_procedures(self) -> list[Procedure]:
        """Treatments in the German statutory table (statutory.py): known to be done too
        often."""
        return self.statutory

    @property
    def required_by_plan(self) -> list[Procedure]:
        required = set(getattr(self.plan, "requires_before", None) or [])
        return [p for p in self.procedures if p.key in required]


@dataclass(frozen=True)
class Rule:
    criterion: str
    weight: int  # positive argues for a second opinion, negative against
    applies: Callable[[Facts], bool]
    reason: Callable[[Facts], str]


def in_sentence(label: str) -> str:
    """A procedure's label inside a sentence: "Knee replacement" → "knee replacement", but
    "(ICD)" stays in capitals."""
    return label[:1].lower() + label[1:]


def _flag(name: str) -> Callable[[Facts], bool]:
    return lambda facts: facts.has(name)


def _say(text: str) -> Callable[[Facts], str]:
    return lambda facts: text


# A plan that requires a second opinion before a procedure (the reason and the coverage box).
PLAN_REQUIRES = ("You must get a second opinion first. Your plan says so. Get it before "
                 "{procedure}.")

RULES: tuple[Rule, ...] = (
    Rule("serious_diagnosis", 3, lambda f: bool(f.serious),
         lambda f: f"You have a serious illness: {f.serious[0]}. Doctors do not always agree on "
                   "it. Get another view before you decide."),
    Rule("invasive_treatment", 2, lambda f: f.treatment in INVASIVE,
         lambda f: "The proposed treatment is a big step that is hard to undo. Check it is "
                   "the right one first."),
    Rule("rare_condition", 2, _flag("rare_condition"),
         _say("Rare conditions are easy to miss or mistake. A specialist who sees many such "
              "cases can help.")),
    Rule("treatment_not_working", 2, _flag("treatment_not_working"),
         _say("Your treatment is not working. Another expert may find a reason or a better "
              "option.")),
    Rule("tests_ambiguous", 2, _flag("tests_ambiguous"),
         _say("Your test results are unclear. A second look at them can settle the "
              "diagnosis.")),
    Rule("doctor_uncertain", 2, _flag("doctor_uncertain"),
         _say("Your doctor seems unsure. A second opinion can give you both more certainty.")),
    Rule("unsure_about_plan", 1, _flag("unsure_about_plan"),
         _say("You feel unsure about the plan. Hearing another expert can help you decide "
              "with confidence.")),
    Rule("wants_options", 1, _flag("wants_options"),
         _say("You want to know your options. A second opinion often explains other "
              "treatments.")),
    Rule("chronic_condition", 1,
         lambda f: f.has("chronic_condition") or f.treatment == "long_term_medication",
         _say("Long-term illness means years of treatment. It pays to get the plan right at "
              "the start.")),
    Rule("major_lifestyle_change", 1,
         lambda f: f.has("major_lifestyle_change") or f.treatment == "lifestyle_change",
         _say("The plan changes your daily life a lot. Make sure it is needed and right for "
              "you.")),
    Rule("often_unnecessary_procedure", 1, lambda f: bool(f.checked_procedures),
         lambda f: f"{f.checked_procedures[0].label} is sometimes done when other care would "
                   "help as well. Check first that you need it."),
    Rule("required_by_plan", 5, lambda f: bool(f.required_by_plan),
         lambda f: PLAN_REQUIRES.format(procedure=in_sentence(f.required_by_plan[0].label))),
    Rule("doctor_is_leading_specialist", -2, _flag("doctor_is_leading_specialist"),
         _say("Your doctor is a leading specialist for this condition. Another opinion may "
              "add less.")),
    Rule("trusts_doctor", -1, _flag("trusts_doctor"),
         _say("You fully trust your doctor. That counts for a lot.")),
    Rule("low_risk_plan", -1,
         lambda f: f.treatment in ("watchful_waiting", "none") and not f.serious,
         _say("The plan is to watch and wait, which you can change later if needed.")),
)

# Score → recommendation, highest first; time_critical and plan requirements override, and
# an assessment that knows nothing at all answers "optional" rather than "not needed".
THRESHOLDS = ((5, "strongly_recommended"), (3, "recommended"), (1, "optional"))
SEEK_CARE_NOW = (
    "Get care now: call {number} or go to the nearest emergency department. Do not wait for a "
    "second opinion."
)
SIGN_OF = "What you wrote can be a sign of {titles}."
CRISIS = (
    "You are not alone, and help is there right now. Talk to someone now: {line} on "
    "{line_number}. If you are in danger or cannot keep yourself safe, call {number}."
)
CRISIS_NO_LINE = (
    "You are not alone, and help is there right now. If you are in danger or cannot keep "
    "yourself safe, call {number} now, or call a crisis line near you."
)
IS_IT_NOW = "Is this happening now?"
IS_IT_NOW_TEXT = (
    "You named {names}. If it is happening now, or you have its signs now, call {number} "
    "at once. If it was in the past, the answer below is for you."
)


@dataclass(frozen=True)
class Caution:
    key: str
    applies: Callable[[Facts], bool]
    text: str


CAUTIONS: tuple[Caution, ...] = (
    Caution("telemedicine", _flag("cost_or_distance_barrier"),
            "Cost or distance need not stop you. Many second opinions are done remotely: "
            "you send your records and talk by video. That saves travel and is often cheaper."),
    Caution("leading_specialist", _flag("doctor_is_leading_specialist"),
            "If your doctor leads the field, pick a second expert who is just as good. You may "
            "find one at a university or a large clinic."),
    Caution("not_distrust", _flag("trusts_doctor"),
            "Asking for a second opinion is not a sign of distrust. Good doctors welcome it."),
    Caution("do_not_delay", lambda f: bool(f.serious) and f.treatment in INVASIVE,
            "Ask your doctor how long you can safely wait. A second opinion usually takes one "
            "to two weeks. It should not delay urgent treatment."),
    Caution("not_covered", lambda f: f.plan is not None and not f.plan.covers_second_opinion,
            "Your plan does not cover second opinions. Ask about the cost before you start."),
    Caution("private_in_germany",
            lambda f: f.country == "DE" and f.plan is not None and not f.plan.statutory
            and bool(f.checked_procedures),
            "This legal right is for people with public health insurance (GKV). Private "
            "insurers often pay for a second opinion too: ask yours."),
    Caution("vague", lambda f: not f.knows_diagnosis and not f.procedures,
            "We know little about your illness, so this answer is general. Tell us the "
            "diagnosis or the planned operation for a better answer."),
)


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    kinds: frozenset[str] = frozenset()  # empty: every case


CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem("first_opinion_report", "The first doctor's report or letter with the "
                                          "diagnosis"),
    ChecklistItem("proposed_plan", "The proposed treatment plan, in writing"),
    ChecklistItem("medication_list", "A list of all the medicines you take, with doses"),
    ChecklistItem("pathology_report", "The pathology report, from the lab that looked at "
                                      "your tissue", frozenset({"oncology"})),
    ChecklistItem("slides_blocks", "Ask the pathology lab whether the slides or tissue "
                                   "blocks can be sent for review", frozenset({"oncology"})),
    ChecklistItem("staging", "Staging results (how far the cancer has spread) and tumour "
                             "markers", frozenset({"oncology"})),
    ChecklistItem("imaging_images", "The scans themselves (CT, MRI, PET or X-ray images, on a "
                                    "disc or by download), not just the reports",
                  frozenset(IMAGING_HEAVY)),
    ChecklistItem("imaging_reports", "The reports on those scans by the radiologist (the scan "
                                     "doctor)",
                  frozenset(IMAGING_HEAVY)),
    ChecklistItem("heart_tests", "ECGs, heart ultrasound (echo), and any Holter or stress-test "
                                 "results", frozenset({"cardiology"})),
    ChecklistItem("catheter_reports", "Reports of any test done with a thin tube in the heart "
                                       "(heart catheter or angiogram)",
                  frozenset({"cardiology"})),
    ChecklistItem("neurology_tests", "Neurologist's notes and any EEG or nerve test results",
                  frozenset({"neurology"})),
    ChecklistItem("lab_results", "Recent blood test results",
                  frozenset({"oncology", "cardiology", "chronic"})),
    ChecklistItem("treatment_history", "Treatments you have had so far, with dates and how "
                                       "they worked", frozenset({"oncology", "chronic"})),
    ChecklistItem("conservative_care", "What you have tried so far, such as physio, shots or "
                                       "pain pills", frozenset({"orthopaedics"})),
    ChecklistItem("operation_details", "The name of the planned operation and the surgeon's "
                                       "notes on why it is needed", frozenset({"surgery"})),
    ChecklistItem("other_illnesses", "Other health problems that the surgeon needs to know "
                                     "(heart, lungs, diabetes, blood thinners)",
                  frozenset({"surgery"})),
)


@dataclass(frozen=True)
class QuestionToAsk:
    text: str
    kinds: frozenset[str] = frozenset()  # empty: every case


QUESTIONS: tuple[QuestionToAsk, ...] = (
    QuestionToAsk("Do you agree with the diagnosis? How sure can we be?"),
    QuestionToAsk("What are my options, including waiting, and what happens with each?"),
    QuestionToAsk("What are the benefits and risks of the proposed treatment for someone like "
                  "me?"),
    QuestionToAsk("How soon do I need to decide?"),
    QuestionToAsk("What type and stage is the cancer, and what does that mean for treatment?",
                  frozenset({"oncology"})),
    QuestionToAsk("Should the tissue be tested again, or for markers such as receptors or "
                  "genes?", frozenset({"oncology"})),
    QuestionToAsk("Are there clinical trials I could join?", frozenset({"oncology"})),
    QuestionToAsk("Is an operation needed now, or can a less invasive treatment come first?",
                  frozenset({"surgery"})),
    QuestionToAsk("How long will it take to get better: time in hospital, time off work, "
                  "rehab?", frozenset({"surgery"})),
    QuestionToAsk("How often does the team do this operation, and with what results?",
                  frozenset({"surgery"})),
    QuestionToAsk("Would medicines work as well as a procedure for me?",
                  frozenset({"cardiology"})),
    QuestionToAsk("Could some other problem cause my symptoms?", frozenset({"neurology"})),
    QuestionToAsk("What can physio, weight loss or shots still do for me?",
                  frozenset({"orthopaedics"})),
    QuestionToAsk("How will we know the treatment works, and when would we change it?",
                  frozenset({"chronic"})),
    QuestionToAsk("Have you treated this condition before? Is there a centre that specialises "
                  "in it?", frozenset({"rare"})),
)

# The German right's first sentence: the plain words, then the law's name.
RIGHT_BY_LAW = ("By law you may get a second opinion before {procedure}. This right comes from "
                "{legal_basis}.")
GERMAN_RIGHT = {
    "legal_basis": "§ 27b SGB V and the G-BA rules (Zm-RL)",
    "points": [
        "With public health insurance (GKV) the second opinion is free for you.",
        "The doctor who plans the treatment must tell you about this right. This is most "
        "often at least 10 days before it.",
        "The second opinion may not come from the doctor or the hospital that would do the "
        "treatment.",
        "To find a doctor approved for second opinions, use the 116117 service: call 116117 "
        "or go to 116117.de.",
    ],
}

# How each recommendation reads on the page.
RECOMMENDATIONS = {
    "seek_care_now": ("Get care now", "This is urgent. A second opinion can come later."),
    "strongly_recommended": ("A second opinion is strongly recommended",
                             "Several strong reasons speak for one."),
    "recommended": ("A second opinion is recommended", "Good reasons speak for one."),
    "optional": ("A second opinion is your choice",
                 "It can still help. It is your right to ask for one."),
    "not_needed": ("A second opinion is probably not needed",
                   "Few reasons speak for one. You can still ask for one."),
}

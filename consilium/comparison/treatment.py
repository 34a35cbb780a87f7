"""A treatment read as its parts: the kinds of treatment it combines (surgery, radiation,
drug treatment of the whole body, watchful waiting…), how much an operation removes, and
which part comes first.

Two opinions can both say "surgery" and still differ in what matters to the patient:
"mastectomy" and "breast-conserving surgery followed by radiation" are both surgery by
kind, but one removes the breast and the other keeps it and adds radiation. The comparison
(concordance.py) reads each side's kind of treatment and its words (the first opinion's
details as the patient gave them; the specialist's recommendation and recommended options)
into a ``Plan`` and compares the plans part by part.

Words are read in English and German. A treatment that is ruled out ("instead of a
mastectomy", "no chemotherapy", "Bestrahlung ist nicht nötig") is not part of the plan.
Pure functions over text: every rule is tested on its own (tests/test_treatment.py).
"""

import re
from dataclasses import dataclass, field

from consilium.cases.models import TreatmentCategory

# The parts a plan is made of, in the order reasons name them, with their names for patients.
MODALITIES = {
    "surgery": "surgery",
    "procedure": "a procedure through a small cut or a catheter",
    "radiation": "radiation",
    "systemic": "drug treatment (such as chemotherapy or hormone therapy)",
    "medication": "long-term medicine",
    "physiotherapy": "physiotherapy",
    "lifestyle": "lifestyle changes",
    "watchful_waiting": "watchful waiting (regular checks, and treatment only if needed)",
}
BY_CATEGORY = {
    TreatmentCategory.SURGERY: "surgery", TreatmentCategory.INVASIVE_PROCEDURE: "procedure",
    TreatmentCategory.CHEMOTHERAPY: "systemic", TreatmentCategory.RADIATION: "radiation",
    TreatmentCategory.LONG_TERM_MEDICATION: "medication",
    TreatmentCategory.LIFESTYLE_CHANGE: "lifestyle",
    TreatmentCategory.WATCHFUL_WAITING: "watchful_waiting",
}

WHOLE, PART = "whole", "part"  # how much an operation removes
BEFORE, AFTER = "before", "after"  # when a part is given, relative to the operation


@dataclass(frozen=True)
class Term:
    pattern: str  # a regular expression over lower-case text
    modality: str
    name: str = ""  # the patient's words for it, when more precise than the modality's
    extent: str = ""  # for an operation: WHOLE (the organ) or PART (organ-conserving)
    timing: str = ""  # a word that says when: "neoadjuvant chemotherapy"


def _t(pattern, modality, name="", extent="", timing=""):
    return Term(pattern, modality, name, extent, timing)


# Longest and most precise first: "partial mastectomy" is read before "mastectomy".
TERMS: tuple[Term, ...] = (
    # Operations that keep the organ
    _t(r"breast[- ]conserving (?:surgery|therapy|operation)|brusterhaltend\w* (?:operation|"
       r"therapie|chirurgie|op)\b|lumpectom\w*|tumorectom\w*|quadrantectom\w*|segmentectom\w*"
       r"|partial mastectom\w*|segmental mastectom\w*|wide local excision|brust erhalten\w*"
       r"|keep(?:ing)? the breast",
       "surgery", "surgery that keeps the breast (a lumpectomy)", PART),
    _t(r"partial nephrectom\w*|nephron[- ]sparing|nierenteilresektion|teilentfernung der niere",
       "surgery", "removing part of the kidney", PART),
    _t(r"hemithyroidectom\w*|thyroid lobectom\w*|hemithyreoidektomie",
       "surgery", "removing half of the thyroid", PART),
    _t(r"myomectom\w*|myomenukleation|myomentfernung|removal of (?:the )?fibroids?",
       "surgery", "removing the fibroids and keeping the womb", PART),
    _t(r"partial knee replacement|unicompartmental|schlittenprothese",
       "surgery", "a partial knee replacement", PART),
    _t(r"(?:lung )?lobectom\w*|wedge resection|keilresektion|lobektomie",
       "surgery", "removing part of the lung", PART),
    # Operations that remove the organ
    _t(r"mastectom\w*|mastektomie|brustentfernung|ablatio mammae|"
       r"remov\w* (?:of )?(?:my |the |her |your )?(?:whole |entire )?breast\b",
       "surgery", "removing the whole breast (a mastectomy)", WHOLE),
    _t(r"prostatectom\w*|prostatektomie|prostataentfernung|remov\w* (?:of )?(?:my |the )?"
       r"prostate", "surgery", "removing the prostate (a prostatectomy)", WHOLE),
    _t(r"hysterectom\w*|hysterektomie|gebärmutterentfernung|entfernung der gebärmutter|"
       r"remov\w* (?:of )?(?:my |the )?(?:womb|uterus)",
       "surgery", "removing the womb (a hysterectomy)", WHOLE),
    _t(r"(?:radical |total )?nephrectom\w*|nephrektomie|nierenentfernung",
       "surgery", "removing the kidney", WHOLE),
    _t(r"(?:total )?thyroidectom\w*|thyreoidektomie|schilddrüsenentfernung",
       "surgery", "removing the thyroid", WHOLE),
    _t(r"pneumonectom\w*|pneumonektomie", "surgery", "removing a lung", WHOLE),
    _t(r"cystectom\w*|zystektomie", "surgery", "removing the bladder", WHOLE),
    _t(r"(?:total )?knee replacement|knieprothese|knie-?tep|kniegelenke?s?ersatz",
       "surgery", "a knee replacement", WHOLE),
    _t(r"hip replacement|hüftprothese|hüft-?tep|hüftgelenke?s?ersatz",
       "surgery", "a hip replacement", WHOLE),
    # Surgery without a known extent
    _t(r"surger\w*|operation\w*|operat(?:e|ing)\b|\bop\b|resection|excision|"
       r"chirurg\w*|operier\w*|\w+ectom(?:y|ies)\b|\w+ektomie\b|amputat\w*|fusion|"
       r"spondylodese|bypass", "surgery"),
    # Procedures
    _t(r"ablation|stent\w*|catheter\w*|katheter\w*|arthroscop\w*|arthroskop\w*|"
       r"emboli[sz]ation|embolisation|angioplast\w*|pacemaker|schrittmacher|"
       r"defibrillator|endoscop\w*", "procedure"),
    # Radiation
    _t(r"brachytherap\w*|seed implant\w*|seeds", "radiation",
       "radiation from inside the body (brachytherapy)"),
    _t(r"radiation|radiotherap\w*|radiate|irradiat\w*|strahlentherapie|bestrahl\w*|"
       r"radiochemotherap\w*|chemoradiat\w*|proton\w* therap\w*|stereotactic|sbrt|imrt|ebrt",
       "radiation"),
    # Drug treatment of the whole body
    _t(r"neoadjuvant\w* (?:chemo\w*|systemic|hormon\w*|endocrine|immun\w*)\w*|"
       r"neoadjuvant\w*|preoperative chemo\w*|präoperative chemo\w*",
       "systemic", timing=BEFORE),
    _t(r"adjuvant\w* (?:chemo\w*|systemic|hormon\w*|endocrine|immun\w*)\w*",
       "systemic", timing=AFTER),
    _t(r"chemo\w*|hormone therap\w*|hormonal therap\w*|endocrine therap\w*|antihormon\w*|"
       r"hormontherapie|tamoxifen|letrozol\w*|anastrozol\w*|exemestan\w*|aromatase inhibitor\w*|"
       r"androgen deprivation|\badt\b|immunotherap\w*|immuntherapie|targeted therap\w*|"
       r"zielgerichtete therapie|trastuzumab|herceptin|pertuzumab|pembrolizumab|nivolumab|"
       r"systemic therap\w*", "systemic"),
    # Long-term medicine, physiotherapy, lifestyle
    _t(r"medication\w*|medicine\w*|tablets?|pills?|medikament\w*|tabletten|statins?|"
       r"beta[- ]blockers?|blood thinners?|anticoagula\w*|metformin|insulin|inhaler\w*",
       "medication"),
    _t(r"physiotherap\w*|physical therapy|krankengymnastik", "physiotherapy"),
    _t(r"lifestyle|diet\b|weight loss|los(?:e|ing) (?:some )?weight|exercise|"
       r"stop(?:ping)? smoking|ernährung\w*|abnehmen|bewegung", "lifestyle"),
    # Watching instead of treating
    _t(r"watchful waiting|active surveillance|wait and see|wait-and-see|aktive überwachung|"
       r"abwartend\w*|beobachtendes abwarten|surveillance|monitoring|regular checks",
       "watchful_waiting"),
)
# Each term from a word's start: "infusion" is not a fusion, "cooperation" no operation.
_TERMS = [(re.compile(rf"\b(?:{t.pattern})"), t) for t in TERMS]

# A treatment named soon after one of these in its clause is ruled out, not recommended...
RULED_OUT_BEFORE = re.compile(
    r"\b(?:no|not|without|instead of|rather than|avoid\w*|in place of|statt|anstatt|anstelle|"
    r"keine?[nm]?|ohne|verzicht\w* auf)\b(?:\W+\w+){0,3}\W*$")
# ... and so is one these follow.
RULED_OUT_AFTER = re.compile(
    r"^\W*(?:\w+\W+){0,3}?(?:(?:is|are|was)\W+)?(?:not|no longer|un)\W*(?:needed|necessary|"
    r"required|recommended|indicated)|^\W*(?:\w+\W+){0,3}?(?:(?:ist|sind)\W+)?nicht\W+"
    r"(?:nötig|notwendig|erforderlich|empfohlen|indiziert)")
CLAUSES = re.compile(r"[.;:!?\n]|,\s*(?:but|aber|however|jedoch)\b|\bbut\b|\baber\b")
# Words that order two parts: "chemotherapy followed by surgery".
THEN = re.compile(r"\b(?:followed by|then|after which|gefolgt von|danach|"
                  r"anschließend\w*|dann)\b")
OPERATION = r"\W+(?:the |der |dem |your |her |his )?(?:surgery|operation|op)\b"
BEFORE_OPERATION = re.compile(r"^\W*(?:\w+\W+){0,4}?(?:before|prior to|ahead of|vor)" + OPERATION)
AFTER_OPERATION = re.compile(r"^\W*(?:\w+\W+){0,4}?(?:after|following|nach)" + OPERATION)


@dataclass
class Found:
    """A term found in a clause, and when it is given if the words say so."""

    start: int
    end: int
    term: Term
    timing: str = ""


@dataclass
class Part:
    modality: str
    name: str = ""  # the most precise name found: "removing the whole breast (a mastectomy)"
    extent: str = ""
    timing: str = ""

    @property
    def words(self) -> str:
        return self.name or MODALITIES[self.modality]


@dataclass
class Plan:
    """The parts of one treatment, by modality."""

    parts: dict[str, Part] = field(default_factory=dict)

    @property
    def modalities(self) -> set[str]:
        return set(self.parts)

    def __bool__(self) -> bool:
        return bool(self.parts)

    def words(self) -> str:
        """The plan in patient words: "removing the whole breast (a mastectomy) and
        radiation"."""
        names = [self.parts[m].words for m in MODALITIES if m in self.parts]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def read_plan(category: str, text: str) -> Plan:
    """The plan a kind of treatment and its words describe. The kind adds its part when the
    words do not name it (a first opinion given as "Surgery" with no details)."""
    plan, ruled_out = _read_words(text)
    modality = BY_CATEGORY.get(category)  # type: ignore[call-overload]
    if modality and modality not in plan.parts and modality not in ruled_out:
        plan.parts[modality] = Part(modality)
    return plan


def _read_words(text: str) -> tuple[Plan, set[str]]:
    """The plan the words name, and the modalities they rule out."""
    plan, ruled_out = Plan(), set()
    for clause in CLAUSES.split(text.lower()):
        found = _terms_in(clause)
        _order(clause, found)
        for item in found:
            if (RULED_OUT_BEFORE.search(clause[:item.start])
                    or RULED_OUT_AFTER.search(clause[item.end:])):
                ruled_out.add(item.term.modality)
            else:
                _add(plan, item)
    return plan, ruled_out - plan.modalities


def _terms_in(clause: str) -> list[Found]:
    """The terms in a clause, each stretch of text read once, by the first (most precise)
    term that matches it; in the order they appear, each with when it is given."""
    found: list[Found] = []
    for pattern, term in _TERMS:
        for match in pattern.finditer(clause):
            start, end = match.span()
            if not any(start < f.end and f.start < end for f in found):
                found.append(Found(start, end, term, term.timing or _timing(term, clause[end:])))
    return sorted(found, key=lambda f: f.start)


def _timing(term: Term, rest: str) -> str:
    """"Chemotherapy before the operation", "radiation after surgery"."""
    if term.modality == "surgery":
        return ""
    if BEFORE_OPERATION.search(rest):
        return BEFORE
    return AFTER if AFTER_OPERATION.search(rest) else ""


def _order(clause: str, found: list[Found]) -> None:
    """"A followed by B" where one of them is the operation: the other comes before or
    after it."""
    for first, second in zip(found, found[1:], strict=False):
        if not THEN.search(clause[first.end:second.start]):
            continue
        if second.term.modality == "surgery" and first.term.modality != "surgery":
            first.timing = first.timing or BEFORE
        elif first.term.modality == "surgery" and second.term.modality != "surgery":
            second.timing = second.timing or AFTER


def _add(plan: Plan, item: Found) -> None:
    term = item.term
    part = plan.parts.setdefault(term.modality, Part(term.modality))
    if term.extent:
        # Both a whole and a partial operation named ("mastectomy or lumpectomy"): unknown.
        if part.extent and part.extent != term.extent:
            part.extent, part.name = "", ""
        elif not part.name:
            part.extent, part.name = term.extent, term.name
    elif term.name and not part.name:
        part.name = term.name
    if item.timing and not part.timing:
        part.timing = item.timing

"""How a second opinion differs from the first, by the schemes the literature uses.

Diagnosis (Van Such et al. 2017, Journal of Evaluation in Clinical Practice): *confirmed*
(the same codes), *refined* (better defined: a more specific code under the first, a code
in the same three-character ICD-10-CM category, the same diagnosis with a finding added,
or a diagnosis where the first opinion named only symptoms and signs, R00–R99), or
*distinctly different*. Treatment (Meyer et al. 2015, The American Journal of Medicine):
*same*, *modified* or *changed*; clinical impact *none*, *minor* or *major*, major when
the diagnosis is distinctly different or the treatment changed. Treatments are compared
as their parts (treatment.py: the kinds of treatment combined, how much an operation
removes, what comes first), so that "mastectomy" against "breast-conserving surgery and
radiation" is a changed treatment, not the same surgery modified.

The reasons are written for the patient: conditions by their names, never by codes. Where
the specialist's own judgement and the rules disagree, ``review`` says why for the
coordinators, with the codes, and ``disputed`` which of diagnosis and treatment is in
question: until a coordinator has reviewed it, patients see "being reviewed" there.

Pure functions over codes and treatments: the callers read the opinion and the ICD-10-CM
titles (``Code``) and pass them in, so that every rule can be tested on its own. The note
for readers ("how we compare", templates/comparison/how.html) says the same in plain words
with the literature.
"""

from dataclasses import dataclass, field

from django.db import models

from .treatment import AFTER, MODALITIES, Plan, read_plan


class DiagnosisConcordance(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    REFINED = "refined", "Refined"
    DIFFERENT = "distinctly_different", "Distinctly different"


class TreatmentConcordance(models.TextChoices):
    SAME = "same", "Same"
    MODIFIED = "modified", "Modified"
    CHANGED = "changed", "Changed"


class Impact(models.TextChoices):
    NONE = "none", "None"
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"


# The specialist's own assessment (opinions.models), said in the same schemes.
SPECIALIST_DIAGNOSIS = {"agree": DiagnosisConcordance.CONFIRMED,
                        "refine": DiagnosisConcordance.REFINED,
                        "disagree": DiagnosisConcordance.DIFFERENT}
SPECIALIST_TREATMENT = {"agree": TreatmentConcordance.SAME,
                        "modify": TreatmentConcordance.MODIFIED,
                        "alternative": TreatmentConcordance.CHANGED}


@dataclass(frozen=True)
class Code:
    """An ICD-10-CM code with what the comparison needs to know of it."""

    code: str  # "C50.912"
    title: str = ""
    block: str = ""  # "C50-C50"… as ICD-10-CM names it
    chapter: str = ""
    everyday: str = ""  # what people call it: "breast cancer"

    @property
    def category(self) -> str:
        return self.code[:3]

    @property
    def symptom(self) -> bool:
        """Chapter 18: symptoms, signs and abnormal findings, not elsewhere classified."""
        return self.code[:1] == "R"

    def __str__(self) -> str:
        return f"{self.code} ({self.title})" if self.title else self.code

    @property
    def name(self) -> str:
        """The condition by its everyday name alone, where its detail does not matter (both
        opinions give it): "breast cancer"."""
        return self.everyday or self.words

    @property
    def words(self) -> str:
        """The condition in words, for a sentence: "breast cancer (malignant neoplasm of
        unspecified site of left female breast)"; the code only when it has no title."""
        title = _in_sentence(self.title)
        if self.everyday and title:
            return f"{self.everyday} ({title})"
        return self.everyday or title or f"the condition coded {self.code}"


def _in_sentence(title: str) -> str:
    """"Malignant neoplasm of …" → "malignant neoplasm of …"; "HIV disease" stays."""
    return title[:1].lower() + title[1:] if title[1:2].islower() else title


@dataclass
class Concordance:
    diagnosis: str
    treatment: str
    impact: str
    reasons: list[str]
    # Where the specialist's own assessment and the automatic one differ, a coordinator
    # should look: these say where, and ``disputed`` which ("diagnosis", "treatment").
    review: list[str] = field(default_factory=list)
    disputed: list[str] = field(default_factory=list)

    @property
    def third_opinion_suggested(self) -> bool:
        return self.impact == Impact.MAJOR

    @property
    def labels(self) -> tuple[str, str, str]:
        """Diagnosis, treatment and impact in words ("Distinctly different", …)."""
        return (DiagnosisConcordance(self.diagnosis).label,
                TreatmentConcordance(self.treatment).label, Impact(self.impact).label)

    def as_dict(self) -> dict:
        return {"diagnosis_concordance": self.diagnosis,
                "treatment_concordance": self.treatment, "clinical_impact": self.impact,
                "reasons": self.reasons, "review_needed": bool(self.review),
                "review_reasons": self.review,
                "third_opinion_suggested": self.third_opinion_suggested}


def _relation(first: Code, second: Code) -> str | None:
    """How a code of the second opinion stands to one of the first, best first."""
    a, b = first.code.replace(".", ""), second.code.replace(".", "")
    if a == b:
        return "same"
    if b.startswith(a):
        return "more_specific"
    if first.category == second.category:
        return "same_category"
    return None


def _distance(first: Code, seconds: list[Code]) -> str:
    """How far a code without counterpart is from the nearest of the second opinion's: the
    same block of ICD-10-CM, the same chapter, or neither, in words."""
    if any(first.block and s.block == first.block for s in seconds):
        return "a different but closely related condition"
    if any(first.chapter and s.chapter == first.chapter for s in seconds):
        return "a different condition of the same broad group"
    return "a different kind of condition altogether"


def diagnosis_concordance(first: list[Code], second: list[Code]) -> tuple[str, list[str]]:
    """(concordance, reasons) from the codes of both opinions; both lists non-empty."""
    if {c.code for c in first} == {c.code for c in second}:
        return DiagnosisConcordance.CONFIRMED, [
            f"Both doctors give the same diagnosis: {'; '.join(c.name for c in first)}."]
    reasons, missing, matched = [], [], set()
    explains = [s for s in second if not s.symptom]
    for a in first:
        best = min(((_RANK[r], r, s) for s in second if (r := _relation(a, s))),
                   default=None, key=lambda t: (t[0], t[2].code))
        if best is not None:
            _, relation, b = best
            matched.add(b.code)
            reasons.append(_REFINED[relation].format(a=a.name if relation == "same" else a.words,
                                                     b=b.words))
        elif a.symptom and explains:
            matched.update(s.code for s in explains)
            reasons.append(f"The first doctor named a symptom, {a.words}. The second names "
                           f"its cause: {_listed(explains)}.")
        else:
            missing.append(a)
    if missing:
        return DiagnosisConcordance.DIFFERENT, [
            f"The first doctor found {a.words}. The second doctor does not: they find "
            f"{_distance(a, second)}." for a in missing] + [
            f"The second doctor's diagnosis: {_listed(second)}."]
    for b in second:
        if b.code not in matched:
            reasons.append(f"The second doctor also finds {b.words}.")
    return DiagnosisConcordance.REFINED, reasons


def _listed(codes: list[Code]) -> str:
    return "; ".join(c.words for c in codes)


_RANK = {"same": 0, "more_specific": 1, "same_category": 2}
_REFINED = {
    "same": "Both doctors find {a}.",
    "more_specific": "The second doctor describes the diagnosis more exactly: {b}, where the "
                     "first said {a}.",
    "same_category": "The second doctor finds {b}, a condition of the same kind as {a}.",
}


def treatment_concordance(first: Plan, second: Plan, specialist: str
                          ) -> tuple[str, list[str]]:
    """(concordance, reasons), part by part. A part added or left out (radiation, drug
    treatment, watchful waiting instead of surgery), or an operation that keeps the organ
    against one that removes it, is a changed treatment. The same parts in another order
    (drug treatment before the operation rather than after) are a modified treatment, and
    so is the same plan the specialist says they modify (dose, timing: what words rarely
    show)."""
    added = [m for m in MODALITIES if m in second.parts and m not in first.parts]
    left_out = [m for m in MODALITIES if m in first.parts and m not in second.parts]
    reasons = []
    if added and left_out and not first.modalities & second.modalities:
        reasons.append(f"The first doctor proposed {first.words()}. The second doctor "
                       f"proposes {second.words()} instead.")
    else:
        reasons += [f"The second doctor adds {second.parts[m].words}." for m in added]
        reasons += [f"The second doctor leaves out {first.parts[m].words}, which the first "
                    f"proposed." for m in left_out]
    a, b = first.parts.get("surgery"), second.parts.get("surgery")
    if a and b and a.extent and b.extent and a.extent != b.extent:
        reasons.append(f"The first doctor proposed {a.words}. The second doctor proposes "
                       f"{b.words}.")
    if reasons:
        return TreatmentConcordance.CHANGED, reasons
    moved = [m for m in first.parts if first.parts[m].timing and second.parts[m].timing
             and first.parts[m].timing != second.parts[m].timing]
    if moved:
        return TreatmentConcordance.MODIFIED, [
            f"The second doctor gives {second.parts[m].words} {_when(second.parts[m].timing)}, "
            f"not {_when(first.parts[m].timing)}." for m in moved]
    both = _named(second, first).words()
    if specialist == "modify":
        return TreatmentConcordance.MODIFIED, [
            f"Both doctors propose {both}. The second changes some details."]
    return TreatmentConcordance.SAME, [f"Both doctors propose {both}."]


def _named(plan: Plan, other: Plan) -> Plan:
    """The plan with each part by its most precise name of either side: "Both recommend
    knee replacement", not "surgery", when only the first opinion named the operation."""
    return Plan({m: part if part.name else other.parts.get(m, part)
                 for m, part in plan.parts.items()})


def _when(timing: str) -> str:
    return "after the operation" if timing == AFTER else "before the operation"


def clinical_impact(diagnosis: str, treatment: str) -> str:
    if diagnosis == DiagnosisConcordance.DIFFERENT or treatment == TreatmentConcordance.CHANGED:
        return Impact.MAJOR
    if diagnosis == DiagnosisConcordance.REFINED or treatment == TreatmentConcordance.MODIFIED:
        return Impact.MINOR
    return Impact.NONE


def compare(*, first_codes: list[Code], second_codes: list[Code], first_treatment: str,
            second_treatment: str, diagnosis_agreement: str, treatment_agreement: str,
            first_treatment_words: str = "", second_treatment_words: str = ""
            ) -> Concordance:
    """The whole comparison. Without codes on a side (a first opinion given only in words,
    or a specialist who agrees and names no code of their own), the diagnosis is judged by
    the specialist's own assessment, and the reasons say so. Treatments are read from their
    kinds and words (``*_treatment_words``: the first opinion's details; the specialist's
    recommendation and recommended options); a second opinion that names no treatment
    keeps the first's."""
    review: list[str] = []
    disputed: list[str] = []
    own_diagnosis = SPECIALIST_DIAGNOSIS.get(diagnosis_agreement)
    if first_codes and second_codes:
        diagnosis, reasons = diagnosis_concordance(first_codes, second_codes)
        if own_diagnosis and own_diagnosis != diagnosis:
            disputed.append("diagnosis")
            review.append(f"The specialist judged the diagnosis {own_diagnosis.label.lower()}; "
                          f"by the codes ({', '.join(c.code for c in first_codes)} against "
                          f"{', '.join(c.code for c in second_codes)}) it is "
                          f"{DiagnosisConcordance(diagnosis).label.lower()}.")
    elif first_codes and own_diagnosis == DiagnosisConcordance.CONFIRMED:
        diagnosis = DiagnosisConcordance.CONFIRMED
        reasons = ["The specialist agrees with the diagnosis."]
    else:
        diagnosis = own_diagnosis or DiagnosisConcordance.CONFIRMED
        reasons = [_OWN_DIAGNOSIS[diagnosis]]
        if own_diagnosis is None:
            disputed.append("diagnosis")
            review.append("Neither codes nor the specialist's assessment say how the "
                          "diagnoses compare.")
    first_plan = read_plan(first_treatment, first_treatment_words)
    second_plan = read_plan(second_treatment, second_treatment_words) or first_plan
    treatment, why = treatment_concordance(first_plan, second_plan, treatment_agreement)
    reasons += why
    own_treatment = SPECIALIST_TREATMENT.get(treatment_agreement)
    if own_treatment and own_treatment != treatment:
        disputed.append("treatment")
        review.append(f"The specialist judged the treatment {own_treatment.label.lower()}; by "
                      f"its parts it is {TreatmentConcordance(treatment).label.lower()}.")
    impact = clinical_impact(diagnosis, treatment)
    if impact == Impact.MAJOR:
        reasons.append(MAJOR_REASON)
    return Concordance(diagnosis, treatment, impact, reasons, review, disputed)


MAJOR_REASON = "So the two opinions differ in a major way. A third opinion may help you decide."
# The same verdict as comparisons stored before 2026-12 say it.
EARLIER_MAJOR_REASONS = ("A distinctly different diagnosis or a changed treatment is a major "
                         "difference: a third opinion may help you decide.",)
_OWN_DIAGNOSIS = {
    DiagnosisConcordance.CONFIRMED: "The specialist agrees with the diagnosis.",
    DiagnosisConcordance.REFINED: "The specialist describes the diagnosis more exactly.",
    DiagnosisConcordance.DIFFERENT: "The specialist comes to a different diagnosis.",
}

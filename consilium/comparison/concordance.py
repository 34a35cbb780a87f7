"""How a second opinion differs from the first, by the schemes the literature uses.

Diagnosis (Van Such et al. 2017, Journal of Evaluation in Clinical Practice): *confirmed*
(the same codes), *refined* (better defined: a more specific code under the first, a code
in the same three-character ICD-10-CM category, the same diagnosis with a finding added,
or a diagnosis where the first opinion named only symptoms and signs, R00–R99), or
*distinctly different*. Treatment (Meyer et al. 2015, Diagnosis): *same*, *modified* or
*changed*; clinical impact *none*, *minor* or *major*, major when the diagnosis is
distinctly different or the treatment changed.

Pure functions over codes and treatment kinds: the callers read the opinion and the
ICD-10-CM titles (``Code``) and pass them in, so that every rule can be tested on its own.
"""

from dataclasses import dataclass, field

from django.db import models

from consilium.cases.models import TreatmentCategory


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

    @property
    def category(self) -> str:
        return self.code[:3]

    @property
    def symptom(self) -> bool:
        """Chapter 18: symptoms, signs and abnormal findings, not elsewhere classified."""
        return self.code[:1] == "R"

    def __str__(self) -> str:
        return f"{self.code} ({self.title})" if self.title else self.code


@dataclass
class Concordance:
    diagnosis: str
    treatment: str
    impact: str
    reasons: list[str]
    # Where the specialist's own assessment and the automatic one differ, a coordinator
    # should look: these say where.
    review: list[str] = field(default_factory=list)

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
    """How far a code without counterpart is from the nearest of the second opinion's."""
    if any(first.block and s.block == first.block for s in seconds):
        return "a different category in the same block"
    if any(first.chapter and s.chapter == first.chapter for s in seconds):
        return "a different block of the same chapter"
    return "a different chapter"


def diagnosis_concordance(first: list[Code], second: list[Code]) -> tuple[str, list[str]]:
    """(concordance, reasons) from the codes of both opinions; both lists non-empty."""
    if {c.code for c in first} == {c.code for c in second}:
        names = ", ".join(str(c) for c in first)
        return DiagnosisConcordance.CONFIRMED, [f"Both opinions give the same diagnosis: {names}."]
    reasons, missing, matched = [], [], set()
    explains = [s for s in second if not s.symptom]
    for a in first:
        best = min(((_RANK[r], r, s) for s in second if (r := _relation(a, s))),
                   default=None, key=lambda t: (t[0], t[2].code))
        if best is not None:
            _, relation, b = best
            matched.add(b.code)
            reasons.append(_REFINED[relation].format(a=a, b=b))
        elif a.symptom and explains:
            matched.update(s.code for s in explains)
            reasons.append(f"The first opinion named a symptom, {a}; the second names the "
                           f"diagnosis: {', '.join(str(s) for s in explains)}.")
        else:
            missing.append(a)
    if missing:
        return DiagnosisConcordance.DIFFERENT, [
            f"{a} from the first opinion has no counterpart in the second, whose nearest code "
            f"is in {_distance(a, second)}." for a in missing] + [
            f"The second opinion gives {', '.join(str(s) for s in second)}."]
    for b in second:
        if b.code not in matched:
            reasons.append(f"The second opinion adds a finding: {b}.")
    return DiagnosisConcordance.REFINED, reasons


_RANK = {"same": 0, "more_specific": 1, "same_category": 2}
_REFINED = {
    "same": "{a} is in both opinions.",
    "more_specific": "The second opinion names {a} more precisely: {b}.",
    "same_category": "The second opinion names {b}, in the same category as {a}.",
}


def treatment_concordance(first_kind: str, second_kind: str, specialist: str
                          ) -> tuple[str, list[str]]:
    """(concordance, reasons): a different kind of treatment (surgery, radiation, watchful
    waiting…) is a change; the same kind is the same treatment unless the specialist says
    they modify it (dose, extent, timing: what a kind cannot show)."""
    first_label, second_label = _kind_label(first_kind), _kind_label(second_kind)
    if first_kind != second_kind:
        return TreatmentConcordance.CHANGED, [
            f"The first opinion proposed {first_label}; the second recommends {second_label}."]
    if specialist == "modify":
        return TreatmentConcordance.MODIFIED, [
            f"Both recommend {first_label}; the second opinion modifies it."]
    return TreatmentConcordance.SAME, [f"Both recommend {first_label}."]


def _kind_label(kind: str) -> str:
    return TreatmentCategory(kind).label.lower() if kind in TreatmentCategory.values else kind


def clinical_impact(diagnosis: str, treatment: str) -> str:
    if diagnosis == DiagnosisConcordance.DIFFERENT or treatment == TreatmentConcordance.CHANGED:
        return Impact.MAJOR
    if diagnosis == DiagnosisConcordance.REFINED or treatment == TreatmentConcordance.MODIFIED:
        return Impact.MINOR
    return Impact.NONE


def compare(*, first_codes: list[Code], second_codes: list[Code], first_treatment: str,
            second_treatment: str, diagnosis_agreement: str, treatment_agreement: str
            ) -> Concordance:
    """The whole comparison. Without codes on a side (a first opinion given only in words,
    or a specialist who agrees and names no code of their own), the diagnosis is judged by
    the specialist's own assessment, and the reasons say so; likewise a second opinion
    without a kind of treatment keeps the first's."""
    review: list[str] = []
    own_diagnosis = SPECIALIST_DIAGNOSIS.get(diagnosis_agreement)
    if first_codes and second_codes:
        diagnosis, reasons = diagnosis_concordance(first_codes, second_codes)
        if own_diagnosis and own_diagnosis != diagnosis:
            review.append(f"The specialist judged the diagnosis {own_diagnosis.label.lower()}; "
                          f"by the codes it is {DiagnosisConcordance(diagnosis).label.lower()}.")
    elif first_codes and own_diagnosis == DiagnosisConcordance.CONFIRMED:
        diagnosis = DiagnosisConcordance.CONFIRMED
        reasons = ["The specialist agrees with the diagnosis and gives no other code."]
    else:
        diagnosis = own_diagnosis or DiagnosisConcordance.CONFIRMED
        reasons = [f"Without codes on both sides, this is the specialist's own assessment: "
                   f"{DiagnosisConcordance(diagnosis).label.lower()}."]
        if own_diagnosis is None:
            review.append("Neither codes nor the specialist's assessment say how the "
                          "diagnoses compare.")
    second_treatment = second_treatment or first_treatment
    treatment, why = treatment_concordance(first_treatment, second_treatment,
                                           treatment_agreement)
    reasons += why
    own_treatment = SPECIALIST_TREATMENT.get(treatment_agreement)
    if own_treatment and own_treatment != treatment:
        review.append(f"The specialist judged the treatment {own_treatment.label.lower()}; by "
                      f"its kind it is {TreatmentConcordance(treatment).label.lower()}.")
    impact = clinical_impact(diagnosis, treatment)
    if impact == Impact.MAJOR:
        reasons.append("A distinctly different diagnosis or a changed treatment is a major "
                       "difference: a third opinion may help you decide.")
    return Concordance(diagnosis, treatment, impact, reasons, review)

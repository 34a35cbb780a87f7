"""The concordance rules, one opinion pair per row, on the real ICD-10-CM tables."""

import pytest

from consilium.comparison.actions import codes
from consilium.comparison.concordance import compare

CONFIRMED, REFINED, DIFFERENT = "confirmed", "refined", "distinctly_different"

# (first codes, second codes, expected diagnosis concordance, a phrase of the reasons)
DIAGNOSES = [
    # the same
    (["C50.912"], ["C50.912"], CONFIRMED, "same diagnosis"),
    (["C50.912", "E11.9"], ["E11.9", "C50.912"], CONFIRMED, "same diagnosis"),
    (["M17.11"], ["M17.11"], CONFIRMED, "same diagnosis"),
    # parent and child: more specific under the first
    (["C50.91"], ["C50.912"], REFINED, "more exactly"),
    (["C50"], ["C50.411"], REFINED, "more exactly"),
    (["I25.11"], ["I25.110"], REFINED, "more exactly"),
    # siblings in one three-character category (and a less specific code in it)
    (["C50.912"], ["C50.412"], REFINED, "of the same kind"),
    (["I48.91"], ["I48.0"], REFINED, "of the same kind"),
    (["M17.11"], ["M17.0"], REFINED, "of the same kind"),
    (["C50.912"], ["C50.9"], REFINED, "of the same kind"),
    # symptoms and signs first, then a diagnosis
    (["R10.31"], ["K35.80"], REFINED, "named a symptom"),
    (["R10.9", "R11.2"], ["K35.80"], REFINED, "named a symptom"),
    (["R10.9"], ["R10.31"], REFINED, "of the same kind"),
    (["C50.91", "R59.0"], ["C50.912"], REFINED, "named a symptom"),
    # the same diagnosis with a finding added
    (["C50.912"], ["C50.912", "C77.3"], REFINED, "also finds"),
    (["C50.91"], ["C50.912", "C77.3"], REFINED, "also finds"),
    # several codes each side, each with its counterpart
    (["C50.912", "E11.9"], ["C50.412", "E11.65"], REFINED, "of the same kind"),
    # different category, block, chapter
    (["C34.90"], ["C38.4"], DIFFERENT, "closely related"),
    (["I48.91"], ["I49.9"], DIFFERENT, "closely related"),
    (["C50.912"], ["C56.9"], DIFFERENT, "same broad group"),
    (["C50.912"], ["N60.12"], DIFFERENT, "altogether"),
    (["C61"], ["N40.1"], DIFFERENT, "altogether"),
    # a symptom that is not explained, a diagnosis reduced to a symptom, a diagnosis dropped
    (["R10.9"], ["R51.9"], DIFFERENT, "does not"),
    (["K35.80"], ["R10.31"], DIFFERENT, "does not"),
    (["C50.912", "E11.9"], ["C50.912"], DIFFERENT, "type 2 diabetes"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("first,second,expected,phrase", DIAGNOSES)
def test_diagnosis_concordance(first, second, expected, phrase):
    found = compare(first_codes=codes(first), second_codes=codes(second),
                    first_treatment="surgery", second_treatment="surgery",
                    diagnosis_agreement="", treatment_agreement="agree")
    assert found.diagnosis == expected
    assert phrase in " ".join(found.reasons)
    assert found.impact == {CONFIRMED: "none", REFINED: "minor", DIFFERENT: "major"}[expected]
    assert found.third_opinion_suggested == (expected == DIFFERENT)


def test_reasons_name_conditions_by_their_names_not_codes(db):
    found = compare(first_codes=codes(["R10.31"]), second_codes=codes(["K35.80"]),
                    first_treatment="surgery", second_treatment="surgery",
                    diagnosis_agreement="refine", treatment_agreement="agree")
    assert ("The first doctor named a symptom, right lower quadrant pain. The second names its "
            "cause: appendicitis (unspecified acute appendicitis).") in found.reasons
    assert found.review == [] and found.disputed == []  # the specialist said "refine" too
    different = compare(first_codes=codes(["C50.912"]), second_codes=codes(["N60.12"]),
                        first_treatment="surgery", second_treatment="surgery",
                        diagnosis_agreement="disagree", treatment_agreement="agree")
    said = " ".join(different.reasons)
    assert "breast cancer (malignant neoplasm of unspecified site of left female breast)" in said
    assert "C50" not in said and "N60" not in said


def test_a_disagree_the_codes_call_refined_is_disputed(db):
    """The issue's example: the specialist says "disagree"; the codes only refine."""
    found = compare(first_codes=codes(["C50.91"]), second_codes=codes(["C50.912"]),
                    first_treatment="surgery", second_treatment="surgery",
                    diagnosis_agreement="disagree", treatment_agreement="agree")
    assert found.diagnosis == REFINED and found.disputed == ["diagnosis"]
    assert "by the codes (C50.91 against C50.912) it is refined" in found.review[0]


def test_the_issues_mastectomy_example_is_changed_and_major(db):
    found = compare(first_codes=codes(["C50.912"]), second_codes=codes(["C50.912"]),
                    first_treatment="surgery", second_treatment="surgery",
                    first_treatment_words="Mastectomy",
                    second_treatment_words="Breast-conserving surgery plus radiation",
                    diagnosis_agreement="agree", treatment_agreement="modify")
    assert (found.treatment, found.impact) == ("changed", "major")
    assert found.third_opinion_suggested and found.disputed == ["treatment"]


# (first kind, second kind, the specialist's own word, expected treatment, impact, review?)
TREATMENTS = [
    ("surgery", "surgery", "agree", "same", "none", False),
    ("surgery", "", "agree", "same", "none", False),  # agreeing, no kind of their own
    ("surgery", "surgery", "modify", "modified", "minor", False),
    ("chemotherapy", "chemotherapy", "modify", "modified", "minor", False),
    ("surgery", "radiation", "alternative", "changed", "major", False),
    ("surgery", "watchful_waiting", "alternative", "changed", "major", False),
    ("long_term_medication", "lifestyle_change", "alternative", "changed", "major", False),
    ("surgery", "radiation", "agree", "changed", "major", True),  # says agree, kind differs
    ("surgery", "surgery", "alternative", "same", "none", True),  # says another, kind same
    ("radiation", "surgery", "modify", "changed", "major", True),
]


@pytest.mark.django_db
@pytest.mark.parametrize("first,second,own,expected,impact,review", TREATMENTS)
def test_treatment_concordance_and_impact(first, second, own, expected, impact, review):
    found = compare(first_codes=codes(["C50.912"]), second_codes=codes(["C50.912"]),
                    first_treatment=first, second_treatment=second,
                    diagnosis_agreement="agree", treatment_agreement=own)
    assert (found.treatment, found.impact, bool(found.review)) == (expected, impact, review)


def test_a_refined_diagnosis_with_a_modified_treatment_is_a_minor_impact(db):
    found = compare(first_codes=codes(["C50.91"]), second_codes=codes(["C50.912"]),
                    first_treatment="surgery", second_treatment="surgery",
                    diagnosis_agreement="refine", treatment_agreement="modify")
    assert (found.diagnosis, found.treatment, found.impact) == (REFINED, "modified", "minor")
    assert not found.third_opinion_suggested and found.review == []


def test_the_specialist_and_the_codes_disagreeing_asks_for_review(db):
    found = compare(first_codes=codes(["C50.912"]), second_codes=codes(["C56.9"]),
                    first_treatment="surgery", second_treatment="surgery",
                    diagnosis_agreement="agree", treatment_agreement="agree")
    assert found.diagnosis == DIFFERENT
    assert found.review == ["The specialist judged the diagnosis confirmed; by the codes "
                            "(C50.912 against C56.9) it is distinctly different."]
    assert found.disputed == ["diagnosis"]


def test_without_codes_the_specialists_assessment_stands_and_says_so(db):
    found = compare(first_codes=[], second_codes=codes(["C50.912"]),
                    first_treatment="surgery", second_treatment="surgery",
                    diagnosis_agreement="disagree", treatment_agreement="agree")
    assert found.diagnosis == DIFFERENT and found.impact == "major"
    assert found.reasons[0] == "The specialist comes to a different diagnosis."
    agreeing = compare(first_codes=codes(["C50.912"]), second_codes=[],
                       first_treatment="surgery", second_treatment="",
                       diagnosis_agreement="agree", treatment_agreement="agree")
    assert (agreeing.diagnosis, agreeing.treatment, agreeing.impact) == (
        CONFIRMED, "same", "none")
    assert agreeing.as_dict()["third_opinion_suggested"] is False

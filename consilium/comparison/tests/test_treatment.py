"""Treatments read as their parts, from what specialists and patients write (English and
German), and compared part by part."""

import pytest

from consilium.comparison.concordance import treatment_concordance
from consilium.comparison.treatment import read_plan

WHOLE, PART = "whole", "part"


def parts(category, words):
    plan = read_plan(category, words)
    return {m: (p.extent, p.timing) for m, p in plan.parts.items()}


# (kind, words, the parts read: modality → (extent, timing))
READINGS = [
    ("surgery", "Mastectomy", {"surgery": (WHOLE, "")}),
    ("surgery", "mastectomy of the left breast, sentinel node biopsy",
     {"surgery": (WHOLE, "")}),
    ("surgery", "They want to remove my whole breast", {"surgery": (WHOLE, "")}),
    ("surgery", "Lumpectomy with radiation.", {"surgery": (PART, ""), "radiation": ("", "")}),
    ("surgery", "Breast-conserving surgery instead of a mastectomy, followed by radiation.",
     {"surgery": (PART, ""), "radiation": ("", "after")}),
    ("surgery", "Wide local excision and whole-breast radiotherapy",
     {"surgery": (PART, ""), "radiation": ("", "")}),
    ("", "Neoadjuvant chemotherapy, then surgery and radiation after the operation.",
     {"systemic": ("", "before"), "surgery": ("", ""), "radiation": ("", "after")}),
    ("surgery", "Chemotherapy for four months before surgery",
     {"systemic": ("", "before"), "surgery": ("", "")}),
    ("surgery", "Surgery followed by adjuvant chemotherapy",
     {"surgery": ("", ""), "systemic": ("", "after")}),
    ("surgery", "Operation first, then hormone therapy (tamoxifen) for five years",
     {"surgery": ("", ""), "systemic": ("", "after")}),
    ("radiation", "Radiation therapy alone; surgery is not needed.", {"radiation": ("", "")}),
    ("surgery", "No chemotherapy is needed. Lumpectomy.", {"surgery": (PART, "")}),
    ("surgery", "Lumpectomy; chemotherapy unnecessary", {"surgery": (PART, "")}),
    ("surgery", "Nerve-sparing radical prostatectomy", {"surgery": (WHOLE, "")}),
    ("watchful_waiting", "Active surveillance with a PSA test every six months",
     {"watchful_waiting": ("", "")}),
    ("surgery", "mastectomy or lumpectomy", {"surgery": ("", "")}),
    ("other", "", {}),
    # words inside other words are not treatments
    ("chemotherapy", "Chemotherapy infusion every three weeks; no confusion about the plan",
     {"systemic": ("", "")}),
    ("", "In cooperation with your oncologist, spills aside", {}),
    ("", "Take the tablets every day and lose some weight",
     {"medication": ("", ""), "lifestyle": ("", "")}),
    # German
    ("surgery", "Radikale Prostatektomie, keine Bestrahlung", {"surgery": (WHOLE, "")}),
    ("surgery", "Brusterhaltende Operation mit anschließender Bestrahlung",
     {"surgery": (PART, ""), "radiation": ("", "after")}),
    ("surgery", "Entfernung der Gebärmutter", {"surgery": (WHOLE, "")}),
    ("", "Aktive Überwachung statt Operation", {"watchful_waiting": ("", "")}),
    ("", "Chemotherapie vor der Operation", {"systemic": ("", "before"), "surgery": ("", "")}),
    ("surgery", "Ablatio mammae ohne Chemotherapie", {"surgery": (WHOLE, "")}),
]


@pytest.mark.parametrize("category,words,expected", READINGS)
def test_a_treatment_is_read_as_its_parts(category, words, expected):
    assert parts(category, words) == expected


def test_the_kind_of_treatment_is_a_part_unless_the_words_rule_it_out():
    assert parts("surgery", "") == {"surgery": ("", "")}
    assert parts("surgery", "Radiation; surgery is not needed") == {"radiation": ("", "")}
    assert parts("chemotherapy", "Lumpectomy") == {"surgery": (PART, ""), "systemic": ("", "")}


def compared(first, second, specialist="agree"):
    return treatment_concordance(read_plan(*first), read_plan(*second), specialist)


# (first kind and words, second kind and words, the specialist's word, expected, a reason)
COMPARISONS = [
    # the example: both "surgery", but the breast is kept and radiation added
    (("surgery", "Mastectomy"), ("surgery", "Lumpectomy with radiation."), "modify",
     "changed", "adds radiation."),
    (("surgery", "Mastectomy"), ("surgery", "Lumpectomy with radiation."), "modify",
     "changed", "The first doctor proposed removing the whole breast (a mastectomy). The second "
     "doctor proposes surgery that keeps the breast (a lumpectomy)."),
    (("surgery", "Mastectomy"), ("surgery", "Breast-conserving surgery"), "agree", "changed",
     "surgery that keeps the breast"),
    (("surgery", "Mastectomy"), ("surgery", "Mastectomy, then radiation"), "modify", "changed",
     "adds radiation."),
    (("surgery", "Lumpectomy and radiation"), ("surgery", "Lumpectomy"), "modify", "changed",
     "leaves out radiation, which the first proposed"),
    (("surgery", "Radical prostatectomy"), ("watchful_waiting", "Active surveillance"),
     "alternative", "changed", "The first doctor proposed removing the prostate "
     "(a prostatectomy). The second doctor proposes watchful waiting"),
    (("surgery", "Surgery followed by chemotherapy"),
     ("surgery", "Neoadjuvant chemotherapy, then surgery"), "modify", "modified",
     "drug treatment (such as chemotherapy or hormone therapy) before the operation, not "
     "after the operation"),
    (("surgery", "Mastectomy"), ("surgery", "Mastectomy"), "modify", "modified",
     "changes some details"),
    (("surgery", "Mastectomy"), ("surgery", "Mastectomy"), "agree", "same",
     "Both doctors propose removing the whole breast"),
    (("surgery", "Mastectomy"), ("surgery", "A mastectomy, as proposed"), "agree", "same",
     "Both doctors propose"),
    # a second opinion that names no treatment keeps the first's
    (("surgery", "Mastectomy"), ("", ""), "agree", "same", "Both doctors propose removing"),
    # words that say nothing about extent do not make a change
    (("surgery", "Mastectomy"), ("surgery", "Surgery as planned"), "agree", "same",
     "Both doctors propose removing the whole breast (a mastectomy)."),
    (("surgery", "Total knee replacement"), ("surgery", "A less invasive first step"), "modify",
     "modified", "Both doctors propose a knee replacement. The second changes some details."),
]


@pytest.mark.parametrize("first,second,own,expected,reason", COMPARISONS)
def test_treatments_are_compared_part_by_part(first, second, own, expected, reason):
    second_plan = read_plan(*second) or read_plan(*first)
    found, reasons = treatment_concordance(read_plan(*first), second_plan, own)
    assert found == expected
    assert reason in " ".join(reasons)


def test_reasons_name_no_codes_or_categories():
    _, reasons = compared(("long_term_medication", ""), ("lifestyle_change", ""), "alternative")
    assert reasons == ["The first doctor proposed long-term medicine. The second doctor "
                       "proposes lifestyle changes instead."]

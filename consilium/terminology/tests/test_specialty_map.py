"""A review of data/specialties_by_icd10.csv: complete, consistent, and sensible."""

import pytest

from consilium.terminology.models import Icd10Code, NuccTaxonomy
from consilium.terminology.specialties import rule_for, rules, specialties_for_codes

pytestmark = pytest.mark.django_db


def test_the_nucc_taxonomy_is_loaded():
    assert NuccTaxonomy.objects.count() == 883
    assert NuccTaxonomy.objects.get(code="207RX0202X").name == "Medical Oncology"
    assert NuccTaxonomy.objects.get(code="207X00000X").name == "Orthopaedic Surgery"


def test_every_chapter_maps_somewhere():
    chapters = {r.icd10 for r in rules() if r.is_chapter}
    assert chapters == {str(n) for n in range(1, 23)}


def test_every_specialty_is_an_existing_nucc_code():
    known = set(NuccTaxonomy.objects.values_list("code", flat=True))
    for rule in rules():
        assert rule.specialties, rule
        assert set(rule.specialties) <= known, rule


def test_every_block_is_made_of_real_categories_of_one_chapter():
    for rule in rules():
        if rule.is_chapter:
            continue
        start, end = rule.bounds()
        first = Icd10Code.objects.get(code=start)
        last = Icd10Code.objects.get(code=end)
        assert first.kind == last.kind == "category", rule
        assert first.chapter == last.chapter, rule
        assert start <= end, rule


def test_no_two_blocks_overlap():
    blocks = sorted(r.bounds() for r in rules() if not r.is_chapter)
    for (_, end), (start, _) in zip(blocks, blocks[1:], strict=False):
        assert end < start, (end, start)


@pytest.mark.parametrize("code,first", [
    ("C50.912", "207RX0202X"),  # breast cancer: medical oncology
    ("C61", "208800000X"),  # prostate cancer: urology
    ("M17.11", "207XS0114X"),  # knee osteoarthritis: adult reconstructive orthopaedics
    ("I48.0", "207RC0000X"),  # atrial fibrillation: cardiology
    ("G35", "2084N0400X"),  # multiple sclerosis: neurology
    ("M48.062", "207XS0117X"),  # lumbar stenosis: spine surgery
    ("K80.20", "208600000X"),  # gallstones: general surgery
    ("J45.909", "207RP1001X"),  # asthma: chapter 10 fallback, pulmonology
    # benign tumours are not for the cancer team: fibroids go to gynaecology, moles to skin
    ("D25.9", "207VG0400X"),
    ("D22.5", "207N00000X"),
    ("D12.6", "207RG0100X"),
    ("D32.9", "207T00000X"),
])
def test_typical_diagnoses_find_the_expected_specialty_first(code, first):
    assert specialties_for_codes([code])[0].code == first


def test_several_codes_merge_without_repeats():
    merged = [s.code for s in specialties_for_codes(["C50.912", "C79.51"])]
    assert len(merged) == len(set(merged))
    assert merged[0] == "207RX0202X"


def test_a_code_outside_every_block_falls_back_to_its_chapter():
    assert rule_for("J45.909", "10").icd10 == "10"

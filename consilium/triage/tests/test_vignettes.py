"""Realistic vignettes across the criteria, both countries and several plans.

Each row: what the person answered, the recommendation we expect, and the criteria that must
be among the reasons (for) or against. A meta-test checks every rule and caution is exercised.
"""

import pytest

from consilium.triage import rules
from consilium.triage.assessment import assess
from consilium.triage.models import InsurancePlan

pytestmark = pytest.mark.django_db

PLANS = {
    "ppo": dict(name="Evergreen PPO", country="US", covers_second_opinion=True, fee=0,
                currency="USD", requires_before=["knee_replacement", "spinal_surgery"]),
    "basic": dict(name="Evergreen Basic", country="US", covers_second_opinion=True, fee=50,
                  currency="USD"),
    "none": dict(name="Harbor Bronze", country="US", covers_second_opinion=False, fee=0,
                 currency="USD"),
    "gkv": dict(name="AOK", country="DE", statutory=True, covers_second_opinion=True, fee=0,
                currency="EUR"),
    "pkv": dict(name="Private DE", country="DE", statutory=False, covers_second_opinion=True,
                fee=0, currency="EUR"),
}

# (name, input, recommendation, reasons for, against/cautions that must appear)
VIGNETTES = [
    ("breast cancer, mastectomy proposed",
     dict(diagnosis_codes=["C50.912"], proposed_treatment="surgery", procedure="mastectomy"),
     "strongly_recommended", {"serious_diagnosis", "invasive_treatment"}, {"do_not_delay"}),
    ("breast cancer, patient trusts a leading oncologist",
     dict(diagnosis_codes=["C50.912"], proposed_treatment="chemotherapy",
          situation={"trusts_doctor": True, "doctor_is_leading_specialist": True}),
     "optional", {"serious_diagnosis", "invasive_treatment"},
     {"trusts_doctor", "doctor_is_leading_specialist", "leading_specialist", "not_distrust"}),
    ("prostate cancer in Germany, statutory insurance",
     dict(diagnosis_codes=["C61"], proposed_treatment="surgery", procedure="Prostatektomie",
          country="DE", insurance_plan="gkv"),
     "strongly_recommended", {"serious_diagnosis", "invasive_treatment",
                              "often_unnecessary_procedure"}, set()),
    ("knee osteoarthritis, replacement, US plan requires a second opinion",
     dict(diagnosis_codes=["M17.11"], proposed_treatment="surgery", procedure="total knee "
          "replacement", insurance_plan="ppo"),
     "strongly_recommended", {"required_by_plan", "invasive_treatment"}, set()),
    ("knee replacement in Germany by OPS code",
     dict(proposed_treatment="surgery", procedure="OPS 5-822.g1", country="DE",
          insurance_plan="gkv"),
     "recommended", {"invasive_treatment", "often_unnecessary_procedure"}, set()),
    ("hip replacement in Germany, private insurance",
     dict(diagnosis_codes=["M16.11"], proposed_treatment="surgery", procedure="Hüftprothese",
          country="DE", insurance_plan="pkv"),
     "recommended", {"invasive_treatment", "often_unnecessary_procedure"},
     {"private_in_germany"}),
    ("atrial fibrillation, ablation proposed",
     dict(diagnosis_codes=["I48.0"], proposed_treatment="invasive_procedure",
          procedure="catheter ablation"),
     "recommended", {"invasive_treatment", "often_unnecessary_procedure"}, set()),
    ("atrial fibrillation, ablation, patient unsure and wants options",
     dict(diagnosis_codes=["I48.0"], proposed_treatment="invasive_procedure",
          procedure="ablation", situation=["unsure_about_plan", "wants_options"]),
     "strongly_recommended", {"invasive_treatment", "unsure_about_plan", "wants_options"},
     set()),
    ("heart attack survivor, bypass surgery",
     dict(diagnosis_codes=["I25.10"], proposed_treatment="surgery",
          procedure="coronary bypass"),
     "strongly_recommended", {"serious_diagnosis", "invasive_treatment"}, {"do_not_delay"}),
    ("chest pain right now",
     dict(diagnosis_text="crushing chest pain", situation={"time_critical": True}),
     "seek_care_now", set(), set()),
    ("stroke symptoms, time critical beats everything (and no reasons argue under it)",
     dict(diagnosis_codes=["I63.9"], proposed_treatment="surgery",
          situation={"time_critical": True, "unsure_about_plan": True}),
     "seek_care_now", set(), set()),
    ("multiple sclerosis, long-term medication",
     dict(diagnosis_codes=["G35"], proposed_treatment="long_term_medication"),
     "recommended", {"serious_diagnosis", "chronic_condition"}, set()),
    ("epilepsy, treatment not working",
     dict(diagnosis_codes=["G40.909"], proposed_treatment="long_term_medication",
          situation={"treatment_not_working": True}),
     "strongly_recommended", {"serious_diagnosis", "treatment_not_working",
                              "chronic_condition"}, set()),
    ("rare disease, ambiguous tests",
     dict(diagnosis_text="suspected amyloidosis", situation=["rare_condition",
                                                              "tests_ambiguous"]),
     "recommended", {"rare_condition", "tests_ambiguous"}, set()),
    ("doctor uncertain about a thyroid nodule",
     dict(diagnosis_codes=["E04.1"], proposed_treatment="surgery",
          situation={"doctor_uncertain": True}),
     "recommended", {"invasive_treatment", "doctor_uncertain"}, set()),
    ("gallstones, cholecystectomy, Germany",
     dict(diagnosis_codes=["K80.20"], proposed_treatment="surgery",
          procedure="Cholezystektomie", country="DE", insurance_plan="gkv"),
     "recommended", {"invasive_treatment", "often_unnecessary_procedure"}, set()),
    ("gallstones, cholecystectomy, US without plan",
     dict(diagnosis_codes=["K80.20"], proposed_treatment="surgery",
          procedure="laparoscopic cholecystectomy"),
     "recommended", {"invasive_treatment", "often_unnecessary_procedure"}, set()),
    ("tonsillectomy for a child in Germany",
     dict(diagnosis_codes=["J35.01"], proposed_treatment="surgery",
          procedure="Tonsillektomie", country="DE"),
     "recommended", {"invasive_treatment", "often_unnecessary_procedure"}, set()),
    ("hysterectomy for fibroids, US basic plan",
     dict(diagnosis_codes=["D25.9"], proposed_treatment="surgery", procedure="hysterectomy",
          insurance_plan="basic"),
     "recommended", {"invasive_treatment", "often_unnecessary_procedure"}, set()),
    ("lumbar stenosis, spinal fusion, plan requires one",
     dict(diagnosis_codes=["M48.062"], proposed_treatment="surgery",
          procedure="L4-L5 spinal fusion", insurance_plan="ppo"),
     "strongly_recommended", {"required_by_plan", "invasive_treatment"}, set()),
    ("back pain, watchful waiting",
     dict(diagnosis_codes=["M54.50"], proposed_treatment="watchful_waiting"),
     "not_needed", set(), {"low_risk_plan"}),
    ("mild asthma, no treatment",
     dict(diagnosis_codes=["J45.909"], proposed_treatment="none",
          situation={"trusts_doctor": True}),
     "not_needed", set(), {"low_risk_plan", "trusts_doctor"}),
    ("type 2 diabetes, lifestyle change",
     dict(diagnosis_codes=["E11.9"], proposed_treatment="lifestyle_change",
          situation={"major_lifestyle_change": True, "chronic_condition": True}),
     "optional", {"chronic_condition", "major_lifestyle_change"}, set()),
    ("lymphoma, chemotherapy, far from a cancer centre",
     dict(diagnosis_codes=["C83.30"], proposed_treatment="chemotherapy",
          situation={"cost_or_distance_barrier": True}),
     "strongly_recommended", {"serious_diagnosis", "invasive_treatment"},
     {"telemedicine", "do_not_delay"}),
    ("lung cancer, radiation, plan without cover",
     dict(diagnosis_codes=["C34.90"], proposed_treatment="radiation", insurance_plan="none"),
     "strongly_recommended", {"serious_diagnosis", "invasive_treatment"}, {"not_covered"}),
    ("aortic aneurysm repair in Germany",
     dict(diagnosis_codes=["I71.4"], proposed_treatment="surgery",
          procedure="Aortenaneurysma EVAR", country="DE"),
     "strongly_recommended", {"serious_diagnosis", "invasive_treatment",
                              "often_unnecessary_procedure"}, set()),
    ("carotid stenosis, endarterectomy",
     dict(diagnosis_codes=["I65.22"], proposed_treatment="surgery",
          procedure="carotid endarterectomy"),
     "strongly_recommended", {"serious_diagnosis", "invasive_treatment",
                              "often_unnecessary_procedure"}, set()),
    ("pacemaker proposed, patient trusts doctor",
     dict(diagnosis_codes=["I44.2"], proposed_treatment="invasive_procedure",
          procedure="pacemaker", situation={"trusts_doctor": True}),
     "optional", {"invasive_treatment", "often_unnecessary_procedure"}, {"trusts_doctor"}),
    ("shoulder arthroscopy in Germany, unsure",
     dict(diagnosis_codes=["M75.41"], proposed_treatment="surgery",
          procedure="Schulterarthroskopie", country="DE",
          situation={"unsure_about_plan": True}),
     "recommended", {"invasive_treatment", "often_unnecessary_procedure",
                     "unsure_about_plan"}, set()),
    ("diabetic foot amputation in Germany",
     dict(diagnosis_codes=["E11.621"], proposed_treatment="surgery",
          procedure="Amputation (diabetischer Fuß)", country="DE"),
     "recommended", {"invasive_treatment", "often_unnecessary_procedure"}, set()),
    ("empty answers",
     dict(), "optional", set(), {"vague"}),
    ("only a worry, no diagnosis",
     dict(situation={"unsure_about_plan": True}), "optional", {"unsure_about_plan"},
     {"vague"}),
    ("melanoma, wide excision, doctor uncertain about margins",
     dict(diagnosis_codes=["C43.59"], proposed_treatment="surgery",
          situation={"doctor_uncertain": True, "tests_ambiguous": True}),
     "strongly_recommended", {"serious_diagnosis", "invasive_treatment", "doctor_uncertain",
                              "tests_ambiguous"}, set()),
]


@pytest.fixture
def plans():
    return {key: InsurancePlan.objects.create(**fields) for key, fields in PLANS.items()}


def _run(data, plans):
    data = dict(data)
    if "insurance_plan" in data:
        data["insurance_plan"] = plans[data["insurance_plan"]].pk
    return assess(data)


@pytest.mark.parametrize("name,data,expected,reasons,others", VIGNETTES,
                         ids=[v[0] for v in VIGNETTES])
def test_vignette(plans, name, data, expected, reasons, others):
    result = _run(data, plans)
    assert result["recommendation"] == expected, result["reasons"] + result["against"]
    assert reasons <= {r["criterion"] for r in result["reasons"]}
    mentioned = {r["criterion"] for r in result["against"]} | {c["key"] for c in
                                                               result["cautions"]}
    assert others <= mentioned, mentioned


def test_there_are_at_least_thirty_vignettes():
    assert len(VIGNETTES) >= 30


def test_every_rule_and_caution_is_exercised_by_a_vignette():
    exercised = set().union(*(v[3] | v[4] for v in VIGNETTES))
    assert {r.criterion for r in rules.RULES} <= exercised
    assert {c.key for c in rules.CAUTIONS} <= exercised


def test_seek_care_now_says_so_plainly(plans):
    result = assess({"situation": {"time_critical": True}})
    assert "Get care now" in result["message"]
    stroke = assess({"diagnosis_codes": ["I63.9"], "proposed_treatment": "surgery",
                     "situation": ["time_critical", "unsure_about_plan"]})
    assert stroke["reasons"] == stroke["against"] == stroke["cautions"] == []


def test_german_statutory_right_explains_the_rules(plans):
    result = _run(VIGNETTES[2][1], plans)
    right = result["statutory_right"]
    assert right["procedure_key"] == "prostate_cancer_treatment"
    assert "§ 27b SGB V" in right["legal_basis"]
    text = " ".join(right["points"])
    assert "free" in text and "10 days" in text and "may not come from" in text


def test_no_statutory_right_outside_germany_or_the_list(plans):
    assert _run(VIGNETTES[3][1], plans)["statutory_right"] is None  # US
    assert assess({"country": "DE", "procedure": "mastectomy"})["statutory_right"] is None


def test_coverage_uses_the_patients_plan(plans):
    coverage = _run(VIGNETTES[18][1], plans)["coverage"]
    assert coverage == {
        "plan_id": plans["basic"].pk, "plan": "Evergreen Basic", "covered": True, "fee": "50.00",
        "currency": "USD", "required_before_procedure": False, "procedure": None,
        "requirement": None, "notes": "",
    }
    required = _run(VIGNETTES[3][1], plans)["coverage"]
    assert required["required_before_procedure"] and required["procedure"] == "Knee replacement"
    assert required["requirement"] == ("You must get a second opinion first. Your plan says so. "
                                       "Get it before knee replacement.")
    assert assess({})["coverage"] is None


def test_oncology_asks_for_pathology_slides_and_the_images_themselves(plans):
    result = _run(VIGNETTES[0][1], plans)
    keys = [item["key"] for item in result["records_checklist"]]
    for key in ("pathology_report", "slides_blocks", "staging", "imaging_images",
                "treatment_history", "medication_list", "proposed_plan"):
        assert key in keys
    assert any("clinical trials" in q for q in result["questions"])


def test_every_case_asks_for_medicines_and_the_plan_in_writing():
    for data in ({}, {"diagnosis_codes": ["I48.0"]}, {"proposed_treatment": "none"}):
        keys = [item["key"] for item in assess(data)["records_checklist"]]
        assert "medication_list" in keys and "proposed_plan" in keys


def test_specialties_come_from_codes_then_procedures(plans):
    breast = [s["name"] for s in _run(VIGNETTES[0][1], plans)["specialties"]]
    assert breast[0] == "Medical Oncology"
    knee_by_words = [s["code"] for s in assess({"procedure": "knee replacement"})["specialties"]]
    assert knee_by_words[0] == "207XS0114X"

import pytest

from consilium.triage.procedures import recognise
from consilium.triage.statutory import ZM_RL

G_BA_LIST = {
    "hysterectomy", "tonsillectomy", "shoulder_arthroscopy", "knee_replacement",
    "hip_replacement", "diabetic_foot_amputation", "spinal_surgery", "cardiac_ablation",
    "pacemaker_icd", "cholecystectomy", "aortic_aneurysm_repair", "prostate_cancer_treatment",
    "carotid_revascularisation",
}


def test_the_german_statutory_list_is_complete():
    assert {e.procedure for e in ZM_RL} == G_BA_LIST


@pytest.mark.parametrize("text,key", [
    ("total knee replacement, right", "knee_replacement"),
    ("Knie-Endoprothese links", "knee_replacement"),
    ("OPS 5-822.g1", "knee_replacement"),
    ("CPT 27447", "knee_replacement"),
    ("Hüftprothese", "hip_replacement"),
    ("laparoscopic cholecystectomy", "cholecystectomy"),
    ("Pulmonalvenenisolation", "cardiac_ablation"),
    ("dual-chamber pacemaker", "pacemaker_icd"),
    ("radical prostatectomy", "prostate_cancer_treatment"),
    ("L4-L5 spinal fusion", "spinal_surgery"),
    ("Tonsillektomie", "tonsillectomy"),
    ("total abdominal hysterectomy", "hysterectomy"),
    ("EVAR", "aortic_aneurysm_repair"),
    ("carotid endarterectomy", "carotid_revascularisation"),
    ("arthroscopic shoulder surgery", "shoulder_arthroscopy"),
])
def test_procedures_are_recognised_by_words_and_codes(text, key):
    assert key in [p.key for p in recognise(text)]


@pytest.mark.parametrize("text", ["", "blood transfusion", "a thank you note", "physiotherapy",
                                  "my knee hurts", "12345"])
def test_ordinary_words_are_not_procedures(text):
    assert recognise(text) == []

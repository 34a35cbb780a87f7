"""The German statutory right to a second opinion (§ 27b SGB V, G-BA Zm-RL): recognised from
the diagnosis and the kind of treatment, in English and German, however it is typed."""

import pytest

from consilium.triage.assessment import assess
from consilium.triage.procedures import PROCEDURES
from consilium.triage.statutory import ZM_RL

pytestmark = pytest.mark.django_db


def right(**answers) -> str | None:
    found = assess({"country": "DE", **answers})["statutory_right"]
    return found["procedure_key"] if found else None


def test_the_table_names_each_eingriff_of_the_directive_once():
    assert [e.number for e in ZM_RL] == list(range(1, 14))
    keys = {p.key for p in PROCEDURES}
    assert all(e.procedure in keys for e in ZM_RL)
    assert len({e.procedure for e in ZM_RL}) == len(ZM_RL)


@pytest.mark.parametrize("answers", [
    dict(diagnosis_codes=["C61"], procedure="radikale Prostatektomie"),
    dict(diagnosis_codes=["C61"], procedure="Bestrahlung"),
    dict(diagnosis_codes=["C61"], procedure="Brachytherapie (Seeds)"),
    dict(diagnosis_codes=["C61"], procedure="perkutane Strahlentherapie"),
    dict(diagnosis_codes=["C61"], proposed_treatment="radiation"),
    dict(diagnosis_codes=["C61"], proposed_treatment="surgery"),
    dict(diagnosis_text="Prostatakrebs, lokal begrenzt", procedure="BESTRAHLUNG!!"),
    dict(diagnosis_text="localised prostate cancer, Gleason 7", procedure="external beam "
         "radiotherapy"),
    dict(diagnosis_text="prostate carcinoma", procedure="robotic radical prostatectomy"),
    dict(procedure="radical prostatectomy"),
    dict(diagnosis_text="Prostata-Karzinom", procedure="LDR brachytherapy"),
    dict(diagnosis_codes=["c61"], procedure="Radiatio der Prostata"),
    dict(diagnosis_codes=["C61"], procedure="Seeds"),
    dict(diagnosis_codes=["C61"], procedure="Entfernung der Prostata"),
    dict(diagnosis_text="Prostata Ca", procedure="OP"),
    dict(diagnosis_codes=["C61"], procedure="Strahlenbehandlung, danach beobachten"),
])
def test_localised_prostate_cancer_with_a_treatment(answers):
    assert right(**answers) == "prostate_cancer_treatment"


@pytest.mark.parametrize("answers", [
    dict(diagnosis_codes=["C61"]),  # a diagnosis is not a treatment
    dict(diagnosis_codes=["C61"], procedure="aktive Überwachung"),
    dict(diagnosis_codes=["C61"], procedure="Active Surveillance", proposed_treatment="surgery"),
    dict(diagnosis_codes=["C61"], procedure="watchful waiting",
         proposed_treatment="watchful_waiting"),
    dict(diagnosis_codes=["C61"], proposed_treatment="watchful_waiting"),
    dict(diagnosis_codes=["C61"], proposed_treatment="chemotherapy"),
    dict(diagnosis_codes=["C61", "C79.51"], procedure="Bestrahlung"),  # spread to the bone
    dict(diagnosis_text="metastasiertes Prostatakarzinom", procedure="Bestrahlung"),
    dict(diagnosis_codes=["C50.912"], procedure="Bestrahlung"),  # not the prostate
    dict(procedure="Bestrahlung"),
])
def test_no_right_for_prostate_cancer_without_an_operation_or_radiotherapy(answers):
    assert right(**answers) is None


@pytest.mark.parametrize("answers", [
    dict(diagnosis_codes=["D25.9"], procedure="hysterectomy"),
    dict(diagnosis_codes=["D25.1"], procedure="Gebärmutterentfernung"),
    dict(diagnosis_text="Myome", procedure="laparoskopische Hysterektomie"),
    dict(diagnosis_text="fibroids", procedure="  Total Abdominal HYSTERECTOMY. "),
    dict(procedure="Hysterektomie"),
])
def test_hysterectomy_for_a_benign_condition(answers):
    assert right(**answers) == "hysterectomy"


@pytest.mark.parametrize("answers", [
    dict(diagnosis_codes=["C53.9"], procedure="hysterectomy"),
    dict(diagnosis_codes=["C54.1"], procedure="Hysterektomie"),
    dict(diagnosis_codes=["C55"], procedure="Hysterektomie"),
    dict(diagnosis_codes=["C56.1"], procedure="hysterectomy"),
    dict(diagnosis_text="Gebärmutterhalskrebs", procedure="Gebärmutterentfernung"),
    dict(diagnosis_text="endometrial cancer", procedure="hysterectomy"),
    dict(procedure="radikale Hysterektomie bei Zervixkarzinom"),
])
def test_no_right_for_a_hysterectomy_for_cancer(answers):
    assert right(**answers) is None


@pytest.mark.parametrize("text,key", [
    ("Hüftgelenkersatz", "hip_replacement"),
    ("Hüft-TEP rechts", "hip_replacement"),
    ("hueft tep", "hip_replacement"),
    ("künstliches Hüftgelenk", "hip_replacement"),
    ("Total hip replacement", "hip_replacement"),
    ("Knie-TEP", "knee_replacement"),
    ("Kniegelenk-Endoprothese", "knee_replacement"),
    ("Knie-Totalendoprothese", "knee_replacement"),
    ("Kniegelenks-TEP?", "knee_replacement"),
    ("Hüftgelenk-TEP", "hip_replacement"),
    ("HTEP links", "hip_replacement"),
    ("Uterusentfernung", "hysterectomy"),
    ("Gebärmutter entfernen", "hysterectomy"),
    ("womb removal", "hysterectomy"),
    ("Defi", "pacemaker_icd"),
    ("KNIE TEP links", "knee_replacement"),
    ("Kniegelenkersatz", "knee_replacement"),
    ("Kniegelenksersatz", "knee_replacement"),
    ("künstliches Kniegelenk", "knee_replacement"),
    ("Knieendoprothese", "knee_replacement"),
    ("total knee replacement", "knee_replacement"),
    ("Herzschrittmacher", "pacemaker_icd"),
    ("Schrittmacher-Implantation", "pacemaker_icd"),
    ("pacemaker", "pacemaker_icd"),
    ("ICD-Implantation", "pacemaker_icd"),
    ("implantable cardioverter defibrillator", "pacemaker_icd"),
    ("CRT-D", "pacemaker_icd"),
    ("kardiale Resynchronisationstherapie", "pacemaker_icd"),
    ("cardiac resynchronization therapy", "pacemaker_icd"),
    ("Tonsillektomie", "tonsillectomy"),
    ("Mandel-OP", "tonsillectomy"),
    ("Schulterarthroskopie", "shoulder_arthroscopy"),
    ("Amputation (diabetischer Fuß)", "diabetic_foot_amputation"),
    ("Bandscheiben-OP", "spinal_surgery"),
    ("Wirbelsäulenoperation", "spinal_surgery"),
    ("Cholezystektomie", "cholecystectomy"),
    ("Katheterablation", "cardiac_ablation"),
    ("Aortenaneurysma EVAR", "aortic_aneurysm_repair"),
    ("Karotis-Stent", "carotid_revascularisation"),
])
def test_procedures_named_in_english_and_german(text, key):
    assert right(procedure=text) == key


@pytest.mark.parametrize("text", ["ICD-10 M17.1", "Physiotherapie", "Kniespiegelung? nein",
                                  "Knie-OP", "Biopsie", "Operation", "Bestrahlung",
                                  "aktive Überwachung", "watchful waiting", ""])
def test_no_right_for_words_that_are_not_an_operation(text):
    assert right(procedure=text) is None


@pytest.mark.parametrize("answers,key", [
    (dict(diagnosis_codes=["E11.621"], procedure="Zehenamputation"), "diabetic_foot_amputation"),
    (dict(diagnosis_text="Diabetes Typ 2", procedure="Amputation rechter Fuß"),
     "diabetic_foot_amputation"),
    (dict(procedure="amputation, diabetic foot ulcer"), "diabetic_foot_amputation"),
    (dict(diagnosis_text="Unfall", procedure="Amputation"), None),
    (dict(diagnosis_codes=["E11.9"], proposed_treatment="surgery"), None),
])
def test_an_amputation_gives_the_right_only_in_diabetic_foot_syndrome(answers, key):
    assert right(**answers) == key


def test_no_right_outside_germany():
    assert assess({"country": "US", "diagnosis_codes": ["C61"],
                   "procedure": "prostatectomy"})["statutory_right"] is None


def test_the_api_and_the_page_say_the_same(client):
    answers = {"country": "DE", "diagnosis_codes": ["C61"], "procedure": "Bestrahlung"}
    api = client.post("/api/v1/triage", answers, content_type="application/json").json()
    assert api["statutory_right"]["procedure_key"] == "prostate_cancer_treatment"
    page = client.post("/assess/", {**answers, "diagnosis_codes": "C61"}).content.decode()
    assert api["statutory_right"]["sentence"] in page  # "By law you may get …"
    assert api["statutory_right"]["sentence"].startswith(
        "By law you may get a second opinion before prostate cancer")
    none = {"country": "DE", "diagnosis_codes": "C53.9", "procedure": "Hysterektomie"}
    assert "By law you may get a second opinion" not in client.post("/assess/", none
                                                                     ).content.decode()
    api_none = client.post("/api/v1/triage", {**none, "diagnosis_codes": ["C53.9"]},
                           content_type="application/json").json()
    assert api_none["statutory_right"] is None


@pytest.mark.parametrize("answers", [
    dict(diagnosis_text="Prostatakarzinom, lokal begrenzt, nicht metastasiert",
         procedure="Bestrahlung"),
    dict(diagnosis_text="non-metastatic prostate cancer", procedure="prostatectomy"),
])
def test_a_denied_spread_does_not_take_the_right_away(answers):
    assert right(**answers) == "prostate_cancer_treatment"


def test_a_denied_cancer_does_not_take_the_right_away():
    assert right(diagnosis_text="Myome, kein Krebs", procedure="Hysterektomie") == "hysterectomy"

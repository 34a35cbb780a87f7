"""The German statutory right to a second opinion (§ 27b SGB V): which planned treatments give
it, from the diagnosis and the kind of treatment, not only from the words for an operation.

Source: Gemeinsamer Bundesausschuss, Richtlinie zum Zweitmeinungsverfahren (Zm-RL),
Besonderer Teil, Eingriffe 1-13; Fassung vom 21. September 2017 (BAnz AT 07.12.2018 B4),
zuletzt geändert am 20. März 2025 (Eingriff 13, Karotis-Revaskularisation, in Kraft seit
1. Oktober 2025); Eingriff 12 (Prostatakarzinom) beschlossen am 19. September 2024, in Kraft
seit 1. April 2025 (g-ba.de, Richtlinien: Zweitmeinungsverfahren). docs/triage.md explains it.
Check it against the directive when the G-BA adds an Eingriff.
"""

import re
from dataclasses import dataclass

from .procedures import BY_KEY, Procedure, has_phrase, normalised

CodeRange = tuple[str, str]  # ICD-10 categories, first and last (three characters)


@dataclass(frozen=True)
class Eingriff:
    number: int  # its number in the Besonderer Teil
    title: str  # as the directive names it
    procedure: str  # the procedures.PROCEDURES key whose words and codes name it
    # The treatment may also be named by these words, or by the kind of treatment chosen on
    # the form; then the diagnosis must be one of `diagnosis` (codes or words).
    treatment_words: tuple[str, ...] = ()
    treatment_kinds: tuple[str, ...] = ()
    diagnosis: tuple[CodeRange, ...] = ()
    diagnosis_words: tuple[str, ...] = ()
    implied_by: tuple[str, ...] = ()  # words that name both the diagnosis and the treatment
    # Not for these diagnoses (codes or words anywhere in the answers).
    not_for: tuple[CodeRange, ...] = ()
    not_for_words: tuple[str, ...] = ()


CANCER_WORDS = ("krebs", "karzinom", "carcinoma", "cancer", "malign", "sarkom", "sarcoma",
                "zervixca", "zervix ca", "cervix ca")
SPREAD_WORDS = ("metastas", "metastat", "fernmetastase")
# Active surveillance is not an operation: named alone, it gives no right.
SURVEILLANCE_WORDS = ("aktive überwachung", "aktiver überwachung", "active surveillance",
                      "watchful waiting", "abwartend", "zuwarten", "beobachten")

ZM_RL: tuple[Eingriff, ...] = (
    Eingriff(1, "Mandeloperationen (Tonsillektomie, Tonsillotomie)", "tonsillectomy"),
    Eingriff(2, "Gebärmutterentfernungen (Hysterektomien)", "hysterectomy",
             # benign conditions only: not for cancer of the cervix, womb, ovary or elsewhere
             not_for=(("C00", "C97"), ("D06", "D07")), not_for_words=CANCER_WORDS),
    Eingriff(3, "Arthroskopische Eingriffe an der Schulter", "shoulder_arthroscopy"),
    Eingriff(4, "Amputation beim Diabetischen Fußsyndrom", "diabetic_foot_amputation",
             # only with diabetes: an amputation after an accident gives no right
             treatment_words=("amputation", "amputier", "zehenamputation", "vorfußamputation"),
             diagnosis=(("E08", "E14"),),
             diagnosis_words=("diabet", "zuckerkrank", "zucker krank", "dfs")),
    Eingriff(5, "Implantation einer Knieendoprothese", "knee_replacement"),
    Eingriff(6, "Eingriffe an der Wirbelsäule", "spinal_surgery"),
    Eingriff(7, "Kathetergestützte elektrophysiologische Herzuntersuchungen und "
                "Ablationen am Herzen", "cardiac_ablation"),
    Eingriff(8, "Implantation eines Herzschrittmachers, Defibrillators oder CRT-Aggregats",
             "pacemaker_icd"),
    Eingriff(9, "Entfernung der Gallenblase (Cholezystektomie)", "cholecystectomy"),
    Eingriff(10, "Hüftgelenkersatz (Implantation einer Hüftendoprothese)", "hip_replacement"),
    Eingriff(11, "Eingriffe an Aortenaneurysmen", "aortic_aneurysm_repair"),
    Eingriff(12, "Eingriffe bei lokal begrenztem und nicht metastasiertem Prostatakarzinom "
                 "(Prostatektomie, perkutane Strahlentherapie, interstitielle Brachytherapie)",
             "prostate_cancer_treatment",
             treatment_words=("prostatectomy", "prostatektomie", "radiotherapy",
                              "radiation", "strahlentherapie", "bestrahlung", "brachytherap",
                              "seed", "seeds", "imrt", "protonentherapie", "proton therapy",
                              "radiatio", "strahlenbehandlung", "prostataentfernung",
                              "entfernung der prostata", "prostata-op", "prostataoperation",
                              "op", "operation", "operiert", "surgery", "surgical"),
             treatment_kinds=("surgery", "radiation"),
             diagnosis=(("C61", "C61"),),
             diagnosis_words=("prostate cancer", "prostate carcinoma", "prostatakrebs",
                              "prostatakarzinom", "prostata karzinom", "prostata ca",
                              "prostatacarcinom", "krebs der prostata"),
             implied_by=("radical prostatectomy", "radikale prostatektomie",
                         "radikaler prostatektomie"),
             not_for=(("C77", "C79"),), not_for_words=SPREAD_WORDS),
    Eingriff(13, "Eingriffe zur Revaskularisation bei Karotisstenose",
             "carotid_revascularisation"),
)


# "nicht metastasiert", "no cancer", "kein Krebs": a denied word does not exclude.
DENIED = re.compile(r"\b(?:nicht|kein|keine|keinen|ohne|no|not|non|without) \w+|\bnon\w*")


def _has(text: str, words: tuple[str, ...]) -> bool:
    return any(has_phrase(text, word) for word in words)


def _in(categories: list[str], ranges: tuple[CodeRange, ...]) -> bool:
    return any(start <= cat <= end for cat in categories for start, end in ranges)


def statutory(procedures: list[Procedure], codes: list[str], diagnosis_text: str,
              procedure_text: str, treatment: str) -> list[Procedure]:
    """The planned treatments in these answers that give the statutory right, in the order of
    the directive. `procedures` are those recognised in `procedure_text`."""
    categories = [code[:3].upper() for code in codes]
    said = f" {normalised(diagnosis_text)} {normalised(procedure_text)} "
    proposed = f" {normalised(procedure_text)} "
    named = {p.key for p in procedures}
    found = []
    for eingriff in ZM_RL:
        if eingriff.not_for and (_in(categories, eingriff.not_for)
                                 or _has(DENIED.sub(" ", said), eingriff.not_for_words)):
            continue
        if eingriff.diagnosis or eingriff.diagnosis_words:
            if not _gives(eingriff, categories, said, proposed, treatment):
                continue
        elif eingriff.procedure not in named:
            continue
        found.append(BY_KEY[eingriff.procedure])
    return found


def _gives(eingriff: Eingriff, categories: list[str], said: str, proposed: str,
           treatment: str) -> bool:
    """A treatment that needs a diagnosis: both are there, and not active surveillance."""
    if _has(proposed, eingriff.implied_by):
        return True
    diagnosed = _in(categories, eingriff.diagnosis) or _has(said, eingriff.diagnosis_words)
    if not diagnosed:
        return False
    if _has(proposed, eingriff.treatment_words):
        return True
    surveillance = _has(proposed, SURVEILLANCE_WORDS) or treatment == "watchful_waiting"
    return treatment in eingriff.treatment_kinds and not surveillance




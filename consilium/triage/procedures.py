"""Planned procedures the self-assessment recognises, from words (English or German) or codes.

Used for the German statutory second-opinion right (§27b SGB V; which of these give it, and
when, is the table in statutory.py) and for insurance plans that require a second opinion
before a procedure. OPS codes are the German procedure classification; CPT codes the US one.
Only prefixes are listed: a code matches when it starts with one.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Procedure:
    key: str
    label: str
    words: tuple[str, ...]  # lower-case phrases; any one found in the text is a match
    ops: tuple[str, ...] = ()
    cpt: tuple[str, ...] = ()
    specialties: tuple[str, ...] = ()  # NUCC codes that give second opinions on it
    kind: str = ""  # the kind of case it makes (see rules.KINDS_BY_CODE), if any


PROCEDURES: tuple[Procedure, ...] = (
    Procedure("hysterectomy", "Hysterectomy (removal of the womb)",
              ("hysterectomy", "hysterektomie", "gebärmutterentfernung", "removal of the uterus",
               "removal of the womb", "entfernung der gebärmutter", "gebärmutter entfern",
               "uterusentfernung", "uterus entfern", "womb removal", "uterus removal"),
              ops=("5-682", "5-683", "5-685"), cpt=("5815", "5826", "5855", "5856", "5857"),
              specialties=("207VG0400X", "207V00000X")),
    Procedure("tonsillectomy", "Tonsillectomy or tonsillotomy",
              ("tonsillectomy", "tonsillotomy", "tonsillektomie", "tonsillotomie",
               "mandeloperation", "mandel op", "mandelentfernung", "removal of the tonsils",
               "tonsils removed"),
              ops=("5-281", "5-282"), cpt=("4282", "42821", "42825", "42826"),
              specialties=("207Y00000X",)),
    Procedure("shoulder_arthroscopy", "Arthroscopic shoulder surgery",
              ("shoulder arthroscopy", "arthroscopic shoulder", "schulterarthroskopie",
               "subacromial decompression", "rotator cuff repair"),
              ops=("5-814", "5-811.2", "5-812.e"), cpt=("2980", "2981", "2982"),
              specialties=("207XX0005X", "207X00000X"), kind="orthopaedics"),
    Procedure("knee_replacement", "Knee replacement",
              ("knee replacement", "knee arthroplasty", "knieprothese", "knie-endoprothese",
               "knee endoprosthesis", "tka", "knie-tep", "kniegelenkersatz",
               "kniegelenksersatz", "künstliches kniegelenk", "kniegelenkprothese",
               "kniegelenksprothese", "knie tep", "artificial knee", "new knee joint",
               "kniegelenk-endoprothese", "knie-totalendoprothese", "kniegelenk-tep",
               "kniegelenks-tep", "knee joint replacement"),
              ops=("5-822",), cpt=("27447", "27446"),
              specialties=("207XS0114X", "207X00000X"), kind="orthopaedics"),
    Procedure("hip_replacement", "Hip replacement",
              ("hip replacement", "hip arthroplasty", "hüftprothese", "hüft-endoprothese",
               "hip endoprosthesis", "tha", "hüft-tep", "hüftgelenkersatz",
               "hüftgelenksersatz", "künstliches hüftgelenk", "hüftgelenkprothese",
               "hüftgelenksprothese", "artificial hip", "new hip joint", "hüftgelenk-endoprothese",
               "hüft-totalendoprothese", "hüftgelenk-tep", "hüftgelenks-tep", "htep",
               "hip joint replacement"),
              ops=("5-820",), cpt=("27130", "27132", "27125"),
              specialties=("207XS0114X", "207X00000X"), kind="orthopaedics"),
    Procedure("diabetic_foot_amputation", "Amputation for diabetic foot syndrome",
              ("amputation", "amputieren", "diabetic foot", "diabetischer fuß"),
              ops=("5-864", "5-865"), cpt=("2788", "2789", "2880", "2881", "28805", "28810"),
              specialties=("2086S0129X", "207RE0101X")),
    Procedure("spinal_surgery", "Planned spinal surgery",
              ("spinal fusion", "lumbar fusion", "cervical fusion", "spondylodesis",
               "spondylodese", "laminectomy", "lumbar decompression", "spinal decompression",
               "discectomy", "bandscheibenoperation", "wirbelsäulen", "spine surgery",
               "spinal surgery", "back surgery", "bandscheiben op", "rückenoperation"),
              ops=("5-83", "5-032", "5-033", "5-035", "5-036"),
              cpt=("2261", "2263", "2255", "63030", "63047", "63005"),
              specialties=("207XS0117X", "207T00000X"), kind="orthopaedics"),
    Procedure("cardiac_ablation", "Cardiac catheter ablation",
              ("ablation", "katheterablation", "pulmonary vein isolation",
               "pulmonalvenenisolation", "pvi"),
              ops=("8-835",), cpt=("93653", "93654", "93656"),
              specialties=("207RC0001X", "207RC0000X"), kind="cardiology"),
    Procedure("pacemaker_icd", "Pacemaker or defibrillator (ICD) implantation",
              ("pacemaker", "schrittmacher", "defibrillator", "icd implant", "icd einsetzen",
               "implantable cardioverter", "crt", "crt-d", "crt-p", "resynchronisation",
               "resynchronization", "cardiac resynchron", "defi"),
              ops=("5-377",), cpt=("33206", "33207", "33208", "33249", "33230", "33231"),
              specialties=("207RC0001X", "207RC0000X"), kind="cardiology"),
    Procedure("cholecystectomy", "Gallbladder removal (cholecystectomy)",
              ("cholecystectomy", "cholezystektomie", "gallbladder removal",
               "removal of the gallbladder", "gallenblasenentfernung"),
              ops=("5-511",), cpt=("47562", "47563", "47564", "47600", "47605"),
              specialties=("208600000X", "207RG0100X")),
    Procedure("aortic_aneurysm_repair", "Aortic aneurysm repair",
              ("aortic aneurysm", "aortenaneurysma", "evar", "aneurysm repair"),
              ops=("5-384", "5-38a"), cpt=("3480", "3481", "3482", "3483", "35081", "35102"),
              specialties=("2086S0129X", "208G00000X"), kind="cardiology"),
    Procedure("prostate_cancer_treatment", "Prostate cancer surgery or radiotherapy",
              ("prostatectomy", "prostatektomie", "prostate cancer", "prostatakrebs",
               "prostatakarzinom", "radiation of the prostate"),
              ops=("5-604",), cpt=("55840", "55842", "55845", "55866", "77778"),
              specialties=("208800000X", "2085R0001X"), kind="oncology"),
    Procedure("carotid_revascularisation", "Carotid artery revascularisation",
              ("carotid endarterectomy", "carotid stent", "karotis", "carotid revascular",
               "endarteriektomie", "halsschlagader"),
              ops=("5-381.0", "5-382.0", "8-840.0m"), cpt=("35301", "37215", "37216"),
              specialties=("2086S0129X", "2084V0102X"), kind="neurology"),
    # Recognised for plans and specialties; not in the German statutory table.
    Procedure("mastectomy", "Mastectomy (breast removal)",
              ("mastectomy", "mastektomie", "brustentfernung", "breast removal"),
              ops=("5-872", "5-877"), cpt=("19301", "19303", "19307"),
              specialties=("2086X0206X", "207RX0202X"), kind="oncology"),
    Procedure("bariatric_surgery", "Weight-loss surgery",
              ("gastric bypass", "sleeve gastrectomy", "bariatric", "magenbypass"),
              ops=("5-434", "5-445"), cpt=("43644", "43775", "43846"),
              specialties=("208600000X", "207RB0002X")),
)

BY_KEY = {p.key: p for p in PROCEDURES}
CODE = re.compile(r"\b(\d-\d{2,3}[0-9a-z.]*|\d{5})\b", re.IGNORECASE)


UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def normalised(text: str) -> str:
    """Lower case, umlauts spelt out (ü as ue), every run of punctuation and spaces one space:
    "Hüft-TEP", "hueft tep" and "HÜFT TEP!" read the same."""
    spelt = (text or "").lower().translate(UMLAUTS)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", spelt).split())


def recognise(text: str) -> list[Procedure]:
    """The procedures named in free text: by words, OPS codes (5-822) or CPT codes (27447)."""
    lowered = f" {(text or '').lower()} "
    codes = [c.lower() for c in CODE.findall(lowered)]
    spaced = f" {normalised(text)} "
    found = []
    for procedure in PROCEDURES:
        by_words = any(has_phrase(spaced, phrase) for phrase in procedure.words)
        by_code = any(code.startswith(prefix.lower()) for code in codes
                      for prefix in procedure.ops + procedure.cpt)
        if by_words or by_code:
            found.append(procedure)
    return found


def has_phrase(spaced: str, phrase: str) -> bool:
    """Whether the phrase is in `spaced`, a normalised text with a space at either end."""
    # Short abbreviations (tka, pvi, crt) must stand alone; longer words may be part of a
    # word, and are found whether written as one word, hyphenated or apart.
    wanted = normalised(phrase)
    if len(wanted) <= 4:
        return f" {wanted} " in spaced
    return wanted.replace(" ", "") in spaced.replace(" ", "")

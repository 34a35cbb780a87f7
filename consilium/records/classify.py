"""A guess at a record's type from what the file is, what it says and what it is called.

Text is scored: each type has cue phrases (the headings and formulas such documents use),
each found cue adds its weight, and the best score wins if it is clear enough. The file name
is the fallback. People can always correct the guess (``Record.type_confirmed``).
"""

import re

from .models import RecordType

# What the first part of a document says about its type: (pattern, weight).
TEXT_CUES = {
    RecordType.PATHOLOGY_REPORT: (
        (r"gross description|microscopic (description|examination)|specimen(s)? (submitted|"
         r"received|labeled)", 3),
        (r"surgical pathology|pathology report|cytology|histolog|immunohistochem", 3),
        (r"final (pathologic |pathological )?diagnosis|margins? (are|is) (free|negative|"
         r"involved)|\bgrade \d", 2),
        (r"\bbiops(y|ies)\b|\bresection\b|\bexcision\b", 1),
    ),
    RecordType.IMAGING_REPORT: (
        (r"\bfindings\s*:|\bimpression\s*:|\btechnique\s*:|\bexam(ination)?\s*:|"
         r"reason for (the )?exam|\binterpretation\s*:", 2),
        (r"\b(ct|mri|mr|pet|x-?ray|ultrasound|sonogra\w*|mammogra\w*|radiograph\w*|"
         r"echocardiogra\w*|doppler|scan)\b", 1),
        (r"\bcontrast\b|\baxial\b|\bsagittal\b|\bcoronal\b|\bviews?\b of the", 1),
    ),
    RecordType.DISCHARGE_SUMMARY: (
        (r"discharge summary|discharge diagnos[ie]s|hospital course|date of discharge|"
         r"discharge (medications|instructions|condition)", 4),
        (r"admission diagnos[ie]s|date of admission|admitted", 1),
    ),
    RecordType.REFERRAL_LETTER: (
        (r"\bdear [^\n,:;]{1,40}[,:]|thank you for (referring|allowing|the referral)|"
         r"sincerely|kind regards|yours (truly|faithfully)", 4),
        (r"\breferral\b|\breferred\b", 1),
    ),
    RecordType.LAB_RESULTS: (
        (r"reference (range|interval)|\bflag\b|specimen collected|laboratory report", 3),
        (r"\b(wbc|hemoglobin|hgb|platelets|creatinine|sodium|potassium|glucose)\b", 1),
        (r"\bmg/dl\b|\bmmol/l\b|\bg/dl\b|\b10\^?\d/", 1),
    ),
    RecordType.MEDICATION_LIST: (
        (r"medication list|list of medications|current medications\s*:?\s*$", 3),
    ),
    RecordType.CLINICAL_NOTE: (
        (r"history of present illness|chief complaint|reason for (consultation|visit)", 3),
        (r"(pre|post)operative diagnos[ie]s|(procedure|operation) performed", 3),
        (r"review of systems|physical exam(ination)?\s*:", 2),
        (r"\bassessment( and plan)?\s*:|\bplan\s*:|\bprocedure\s*:|operative (note|report)|"
         r"\bpreoperative diagnosis", 1),
    ),
}
COMPILED = {kind: [(re.compile(p, re.I | re.M), w) for p, w in cues]
            for kind, cues in TEXT_CUES.items()}
# A text guess needs at least this score; below it the name decides.
CLEAR_SCORE = 3
TEXT_WINDOW = 4000  # characters: the part of a document that says what it is

# The file name: checked in order, the first match wins.
NAME_PATTERNS = (
    (re.compile(r"patholog|biops|histolog|cytolog", re.I), RecordType.PATHOLOGY_REPORT),
    (re.compile(r"discharge|entlass", re.I), RecordType.DISCHARGE_SUMMARY),
    (re.compile(r"\b(mri|ct|pet|x-?ray|mammo\w*|ultrasound|radiolog\w*|imaging)\b", re.I),
     RecordType.IMAGING_REPORT),
    (re.compile(r"\blab|blood|haematolog|hematolog|panel|urinalysis", re.I),
     RecordType.LAB_RESULTS),
    (re.compile(r"medication|medicine|prescription|drug list", re.I),
     RecordType.MEDICATION_LIST),
    (re.compile(r"referral|letter|überweisung", re.I), RecordType.REFERRAL_LETTER),
    (re.compile(r"note|consult|progress|history and physical|clinic", re.I),
     RecordType.CLINICAL_NOTE),
)


def classify(kind: str, name: str, text: str = "") -> str:
    if kind == "dicom":
        return RecordType.IMAGING_STUDY if name.rsplit("/", 1)[-1].upper() != "DICOMDIR" \
            else RecordType.OTHER
    if kind in ("fhir_json", "fhir_ndjson"):
        return RecordType.HEALTH_RECORD
    return classify_text(text) or classify_name(name)


def classify_text(text: str) -> str | None:
    """The type the text most looks like, or None when no type stands out."""
    window = text[:TEXT_WINDOW]
    if not window.strip():
        return None
    scores = {kind: sum(w for pattern, w in cues if pattern.search(window))
              for kind, cues in COMPILED.items()}
    best = max(scores, key=lambda kind: scores[kind])
    return best if scores[best] >= CLEAR_SCORE else None


def classify_name(name: str) -> str:
    base = name.replace("_", " ").replace("-", " ")
    for pattern, record_type in NAME_PATTERNS:
        if pattern.search(base):
            return record_type
    return RecordType.OTHER

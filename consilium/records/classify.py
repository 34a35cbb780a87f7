"""A first guess at a record's type, from what the file is and what it is called or says.

People can correct it; the FHIR and PDF text steps of the records issue will refine it.
"""

import re

from .models import RecordType

# Checked in order; the first pattern found in the name (or a text file's start) wins.
PATTERNS = (
    (re.compile(r"patholog|biops|histolog|cytolog", re.I), RecordType.PATHOLOGY_REPORT),
    (re.compile(r"discharge|entlass", re.I), RecordType.DISCHARGE_SUMMARY),
    (re.compile(r"\b(mri|ct|pet|x-?ray|mammo\w*|ultrasound|radiolog\w*|imaging|scan)\b", re.I),
     RecordType.IMAGING_REPORT),
    (re.compile(r"\blab|blood|haematolog|hematolog|panel|urinalysis", re.I),
     RecordType.LAB_RESULTS),
    (re.compile(r"medication|medicine|prescription|drug list", re.I),
     RecordType.MEDICATION_LIST),
    (re.compile(r"referral|letter|überweisung", re.I), RecordType.REFERRAL_LETTER),
    (re.compile(r"note|consult|progress|history and physical|clinic", re.I),
     RecordType.CLINICAL_NOTE),
)


def classify(kind: str, name: str, text_start: str = "") -> str:
    if kind == "dicom":
        return RecordType.IMAGING_STUDY if name.rsplit("/", 1)[-1].upper() != "DICOMDIR" \
            else RecordType.OTHER
    if kind in ("fhir_json", "fhir_ndjson"):
        return RecordType.HEALTH_RECORD
    for source in (name.replace("_", " "), text_start):
        for pattern, record_type in PATTERNS:
            if source and pattern.search(source):
                return record_type
    return RecordType.OTHER

"""Which records tick which checklist item (keys from triage/rules.py CHECKLIST).

An item is ticked only by a record that shows it (issue #20): one of the record types in
``SATISFIED_BY`` (guessed from the content by classify.py, or chosen by a person) and, for an
item about the case's condition (``about_condition``), a record that names the condition's
site: the text of a report or letter, a DICOM series' body part and descriptions, a FHIR
record's entries. A lung CT report or a thyroid letter ticks nothing of a breast cancer
case. Records on hold tick nothing (``in_use``). The patient can also mark an item
(ChecklistMark: sent another way, or not had), which a coordinator may confirm.
"""

import hashlib
import re
from dataclasses import dataclass

from django.db.models.functions import Left

from .models import ChecklistMark, ClinicalEntry, EntryCategory, ImagingSeries, Record
from .models import RecordType as T

# What a FHIR record holds counts as its own kind of evidence.
FHIR_MEDICATIONS = "fhir:medication"
FHIR_LABS = "fhir:lab"
FHIR_CONDITIONS = "fhir:condition"
FHIR_PROCEDURES = "fhir:procedure"
FHIR_KINDS: dict[str, str] = {
    EntryCategory.MEDICATION: FHIR_MEDICATIONS, EntryCategory.LAB: FHIR_LABS,
    EntryCategory.CONDITION: FHIR_CONDITIONS, EntryCategory.PROCEDURE: FHIR_PROCEDURES}


@dataclass(frozen=True)
class Shown:
    by: frozenset[str]  # record types (or FHIR entry kinds) that can show the item
    about_condition: bool = True  # the record must name the case's condition's site
    says: str = ""  # words a record's text must also have (a pattern), e.g. staging's


# The one table: every checklist item and what shows it. An item not here is ticked only by
# the patient's mark (slides and blocks are asked of the lab, not uploaded).
SATISFIED_BY: dict[str, Shown] = {
    "first_opinion_report": Shown(frozenset({T.CLINICAL_NOTE, T.REFERRAL_LETTER,
                                             T.DISCHARGE_SUMMARY})),
    "proposed_plan": Shown(frozenset({T.CLINICAL_NOTE, T.REFERRAL_LETTER})),
    "medication_list": Shown(frozenset({T.MEDICATION_LIST, FHIR_MEDICATIONS}), False),
    "pathology_report": Shown(frozenset({T.PATHOLOGY_REPORT})),
    "staging": Shown(frozenset({T.PATHOLOGY_REPORT, T.IMAGING_REPORT}), says=(
        r"\bstag(e|ed|ing)\b|\btnm\b|\b[cpy]T[0-4]|metasta\w*|lymph nodes?|sentinel|"
        r"\bher-?2\b|(estrogen|oestrogen|progesterone) receptor|\b[ep]r (positive|negative)|"
        r"tumou?r markers?|\bca ?(15-3|125|19-9)\b|\bcea\b|\bpsa\b|ki-?67|gleason")),
    "imaging_images": Shown(frozenset({T.IMAGING_STUDY})),
    "imaging_reports": Shown(frozenset({T.IMAGING_REPORT})),
    "heart_tests": Shown(frozenset({T.IMAGING_STUDY, T.IMAGING_REPORT})),
    "catheter_reports": Shown(frozenset({T.IMAGING_REPORT})),
    "neurology_tests": Shown(frozenset({T.CLINICAL_NOTE})),
    "lab_results": Shown(frozenset({T.LAB_RESULTS, FHIR_LABS}), False),
    "treatment_history": Shown(frozenset({T.DISCHARGE_SUMMARY, FHIR_PROCEDURES})),
    "conservative_care": Shown(frozenset({T.CLINICAL_NOTE})),
    "operation_details": Shown(frozenset({T.CLINICAL_NOTE, T.REFERRAL_LETTER})),
    "other_illnesses": Shown(frozenset({T.CLINICAL_NOTE, T.DISCHARGE_SUMMARY,
                                        FHIR_CONDITIONS}), False),
}

# Where a condition is, by ICD-10-CM category range, with the words records use for it
# (English and German). Cardiology and neurology items are about an organ too.
SITES: tuple[tuple[str, str, str, str], ...] = (
    ("C50", "C50", "breast", r"breast|mamma\w*|brust|\bductal|lobular"),
    ("D05", "D05", "breast", r"breast|mamma\w*|brust|\bductal|lobular"),
    ("N60", "N65", "breast", r"breast|mamma\w*|brust"),
    ("C33", "C34", "lung", r"lung|pulmon\w*|bronch\w*|lunge"),
    ("J00", "J99", "lung", r"lung|pulmon\w*|bronch\w*|lunge"),
    ("C73", "C73", "thyroid", r"thyroid|schilddrüse"),
    ("E00", "E07", "thyroid", r"thyroid|schilddrüse"),
    ("C61", "C61", "prostate", r"prostat\w*"),
    ("N40", "N42", "prostate", r"prostat\w*"),
    ("C18", "C21", "bowel", r"colon|colorectal|rect(um|al)|bowel|sigmoid|darm|kolon"),
    ("C16", "C16", "stomach", r"stomach|gastric|magen"),
    ("C22", "C22", "liver", r"liver|hepat\w*|leber"),
    ("C25", "C25", "pancreas", r"pancrea\w*|bauchspeichel"),
    ("C64", "C65", "kidney", r"kidney|renal|niere"),
    ("C67", "C67", "bladder", r"bladder|urothel\w*|blase"),
    ("C53", "C55", "uterus", r"uter\w*|cervi\w*|endometri\w*|gebärmutter"),
    ("C56", "C56", "ovary", r"ovar\w*|eierstock"),
    ("C43", "C44", "skin", r"melanom\w*|skin|haut"),
    ("C70", "C72", "brain", r"brain|cerebr\w*|glio\w*|gehirn"),
    ("D32", "D33", "brain", r"brain|cerebr\w*|mening\w*|gehirn"),
    ("I00", "I52", "heart", r"heart|cardi\w*|coronar\w*|valv\w*|herz|echo\w*|\becg\b|\bekg\b"),
    ("I60", "I69", "brain", r"brain|cerebr\w*|stroke|carotid|schlaganfall"),
    ("G00", "G99", "nerves", r"brain|cerebr\w*|neurolog\w*|nerve|spin\w*|\beeg\b|\bemg\b"),
    ("M16", "M16", "hip", r"\bhip\b|hüfte?"),
    ("M17", "M17", "knee", r"knee|knie"),
    ("M40", "M54", "spine", r"spin\w*|lumbar|cervical|vertebr\w*|\bdisc\b|wirbel"),
)
PATTERNS = {name: re.compile(words, re.I) for *_, name, words in SITES}
# DICOM modalities that are of one site whatever the header says.
MODALITY_SITES = {"MG": "breast"}
TEXT_WINDOW = 8000  # characters of a record's text read for the site


def condition_sites(case) -> set[str]:
    """The sites of the case's condition: from its codes, else from its diagnosis words."""
    sites = set()
    for code in case.diagnosis_codes or []:
        category = str(code).upper()[:3]
        sites |= {name for low, high, name, _ in SITES if low <= category <= high}
    if not sites:
        sites = sites_named(case.diagnosis_text or "")
    return sites


# The sites each text names, by the text's digest: the case page works out its checklist
# from every record's text on every view, and the patterns' search was most of its time
# (docs/benchmarks.md, "Under load"). Digests, not texts, are kept: no health data stays in
# memory past its request. Emptied when full (a process reads a bounded set of records).
_SITES_BY_DIGEST: dict[bytes, frozenset[str]] = {}
SITES_KEPT = 20_000


def sites_named(text: str) -> set[str]:
    key = hashlib.blake2b(text.encode(), digest_size=16).digest()
    found = _SITES_BY_DIGEST.get(key)
    if found is None:
        found = frozenset(name for name, pattern in PATTERNS.items() if pattern.search(text))
        if len(_SITES_BY_DIGEST) >= SITES_KEPT:
            _SITES_BY_DIGEST.clear()
        _SITES_BY_DIGEST[key] = found
    return set(found)


@dataclass
class Evidence:
    """What one record in use shows: its kinds (type, FHIR entry kinds) and the sites it
    names."""
    name: str
    kinds: set[str]
    sites: set[str]
    text: str = ""


def evidence(case) -> list[Evidence]:
    """The case's records in use, each with what it shows (one query, and one each for the
    DICOM series and the FHIR entries when there are some)."""
    found: dict = {}
    for record_id, name, record_type, head, series_id in (
            Record.objects.in_use().filter(case=case).order_by()
            .annotate(head=Left("text", TEXT_WINDOW))
            .values_list("id", "name", "record_type", "head", "series_id")):
        found[record_id] = (Evidence(name, {record_type}, sites_named(head or ""), head or ""),
                            series_id)
    series_ids = {series_id for _, series_id in found.values() if series_id}
    series = {s.id: s for s in ImagingSeries.objects.filter(id__in=series_ids).only(
        "id", "modality", "body_part", "study_description", "series_description")
        } if series_ids else {}
    for item, series_id in found.values():
        if series_id in series:
            s = series[series_id]
            item.sites |= sites_named(" ".join((s.body_part, s.study_description,
                                                s.series_description)))
            if s.modality in MODALITY_SITES:
                item.sites.add(MODALITY_SITES[s.modality])
    fhir = [record_id for record_id, (item, _) in found.items() if T.HEALTH_RECORD in item.kinds]
    for record_id, category, display in ClinicalEntry.objects.filter(
            record_id__in=fhir, category__in=list(FHIR_KINDS)).values_list(
                "record_id", "category", "display") if fhir else ():
        if record_id in found:
            item = found[record_id][0]
            item.kinds.add(FHIR_KINDS[category])
            item.sites |= sites_named(display)
    return [item for item, _ in found.values()]


def checklist_status(checklist: list[dict], records: list[Evidence], sites: set[str],
                     marks: dict | None = None) -> list[dict]:
    """The checklist with ``done`` (and what ticked it) worked out from the records and the
    patient's marks. ``sites``: the case's condition's (none known: the type alone decides)."""
    marks = marks or {}
    result = []
    for item in checklist:
        need = SATISFIED_BY.get(item["key"])
        shown_by = [r.name for r in records if need and r.kinds & need.by
                    and (not need.about_condition or not sites or r.sites & sites)
                    and (not need.says or re.search(need.says, r.text, re.I))]
        mark = marks.get(item["key"])
        result.append({
            **item, "shown_by": shown_by,
            "mark": mark.mark if mark else "",
            "confirmed": bool(mark and mark.confirmed_at),
            "done": bool(shown_by) or bool(mark and mark.mark == ChecklistMark.Mark.SENT),
        })
    return result


def case_checklist(case) -> list[dict]:
    """The case's checklist, worked out now."""
    marks = {m.key: m for m in ChecklistMark.objects.filter(case=case)}
    return checklist_status(case.checklist, evidence(case), condition_sites(case), marks)

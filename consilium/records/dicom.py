"""DICOM imaging: what a file's header says, and the de-identified copy that may leave.

De-identification applies the whole DICOM PS3.15 Annex E Basic Application Level
Confidentiality Profile: every attribute of Table E.1-1 (as dicom-anonymizer carries it for
the 2026c standard) is handled by its action code, at every depth of nesting, and private
attributes are removed. dicognito runs first and replaces every instance UID, name and ID and
shifts every date, all consistently within one case (seeded by a per-case secret), so the
U codes and the Retain Longitudinal Temporal Information with Modified Dates option come
from it. Pixel data is not touched: images that may show burned-in text are flagged.
"""

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

import pydicom
from dicognito.anonymizer import Anonymizer
from dicognito.element_anonymizer import ElementAnonymizer
from dicognito.randomizer import Randomizer
from dicomanonymizer.dicomfields_selector import dicom_anonymization_database_selector
from dicomanonymizer.simpledicomanonymizer import empty_element, replace_element
from django.conf import settings
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes

from .identity import Subject, from_dicom

# pydicom's validation warnings quote the offending values, which can be names or dates: keep
# them out of logs. Validation changes nothing that is read or written.
pydicom.config.settings.reading_validation_mode = pydicom.config.IGNORE
pydicom.config.settings.writing_validation_mode = pydicom.config.IGNORE

TABLE = "dicomfields_2026c"  # PS3.15 2026c Table E.1-1, in dicom-anonymizer 2.1.0
CATEGORIES = {"D_TAGS": "D", "Z_TAGS": "Z", "X_TAGS": "X", "U_TAGS": "U", "Z_D_TAGS": "Z/D",
              "X_Z_TAGS": "X/Z", "X_D_TAGS": "X/D", "X_Z_D_TAGS": "X/Z/D",
              "X_Z_U_STAR_TAGS": "X/Z/U*"}
# A combined code allows removal only where the IOD does not require the attribute; without
# the IOD's tables, take the alternative every IOD accepts (as dicom-anonymizer does), except
# that sequences of references keep their items with the UIDs replaced.
CHOSEN = {"Z/D": "D", "X/Z": "Z", "X/D": "D", "X/Z/D": "D", "X/Z/U*": "U"}
METHODS = (codes.DCM.BasicApplicationConfidentialityProfile,
           codes.DCM.RetainLongitudinalTemporalInformationModifiedDatesOption)
# No option retains the patient's birth date and time: the table's action applies to them.
NOT_SHIFTED = {0x00100030, 0x00100032}
# Modalities whose images routinely carry text in the pixels (PS3.15 E.3.1 names ultrasound;
# fluoroscopy, endoscopy, photographs, slide labels and screen captures do too).
BURNED_IN_MODALITIES = {"US", "IVUS", "XA", "RF", "ES", "XC", "GM", "SM", "SC", "OT"}
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"


def _profile() -> tuple[dict[int, str], list[tuple[int, int, int, int, str]]]:
    """Table E.1-1 as {tag: action code}, and its repeating groups (curves, overlays)."""
    table = dicom_anonymization_database_selector(TABLE)
    single, ranges = {}, []
    for category, code in CATEGORIES.items():
        for tag in table[category]:
            if len(tag) == 2:
                single[(tag[0] << 16) | tag[1]] = code
            else:
                ranges.append((*tag, code))
    return single, ranges


ACTIONS, RANGES = _profile()


@dataclass(frozen=True)
class Header:
    study_uid: str
    series_uid: str
    instance_uid: str
    modality: str
    body_part: str
    study_date: date | None
    study_description: str
    series_description: str
    series_number: int | None
    instance_number: int | None
    frames: int
    burned_in_annotation: bool
    is_dicomdir: bool
    subject: Subject = Subject()  # who the header says the image is of


def read_header(source: BinaryIO) -> Header:
    source.seek(0)
    ds = pydicom.dcmread(source, stop_before_pixels=True, force=True)
    sop_class = str(ds.file_meta.get("MediaStorageSOPClassUID", "")) if "file_meta" in dir(
        ds) else ""
    is_dicomdir = "DirectoryRecordSequence" in ds or sop_class == "1.2.840.10008.1.3.10"
    return Header(
        study_uid=str(ds.get("StudyInstanceUID", "")),
        series_uid=str(ds.get("SeriesInstanceUID", "")),
        instance_uid=str(ds.get("SOPInstanceUID", "")),
        modality=str(ds.get("Modality", "")),
        body_part=str(ds.get("BodyPartExamined", "")),
        study_date=_date(ds.get("StudyDate", "")),
        study_description=str(ds.get("StudyDescription", ""))[:200],
        series_description=str(ds.get("SeriesDescription", ""))[:200],
        series_number=_int(ds.get("SeriesNumber")),
        instance_number=_int(ds.get("InstanceNumber")),
        frames=_int(ds.get("NumberOfFrames")) or 1,
        burned_in_annotation=may_show_burned_in_text(ds),
        is_dicomdir=is_dicomdir,
        subject=from_dicom(ds),
    )


def deidentify(source: BinaryIO, target: BinaryIO, *, case_id) -> bool:
    """Write a de-identified copy of ``source`` to ``target``, consistent within one case;
    True when its pixels may show burned-in text, which the copy still carries."""
    source.seek(0)
    ds = pydicom.dcmread(source, force=True)
    burned_in = may_show_burned_in_text(ds)
    seed = _case_seed(case_id)
    anonymizer = Anonymizer(seed=seed)
    anonymizer.add_element_handler(_ClassNamedUIDs(Randomizer(seed)))
    anonymizer.anonymize(ds)
    _apply_profile(ds.file_meta)
    _apply_profile(ds)
    ds.remove_private_tags()
    # PS3.3 C.7.1.1: identity is removed from the attributes *and* the pixel data.
    ds.PatientIdentityRemoved = "NO" if burned_in else "YES"
    ds.DeidentificationMethod = ["DICOM PS3.15 Basic Profile, " + TABLE.removeprefix(
        "dicomfields_"), "Retain Longitudinal Modified Dates", "Pixel data not cleaned"]
    ds.DeidentificationMethodCodeSequence = [_code_item(code) for code in METHODS]
    ds.LongitudinalTemporalInformationModified = "MODIFIED"
    ds.save_as(target, enforce_file_format=True)
    return burned_in


class _ClassNamedUIDs(ElementAnonymizer):
    """dicognito keeps every UID whose name ends in ClassUID; Table E.1-1 replaces some
    (Manufacturer's Device Class UID), consistently too."""

    def __init__(self, randomizer: Randomizer):
        self.randomizer = randomizer

    def __call__(self, dataset: Dataset, element) -> bool:
        if element.VR != "UI" or not element.value or ACTIONS.get(element.tag) != "U":
            return False
        if not element.keyword.endswith("ClassUID"):
            return False  # dicognito replaces it
        element.value = [f"2.25.{self.randomizer.to_int(str(v))}" for v in _values(element.value)]
        return True

    def describe_actions(self) -> Iterator[str]:
        yield "Replace the UIDs Table E.1-1 codes U whose names end in ClassUID"


def may_show_burned_in_text(ds: Dataset) -> bool:
    """Whether the pixels may carry text: flagged so, or of a kind that usually does."""
    flag = str(ds.get("BurnedInAnnotation", "")).upper()
    if flag in ("YES", "NO"):
        return flag == "YES"
    image_type = [str(v).upper() for v in _values(ds.get("ImageType"))]
    return (str(ds.get("Modality", "")).upper() in BURNED_IN_MODALITIES
            or str(ds.get("SOPClassUID", "")).startswith(SECONDARY_CAPTURE)
            or "SCREEN SAVE" in image_type or bool(ds.get("ConversionType")))


def _apply_profile(ds: Dataset) -> None:
    """Table E.1-1 on one dataset and, inside the sequences it keeps, on every item."""
    shifted_times = {e.keyword.replace("Date", "Time") for e in ds if e.VR == "DA" and e.value}
    for element in list(ds):
        if element.tag.is_private:
            continue  # removed afterwards, at every depth
        code = _action(element.tag)
        if code is None:
            if element.VR == "SQ":
                for item in element.value:
                    _apply_profile(item)
            continue
        _act(ds, element, CHOSEN.get(code, code), element.keyword in shifted_times)


def _act(ds: Dataset, element, code: str, time_shifted: bool) -> None:
    """One attribute by its code; dicognito has already replaced UIDs and shifted dates."""
    vr = element.VR
    if vr == "UI" and code in ("U", "D"):
        return  # replaced consistently within the case
    if element.value and element.tag not in NOT_SHIFTED and (
            vr in ("DA", "DT") or vr == "TM" and time_shifted):
        return  # shifted (Retain Longitudinal Temporal Information with Modified Dates)
    if code == "X":
        del ds[element.tag]
    elif vr == "SQ" and code == "Z":
        element.value = []
    elif vr == "SQ":
        for item in element.value:
            (_apply_profile if code == "U" else _replace_all)(item)
    else:
        _by_vr(ds, element, empty_element if code in ("Z", "U") else replace_element)


def _replace_all(ds: Dataset) -> None:
    """D on a sequence: every value inside becomes a dummy (dates stay shifted)."""
    for element in list(ds):
        if element.VR == "SQ":
            for item in element.value:
                _replace_all(item)
        elif element.VR not in ("UI", "DA", "DT") and not element.tag.is_private:
            _by_vr(ds, element, replace_element)


def _by_vr(ds: Dataset, element, action) -> None:
    """dicom-anonymizer's dummy or empty value for the VR; removed where it has none."""
    try:
        action(element)
    except NotImplementedError:
        del ds[element.tag]


def _action(tag) -> str | None:
    code = ACTIONS.get(tag)
    if code is None:
        for group, elem, group_mask, elem_mask, ranged in RANGES:
            if (tag.group & group_mask == group & group_mask
                    and tag.element & elem_mask == elem & elem_mask):
                return ranged
    return code


def _code_item(code) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator = code.value, code.scheme_designator
    item.CodeMeaning = code.meaning
    return item


def _values(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, pydicom.multival.MultiValue) else [value]


def _case_seed(case_id) -> str:
    """A secret per case, so replaced UIDs and shifted dates match across its files but
    cannot be recomputed outside the program."""
    return hmac.new(settings.SECRET_KEY.encode(), f"dicom:{case_id}".encode(),
                    hashlib.sha256).hexdigest()


def _date(value) -> date | None:
    text = str(value or "")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8])) if len(text) >= 8 else None
    except ValueError:
        return None


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None

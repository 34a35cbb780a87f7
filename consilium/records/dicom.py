"""DICOM imaging: what a file's header says, and the de-identified copy that may leave.

De-identification follows the DICOM PS3.15 Basic Application Level Confidentiality Profile
through dicognito (names, IDs, addresses, equipment, UIDs replaced and dates shifted, all
consistently for one case), plus what dicognito leaves: private tags and free-text fields are
removed. Pixel data is not touched: an image flagged with burned-in annotation is marked so,
and the person sharing it is warned.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

import pydicom
from dicognito.anonymizer import Anonymizer
from django.conf import settings

# pydicom's validation warnings quote the offending values, which can be names or dates: keep
# them out of logs. Validation changes nothing that is read or written.
pydicom.config.settings.reading_validation_mode = pydicom.config.IGNORE
pydicom.config.settings.writing_validation_mode = pydicom.config.IGNORE

# Free-text and other identifying attributes the Basic Profile removes (X) that dicognito
# keeps.
REMOVED = (
    "AdditionalPatientHistory", "AdmittingDiagnosesDescription", "DerivationDescription",
    "EthnicGroup", "ImageComments", "InterpretationText", "MedicalAlerts", "Allergies",
    "OtherPatientNames", "PatientComments", "PatientMotherBirthName", "PatientState",
    "RequestAttributesSequence", "RequestedProcedureComments", "StudyComments",
    "TextComments", "VisitComments", "ReasonForStudy", "ReasonForTheRequestedProcedure",
    "ProtocolName", "PerformedProcedureStepDescription", "IssuerOfPatientID",
    "DeviceSerialNumber", "InstitutionalDepartmentName", "PhysiciansOfRecord",
    "NameOfPhysiciansReadingStudy", "PerformingPhysicianName", "OperatorsName",
)


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
        burned_in_annotation=str(ds.get("BurnedInAnnotation", "")).upper() == "YES",
        is_dicomdir=is_dicomdir,
    )


def deidentify(source: BinaryIO, target: BinaryIO, *, case_id) -> None:
    """Write a de-identified copy of ``source`` to ``target``; consistent within one case."""
    source.seek(0)
    ds = pydicom.dcmread(source, force=True)
    Anonymizer(seed=_case_seed(case_id)).anonymize(ds)
    ds.remove_private_tags()
    for keyword in REMOVED:
        if keyword in ds:
            delattr(ds, keyword)
    ds.save_as(target, enforce_file_format=True)


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

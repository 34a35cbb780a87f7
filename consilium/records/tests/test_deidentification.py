"""De-identified DICOM follows the whole PS3.15 Basic Application Level Confidentiality
Profile: every attribute of Table E.1-1, read from dicom-anonymizer's table (not from our
code), is handled by its action code at every depth, in every sample and in files made full
of identifying text; the zip export names its members from a safe alphabet only."""

import io
import re
import zipfile

import pydicom
import pytest
from dicomanonymizer.dicomfields_selector import dicom_anonymization_database_selector
from pydicom.datadict import dictionary_VR
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian

from consilium.records import dicom
from consilium.records.actions import Upload, do_add_records
from consilium.records.models import ImagingSeries
from consilium.records.tests.identities import confirm_held

from .test_dicom import FILES


@pytest.fixture(autouse=True)
def _a_secret_that_moves_times_of_day(settings):
    """Dates move by a whole number of hours drawn from the case's secret (SECRET_KEY): for
    one key in 24 it is whole days, leaving times of day as they were, which the checks
    below would report as "not shifted" (as a suite run with such a key did). A fixed key,
    whose shift for "case-1" is -9,579 hours."""
    settings.SECRET_KEY = "deidentification-tests-key"

MARKER = "Maria Lopez MRN 123456"
SEEN = (b"Maria", b"MARIA", b"Lopez", b"LOPEZ", b"MRN")
FREE_TEXT = (
    "StudyDescription", "SeriesDescription", "ImageComments", "ProtocolName",
    "AdditionalPatientHistory", "RequestedProcedureDescription",
    "PerformedProcedureStepDescription", "DerivationDescription", "StudyComments",
    "PatientComments", "ReasonForTheRequestedProcedure", "RequestedProcedureComments",
    "AcquisitionComments", "InterpretationText", "TextComments", "FrameComments",
    "VisitComments", "AdmittingDiagnosesDescription", "ReasonForStudy", "MedicalAlerts",
    "Allergies", "ScheduledProcedureStepDescription", "CommentsOnThePerformedProcedureStep",
    "AcquisitionDeviceProcessingDescription", "ClinicalTrialSeriesDescription",
    "InstitutionName", "InstitutionAddress", "PatientAddress", "InstitutionalDepartmentName",
)
CODES = {"D_TAGS": "D", "Z_TAGS": "Z", "X_TAGS": "X", "U_TAGS": "U", "Z_D_TAGS": "Z/D",
         "X_Z_TAGS": "X/Z", "X_D_TAGS": "X/D", "X_Z_D_TAGS": "X/Z/D",
         "X_Z_U_STAR_TAGS": "X/Z/U*"}
TABLE = {tuple(tag): CODES[category]
         for category, tags in dicom_anonymization_database_selector(dicom.TABLE).items()
         if category in CODES for tag in tags}
BIRTH = {0x00100030, 0x00100032}  # no option applied keeps them: the Basic Profile's code


def code_of(tag) -> str | None:
    code = TABLE.get((tag.group, tag.element))
    for key, ranged in TABLE.items():
        if code is None and len(key) == 4 and tag.group & key[2] == key[0] & key[2] \
                and tag.element & key[3] == key[1] & key[3]:
            code = ranged
    return code


def identifying_value(vr: str, tag: int):
    """A value of the VR that carries the marker (or a number, date or UID of the patient)."""
    text = {"PN": "Lopez^Maria^MRN 123456", "SH": "MRN 123456 Lopez", "CS": "LOPEZ MRN 123456",
            "AE": "LOPEZ123456", "AS": "054Y", "DA": "19700412", "DT": "19700412101010",
            "TM": "101010", "DS": "123456", "IS": "123456", "UI": f"1.2.840.99999.{tag}",
            "UR": "http://lopez.example/mrn/123456"}
    if vr in text:
        return text[vr]
    if vr in ("LO", "LT", "ST", "UT", "UC"):
        return MARKER
    if vr in ("OB", "OW", "UN"):
        return MARKER.encode()
    if vr in ("US", "SS", "UL", "SL"):
        return 12345
    if vr in ("FL", "FD"):
        return 123456.0
    if vr == "SQ":
        item = Dataset()
        item.PatientName, item.ImageComments = "Lopez^Maria", MARKER
        item.ReferencedSOPInstanceUID, item.StudyDate = f"1.2.840.99999.{tag}.1", "19700412"
        return [item]
    raise AssertionError(vr)


def fill(ds: Dataset) -> Dataset:
    """Every attribute of Table E.1-1 with identifying content, and a private one."""
    for key in TABLE:
        if len(key) == 4 or key[0] in (0x0000, 0x0002):
            continue  # repeating groups below; command and file meta groups are not data
        tag = (key[0] << 16) | key[1]
        try:
            vr = dictionary_VR(tag).split(" ")[0]
        except KeyError:
            vr = "UN"  # newer than pydicom's dictionary: unknown, still handled by its tag
        ds.add_new(tag, vr, identifying_value(vr, tag))
    for keyword in FREE_TEXT:
        setattr(ds, keyword, MARKER)
    ds.add_new(0x50000022, "LO", MARKER)  # Curve Description
    ds.add_new(0x60004000, "LT", MARKER)  # Overlay Comments
    ds.add_new(0x60003000, "OW", MARKER.encode())  # Overlay Data
    ds.private_block(0x0009, "ACME 1.0", create=True).add_new(0x10, "LO", MARKER)
    return ds


def identifying_file(modality="CT", burned_in="NO", number=1) -> bytes:
    """A CT image whose every identifying attribute names Maria Lopez, at three depths."""
    ds = fill(Dataset())
    inner = fill(Dataset())
    inner.AnatomicRegionSequence = [fill(Dataset())]  # nested again, in a sequence kept (K)
    ds.ProcedureCodeSequence = [inner]  # a sequence the profile keeps, its items cleaned
    ds.SOPClassUID, ds.SOPInstanceUID = "1.2.840.10008.5.1.4.1.1.2", f"1.2.840.99999.9.{number}"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = "1.2.840.99999.7", "1.2.840.99999.8"
    ds.Modality, ds.InstanceNumber = modality, number
    if burned_in:
        ds.BurnedInAnnotation = burned_in
    ds.Rows = ds.Columns = 4
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.PixelData = bytes(32)
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def deidentified(data: bytes, case_id="case-1") -> bytes:
    copy = io.BytesIO()
    dicom.deidentify(io.BytesIO(data), copy, case_id=case_id)
    return copy.getvalue()


def has_value(value) -> bool:
    return value not in (None, "", b"", 0, "0", 0.0) and not (
        isinstance(value, (list, pydicom.multival.MultiValue, pydicom.Sequence))
        and not any(has_value(v) for v in value))


def leaves(value) -> list[str]:
    """The identifying text a value holds (for a sequence, every value inside; UIDs of the
    standard's own classes and syntaxes identify no one)."""
    if isinstance(value, pydicom.Sequence):
        return [text for item in value for element in item for text in leaves(element.value)
                if not (element.VR == "UI" and UID(str(element.value)).name != element.value)]
    return [str(value)] if has_value(value) else []


def differs(original, kept) -> bool:
    kept_text = " | ".join(leaves(kept.value))
    return not any(text in kept_text for text in leaves(original.value))


def judge(code: str, element, kept, shifted: bool, uid_replaced: bool) -> str | None:
    """What is wrong with ``kept`` (None when removed) for an attribute of this code."""
    if shifted:  # Retain Longitudinal Temporal Information with Modified Dates
        return None if kept is not None and kept.value != element.value else "not shifted"
    if code == "X":
        return None if kept is None else "not removed"
    if kept is None:
        return None if code.startswith("X") else "removed, but the code keeps it"
    if code == "U" or code == "X/Z/U*" and kept.VR == "UI" or uid_replaced:
        new = list(kept.value) if kept.VM > 1 else [kept.value]
        ok = new != [] and all(UID(str(v)).is_valid for v in new) and differs(element, kept)
        return None if ok else "UID not replaced"
    if code in ("Z", "X/Z") and kept.VR == "SQ":
        return None if len(kept.value) == 0 or differs(element, kept) else "not emptied"
    if code == "X/Z/U*" and kept.VR == "SQ":
        return None  # kept with its UIDs replaced: each item is checked attribute by attribute
    if code == "D" and not has_value(kept.value):
        return "empty, but the code asks for a dummy value"
    return None if differs(element, kept) else "value kept"


def check(original: Dataset, cleaned: Dataset, where: str = "") -> list[str]:
    """Walk the original, checking each attribute of the table against the copy."""
    failures = []
    dates = {e.keyword.replace("Date", "Time"): e for e in original if e.VR == "DA" and e.value}
    for element in original:
        tag, name = element.tag, f"{where}{element.keyword or element.tag}"
        if tag.is_private:
            continue  # checked on the whole copy
        kept = cleaned[tag] if tag in cleaned else None
        code = code_of(tag)
        if code is None or code == "X/Z/U*":
            if element.VR == "SQ" and kept is not None and len(kept.value):
                for index, (a, b) in enumerate(zip(element.value, kept.value, strict=True)):
                    failures += check(a, b, f"{name}[{index}].")
            if code is None:
                continue
        if not has_value(element.value) and code != "X":
            continue  # nothing to protect
        date = dates.get(element.keyword)
        shifted = tag not in BIRTH and has_value(element.value) and (
            element.VR in ("DA", "DT") or element.VR == "TM" and date is not None
            and cleaned.get(date.tag) is not None and cleaned[date.tag].value != date.value)
        problem = judge(code, element, kept, shifted, element.VR == "UI" and code == "D")
        if problem:
            failures.append(f"{name} ({code}): {problem}")
    return failures


def check_file(data: bytes, copy: bytes) -> None:
    original, cleaned = pydicom.dcmread(io.BytesIO(data)), pydicom.dcmread(io.BytesIO(copy))
    assert check(original, cleaned) == []
    assert check(original.file_meta, cleaned.file_meta) == []
    assert not any(element.tag.is_private for element in cleaned.iterall())
    assert cleaned.PixelData == original.PixelData
    methods = [(c.CodeValue, c.CodingSchemeDesignator, c.CodeMeaning)
               for c in cleaned.DeidentificationMethodCodeSequence]
    assert methods == [("113100", "DCM", "Basic Application Confidentiality Profile"),
                       ("113107", "DCM", "Retain Longitudinal Temporal Information Modified "
                                         "Dates Option")]
    assert cleaned.DeidentificationMethod and cleaned.PatientIdentityRemoved in ("YES", "NO")
    assert cleaned.LongitudinalTemporalInformationModified == "MODIFIED"


def test_the_table_is_the_current_standard_and_the_made_file_holds_all_of_it():
    assert dicom.TABLE == "dicomfields_2026c" and len(TABLE) > 650
    made = pydicom.dcmread(io.BytesIO(identifying_file()))
    assert sum(code_of(e.tag) is not None for e in made) >= len(TABLE) - 5
    assert all(made[keyword].value == MARKER for keyword in FREE_TEXT)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_sample_has_each_table_attribute_handled_by_its_code(path):
    data = path.read_bytes()
    check_file(data, deidentified(data))


def test_a_file_full_of_identifying_text_keeps_none_of_it_at_any_depth():
    data = identifying_file()
    copy = deidentified(data)
    check_file(data, copy)
    for text in SEEN:
        assert text not in copy, text
    cleaned = pydicom.dcmread(io.BytesIO(copy))
    values = [str(e.value) for e in cleaned.iterall() if e.VR not in ("UI", "SQ")]
    assert not any("123456" in value for value in values)
    for keyword in FREE_TEXT:
        assert keyword not in cleaned or cleaned[keyword].value in ("", "ANONYMIZED"), keyword
    # The sequence the profile keeps is there, its items cleaned two levels down.
    inner = cleaned.ProcedureCodeSequence[0]
    assert "StudyDescription" not in inner and "ImageComments" not in inner
    assert "StudyDescription" not in inner.AnatomicRegionSequence[0]
    assert "RequestAttributesSequence" not in inner
    assert len(cleaned.get("ReferencedStudySequence", [])) == 0
    assert cleaned.PatientIdentityRemoved == "YES"  # BurnedInAnnotation NO, a CT


def test_uids_and_dates_are_consistent_within_a_case_and_differ_between_cases():
    one, two = identifying_file(number=1), identifying_file(number=2)
    a1, a2 = (pydicom.dcmread(io.BytesIO(deidentified(d, "case-a"))) for d in (one, two))
    b1 = pydicom.dcmread(io.BytesIO(deidentified(one, "case-b")))
    assert a1.StudyInstanceUID == a2.StudyInstanceUID != b1.StudyInstanceUID
    assert a1.SeriesInstanceUID == a2.SeriesInstanceUID != "1.2.840.99999.8"
    assert a1.SOPInstanceUID != a2.SOPInstanceUID
    assert a1.file_meta.MediaStorageSOPInstanceUID == a1.SOPInstanceUID
    assert a1.StudyDate == a2.StudyDate != "19700412"
    inner = a1.ProcedureCodeSequence[0]
    assert inner.StudyDate == a1.StudyDate  # the same shift at every depth


@pytest.mark.parametrize(("modality", "flag", "shows_text"), [
    ("CT", "NO", False), ("CT", None, False), ("MR", "YES", True), ("US", None, True),
    ("SC", None, True), ("XA", None, True), ("OT", None, True), ("US", "NO", False),
])
def test_images_that_may_show_burned_in_text_are_flagged(modality, flag, shows_text):
    copy = io.BytesIO()
    assert dicom.deidentify(io.BytesIO(identifying_file(modality, flag)), copy,
                            case_id="c") is shows_text
    removed = pydicom.dcmread(io.BytesIO(copy.getvalue())).PatientIdentityRemoved
    assert removed == ("NO" if shows_text else "YES")


def upload(case, user, name: str, data: bytes):
    (outcome,) = do_add_records(case, [Upload(name, io.BytesIO(data), len(data))],
                                acting_user=user)
    assert outcome.status == "stored", outcome
    return outcome.record


MEMBER = re.compile(r"README\.txt|study-\d+/series-\d+-[A-Z0-9]{1,16}/image-\d{5}\.dcm")


def test_the_zip_names_no_path_from_a_header_and_keeps_no_identifying_text(
        journey, users, client, login):
    case, _ = journey("submitted")
    upload(case, users["patient"], "evil.dcm", identifying_file("../../evil"))
    ultrasound = upload(case, users["patient"], "echo.dcm",
                        identifying_file("US", None, number=3).replace(
                            b"1.2.840.99999.8", b"1.2.840.99999.6"))
    # A series stored before the wider rule still gets its warning from the export itself.
    ImagingSeries.objects.filter(pk=ultrasound.series_id).update(burned_in_annotation=False)
    confirm_held(case, users["patient"])  # the files name a Maria Lopez; the patient is nameless
    login(users["patient"])
    response = client.get(f"/cases/{case.id}/imaging/deidentified.zip")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert len(names) == 3 and all(MEMBER.fullmatch(name) for name in names), names
    assert any("-EVIL/" in name for name in names)
    for name in names:
        for text in SEEN:
            assert text not in archive.read(name), (name, text)
    readme = archive.read("README.txt").decode()
    us_folder = next(n for n in names if "-US/" in n).rsplit("/", 1)[0]
    assert us_folder in readme and "EVIL" not in readme

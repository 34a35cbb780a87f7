"""Every DICOM sample in ../shared/data is grouped and de-identified: no identifying value
left in the copy, the pixel data untouched, replacements consistent within a case."""

import io
import re
from pathlib import Path

import pydicom
import pytest

from consilium.records import dicom, storage
from consilium.records.actions import Upload, do_add_records
from consilium.records.models import ImagingSeries

SAMPLES = Path(__file__).resolve().parents[4] / "shared" / "data" / "dicom-samples"
FILES = sorted(SAMPLES.rglob("*.dcm"))
SUMMARY = (SAMPLES / "TAG_SUMMARY.md").read_text()
# Flagged BurnedInAnnotation YES, ultrasound, or Secondary Capture (ctbrain1 and the two
# "dicom-cookies" are stored as Secondary Capture images).
MAY_SHOW_TEXT = {"GREYSCALE_IMAGE.dcm", "RGB_IMAGE.dcm", "IM00001.fragmented_no_bot_jpeg_baseline"
                 ".50.dcm", "ctbrain1.dcm", "image1.dcm", "image4.dcm"}
IDENTIFYING = ("PatientName", "PatientID", "PatientBirthDate", "OtherPatientIDs",
               "InstitutionName", "ReferringPhysicianName", "PerformingPhysicianName",
               "OperatorsName", "AccessionNumber", "StationName", "DeviceSerialNumber")


def identifying_values(path: Path) -> list[tuple[str, str]]:
    line = next(line for line in SUMMARY.splitlines() if path.name in line)
    pattern = r"(" + "|".join(IDENTIFYING) + r")=([^;]+)"
    return [(k, v.strip()) for k, v in re.findall(pattern, line)]


def test_the_samples_are_there():
    assert len(FILES) == 10


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_the_deidentified_copy_keeps_no_identifying_value_and_the_pixels(path):
    copy = io.BytesIO()
    with path.open("rb") as source:
        dicom.deidentify(source, copy, case_id="case-1")
    data = copy.getvalue()
    original, cleaned = pydicom.dcmread(path), pydicom.dcmread(io.BytesIO(data))
    values = [str(e.value) for e in cleaned.iterall()
              if e.VR in ("PN", "LO", "SH", "DA", "DT", "CS", "ST", "LT", "UT", "AE")]
    for keyword, value in identifying_values(path):
        for kept in values:
            # Short identifiers ("0010") must not be kept as a value; longer ones not at all.
            assert kept != value and (len(value) < 6 or value not in kept), (keyword, value)
    assert cleaned.PixelData == original.PixelData
    assert cleaned.StudyInstanceUID != original.StudyInstanceUID
    assert "DeidentificationMethod" in cleaned
    # Identity counts as removed only when the pixels are not expected to carry text.
    assert (cleaned.PatientIdentityRemoved == "NO") == (path.name in MAY_SHOW_TEXT)
    assert not any(element.tag.is_private for element in cleaned.iterall())


def test_replacements_are_consistent_within_a_case_and_differ_between_cases():
    a1, a2, b = io.BytesIO(), io.BytesIO(), io.BytesIO()
    path = FILES[0]
    for target, case_id in ((a1, "case-a"), (a2, "case-a"), (b, "case-b")):
        with path.open("rb") as source:
            dicom.deidentify(source, target, case_id=case_id)
    uid = [pydicom.dcmread(io.BytesIO(t.getvalue())).StudyInstanceUID for t in (a1, a2, b)]
    assert uid[0] == uid[1] != uid[2]


def test_uploads_are_grouped_into_studies_and_series(journey, users):
    case, _ = journey("submitted")
    uploads = [Upload(p.name, p.open("rb"), p.stat().st_size) for p in FILES]
    outcomes = do_add_records(case, uploads, acting_user=users["patient"])
    assert {o.status for o in outcomes} <= {"stored", "duplicate"}
    series = list(ImagingSeries.objects.filter(case=case))
    assert sum(s.images for s in series) == sum(
        int(pydicom.dcmread(p, stop_before_pixels=True).get("NumberOfFrames", 1) or 1)
        for p in FILES if p.name not in {o.name for o in outcomes if o.status == "duplicate"}
    )
    greyscale = next(s for s in series if s.records.filter(name="GREYSCALE_IMAGE.dcm").exists())
    assert greyscale.burned_in_annotation and greyscale.modality == "US"
    echo = next(s for s in series if s.records.filter(name__startswith="IM00001").exists())
    assert echo.images == 8


def test_the_deidentified_copy_through_the_page_and_api(client, login, users, journey,
                                                      token_for):
    case, _ = journey("submitted")
    path = SAMPLES / "pydicom-deid" / "ctbrain1.dcm"
    (outcome,) = do_add_records(case, [Upload(path.name, path.open("rb"), path.stat().st_size)],
                                acting_user=users["patient"])
    login(users["patient"])
    page = client.get(f"/cases/{case.id}/records/").content.decode()
    assert "CT BRAIN WO IVCON" in page and "De-identified copy" in page
    response = client.get(f"/cases/{case.id}/records/{outcome.record.id}/deidentified/")
    data = b"".join(response.streaming_content)
    assert b"SIMPSON" not in data and b"SPRINGFIELD" not in data
    api = client.get(f"/api/v1/cases/{case.id}/records/{outcome.record.id}/deidentified",
                     headers={"Authorization": f"Bearer {token_for(users['patient'])}"})
    assert b"SIMPSON" not in b"".join(api.streaming_content)


def test_dicom_handling_logs_no_header_values(journey, users, caplog):
    caplog.set_level("DEBUG")
    case, _ = journey("submitted")
    uploads = [Upload(p.name, p.open("rb"), p.stat().st_size) for p in FILES]
    outcomes = do_add_records(case, uploads, acting_user=users["patient"])
    for outcome in outcomes:
        if outcome.status == "stored":
            original = io.BytesIO(b"".join(storage.open_plaintext(outcome.record)))
            dicom.deidentify(original, io.BytesIO(), case_id=case.id)
    for path in FILES:
        for _, value in identifying_values(path):
            if len(value) >= 6:
                assert value not in caplog.text, value

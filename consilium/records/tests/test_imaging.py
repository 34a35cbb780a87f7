"""Pictures of DICOM series, the series viewer and the de-identified imaging zip, with the
real samples in ../shared/data/dicom-samples."""

import io
import zipfile

import numpy as np
import pydicom
import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image

from consilium.audit.models import AuditEntry
from consilium.records import imaging
from consilium.records.actions import Upload, do_add_records
from consilium.records.models import ImagingSeries, Preview
from consilium.records.tasks import render_series_preview
from consilium.records.tests.identities import confirm_held

from .test_dicom import FILES, SAMPLES, identifying_values

CT = SAMPLES / "cornerstonejs-dicomParser" / "CT1_UNC.explicit_little_endian.dcm"
ECHO = SAMPLES / "cornerstonejs-dicomParser" / "IM00001.fragmented_no_bot_jpeg_baseline.50.dcm"


def add(case, user, paths):
    uploads = [Upload(p.name, p.open("rb"), p.stat().st_size) for p in paths]
    return do_add_records(case, uploads, acting_user=user)


def ct_slices(tmp_path, count: int):
    """``count`` slices of one CT series: the real CT sample with its own instance numbers."""
    paths = []
    for number in range(1, count + 1):
        ds = pydicom.dcmread(CT)
        ds.InstanceNumber = number
        ds.SOPInstanceUID = f"{ds.SOPInstanceUID}.{number}"
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        path = tmp_path / f"slice-{number:03d}.dcm"
        ds.save_as(path)
        paths.append(path)
    return paths


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_sample_with_an_image_is_drawn_with_visible_contrast(path):
    with path.open("rb") as source:
        try:
            png = imaging.dicom_png(source)
        except imaging.NoPicture:
            assert "PixelData" not in pydicom.dcmread(path, stop_before_pixels=False)
            return
    picture = Image.open(io.BytesIO(png))
    assert max(picture.size) <= imaging.THUMBNAIL
    grey = np.asarray(picture.convert("L"), dtype=float)
    # Not a flat picture (the windowing itself is checked on a CT below).
    assert grey.std() > 15, grey.std()


def test_a_ct_without_a_window_gets_the_soft_tissue_window():
    ds = pydicom.dcmread(CT)
    assert "WindowCenter" not in ds
    with CT.open("rb") as source:
        grey = np.asarray(Image.open(io.BytesIO(imaging.dicom_png(source, size=512))))
    hu = pydicom.pixels.apply_modality_lut(ds.pixel_array, ds)
    # Air (far below the window) is black and bone (far above) is white.
    assert grey[hu < -500].mean() < 5 and grey[hu > 700].mean() > 250


def test_each_series_gets_the_picture_of_its_middle_image(journey, users, tmp_path,
                                                          client, login):
    case, _ = journey("submitted")
    outcomes = add(case, users["patient"], ct_slices(tmp_path, 5))
    assert [o.status for o in outcomes] == ["stored"] * 5
    series = ImagingSeries.objects.get(case=case)
    assert series.preview_due and series.images == 5
    assert render_series_preview.call(series.pk) == "done"
    assert render_series_preview.call(series.pk) == "not due"
    series.refresh_from_db()
    assert series.preview_record.instance_number == 3 and not series.preview_due
    preview = Preview.objects.get(record=series.preview_record)
    with default_storage.open(preview.storage_name, "rb") as stored:
        assert not stored.read().startswith(b"\x89PNG")  # encrypted at rest like the record
    login(users["patient"])
    response = client.get(f"/cases/{case.id}/records/{series.preview_record_id}/preview.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "no-store" in response["Cache-Control"]  # health data: no cache keeps it
    assert Image.open(io.BytesIO(response.content)).size[0] <= imaging.THUMBNAIL
    page = client.get(f"/cases/{case.id}/records/").content.decode()
    assert f"/records/{series.preview_record_id}/preview.png" in page


def test_more_images_ask_for_the_picture_again(journey, users, tmp_path):
    case, _ = journey("submitted")
    slices = ct_slices(tmp_path, 6)
    add(case, users["patient"], slices[:2])
    series = ImagingSeries.objects.get(case=case)
    render_series_preview.call(series.pk)
    add(case, users["patient"], slices[2:])
    series.refresh_from_db()
    assert series.preview_due
    render_series_preview.call(series.pk)
    series.refresh_from_db()
    assert series.preview_record.instance_number == 4
    # The earlier middle image's picture is gone: one picture per series.
    assert list(Preview.objects.filter(record__case=case)) == [series.preview_record.preview]


def test_the_viewer_shows_every_image_of_a_series_including_frames(journey, users, client,
                                                                   login, tmp_path):
    case, _ = journey("submitted")
    add(case, users["patient"], ct_slices(tmp_path, 3) + [ECHO])
    ct = ImagingSeries.objects.get(case=case, modality="CT")
    echo = ImagingSeries.objects.get(case=case, modality="US")
    login(users["patient"])
    page = client.get(f"/cases/{case.id}/imaging/{ct.pk}/")
    assert page.status_code == 200 and b'data-count="3"' in page.content
    assert client.get(f"/cases/{case.id}/imaging/{echo.pk}/").context["total"] == 8
    for index in (0, 2):
        image = client.get(f"/cases/{case.id}/imaging/{ct.pk}/images/{index}.png")
        assert image.status_code == 200
        assert Image.open(io.BytesIO(image.content)).size == (512, 512)
    assert client.get(f"/cases/{case.id}/imaging/{ct.pk}/images/3.png").status_code == 404
    last_frame = client.get(f"/cases/{case.id}/imaging/{echo.pk}/images/7.png")
    assert last_frame.status_code == 200
    first_frame = client.get(f"/cases/{case.id}/imaging/{echo.pk}/images/0.png")
    assert first_frame.content != last_frame.content
    assert AuditEntry.objects.filter(action="series.view", object_id=str(ct.pk)).exists()
    assert AuditEntry.objects.filter(action="record.view_image").count() == 4


def test_other_people_see_no_pictures_and_no_viewer(journey, users, make_user, client, login,
                                                    tmp_path):
    case, _ = journey("submitted")
    add(case, users["patient"], ct_slices(tmp_path, 1))
    series = ImagingSeries.objects.get(case=case)
    render_series_preview.call(series.pk)
    series.refresh_from_db()
    login(make_user("other", "patient"))
    for path in (f"/cases/{case.id}/imaging/{series.pk}/",
                 f"/cases/{case.id}/imaging/{series.pk}/images/0.png",
                 f"/cases/{case.id}/records/{series.preview_record_id}/preview.png",
                 f"/cases/{case.id}/imaging/deidentified.zip",
                 f"/cases/{case.id}/imaging/{series.pk}/deidentified.zip"):
        assert client.get(path).status_code == 404, path


def test_the_imaging_zip_is_deidentified_and_warns_of_burned_in_text(journey, users, client,
                                                                     login):
    case, _ = journey("submitted")
    outcomes = add(case, users["patient"], FILES)
    stored = [o for o in outcomes if o.status == "stored" and o.record.series_id]
    confirm_held(case, users["patient"])  # the samples name their own fake patients
    login(users["coordinator"])
    response = client.get(f"/cases/{case.id}/imaging/deidentified.zip")
    assert response.status_code == 200 and response.streaming
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    images = [n for n in archive.namelist() if n.endswith(".dcm")]
    assert len(images) == len(stored)
    texts = " | ".join(
        str(element.value) for name in images
        for element in pydicom.dcmread(io.BytesIO(archive.read(name))).iterall()
        if element.VR in ("PN", "LO", "SH", "DA", "DT", "ST", "LT", "UT", "AE"))
    for path in FILES:
        for _, value in identifying_values(path):
            if len(value) >= 6:
                assert value not in texts, value
    readme = archive.read("README.txt").decode()
    assert "burned into the pixels" in readme
    greyscale = ImagingSeries.objects.get(case=case, records__name="GREYSCALE_IMAGE.dcm")
    assert greyscale.burned_in_annotation
    exported = AuditEntry.objects.filter(action="record.export_deidentified")
    assert exported.count() == len(stored)
    one = client.get(f"/cases/{case.id}/imaging/{greyscale.pk}/deidentified.zip")
    names = zipfile.ZipFile(io.BytesIO(b"".join(one.streaming_content))).namelist()
    assert [n for n in names if n.endswith(".dcm")] == ["study-1/series-1-US/image-00001.dcm"]


def test_a_case_without_imaging_has_nothing_to_export(journey, users, client, login):
    case, _ = journey("submitted")
    login(users["patient"])
    assert client.get(f"/cases/{case.id}/imaging/deidentified.zip").status_code == 404


def test_resume_queues_the_pictures_a_stopped_worker_left(journey, users, tmp_path, settings):
    case, _ = journey("submitted")
    add(case, users["patient"], ct_slices(tmp_path, 2))
    series = ImagingSeries.objects.get(case=case)
    ImagingSeries.objects.filter(pk=series.pk).update(preview_due=False)  # claimed, then died
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    call_command("resume_record_work", stdout=io.StringIO())
    series.refresh_from_db()
    assert series.preview_record is not None

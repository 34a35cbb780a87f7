"""Benchmark processing a 500-file DICOM study, as a CD of scans arrives.

The files are the real CT sample in ../shared/data (512×512, 16-bit, ~0.5 MB), each saved as
its own slice (instance numbers and UIDs of one series). Timed in one process:
adding all 500 (sniffing, reading headers, grouping, encrypting, storing, auditing), drawing
the series picture, and streaming the de-identified zip of the whole study. Peak memory is
the process's VmHWM from the start of that work.
"""

import io
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
CT = (ROOT.parent / "shared" / "data" / "dicom-samples" / "cornerstonejs-dicomParser"
      / "CT1_UNC.explicit_little_endian.dcm")
FILES = 500


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # Linux: peak RSS starts again from now


def slices(folder: Path) -> list[Path]:
    import pydicom

    template = pydicom.dcmread(CT)
    paths = []
    for number in range(1, FILES + 1):
        template.InstanceNumber = number
        template.SOPInstanceUID = f"1.2.826.0.1.3680043.8.498.{number}"
        template.file_meta.MediaStorageSOPInstanceUID = template.SOPInstanceUID
        path = folder / f"IM{number:05d}.dcm"
        template.save_as(path)
        paths.append(path)
    return paths


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consilium.settings")
    django.setup()
    from django.db import connection

    from consilium.accounts.models import User
    from consilium.cases.actions import do_create_case
    from consilium.records.actions import Upload, do_add_records
    from consilium.records.export import deidentified_zip
    from consilium.records.models import ImagingSeries
    from consilium.records.tasks import render_series_preview

    user = User.objects.create_user(f"dicom-bench-{time.time_ns()}", password="x" * 12,
                                    role="patient")
    case = do_create_case({"diagnosis_text": "Benchmark", "treatment_category": "other"},
                          acting_user=user)
    with tempfile.TemporaryDirectory() as folder:
        paths = slices(Path(folder))
        reset_peak()  # count only the work below, not making the files
        size = sum(p.stat().st_size for p in paths)
        uploads = [Upload(p.name, p.open("rb"), p.stat().st_size) for p in paths]
        start = time.perf_counter()
        outcomes = do_add_records(case, uploads, acting_user=user)
        added = time.perf_counter() - start
        for upload in uploads:
            upload.file.close()
    assert all(o.status == "stored" for o in outcomes), outcomes[:3]
    series = ImagingSeries.objects.get(case=case)
    assert series.images == FILES
    start = time.perf_counter()
    render_series_preview.call(series.pk)
    drawn = time.perf_counter() - start
    start = time.perf_counter()
    with tempfile.TemporaryFile() as zipped:  # as a browser would save it
        for chunk in deidentified_zip([series], case.id):
            zipped.write(chunk)
        exported = time.perf_counter() - start
        zipped.seek(0)
        members = len(zipfile.ZipFile(zipped).namelist()) - 1  # without the README
        zip_size = zipped.seek(0, io.SEEK_END)
    assert members == FILES
    print(f"DICOM study of {FILES} files ({size / 1e6:.0f} MB) on {connection.vendor}: "
          f"added in {added:.1f} s ({FILES / added:.0f} files/s), series picture "
          f"{drawn:.2f} s, de-identified zip {exported:.1f} s "
          f"({zip_size / 1e6:.0f} MB); peak memory {peak_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

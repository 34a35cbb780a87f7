"""De-identified imaging as one zip, streamed: what leaves the program when a study is shared.

Every DICOM image is de-identified (dicom.deidentify, consistent within the case) as the zip
is written, so neither the original nor the whole zip is ever held in memory. Folder names
say only the study and series number and the modality, in letters and digits alone (a header
value is never a path). A README lists the series whose pixels may carry burned-in text,
which de-identification cannot remove.
"""

import io
import re
import zipfile
from collections.abc import Iterable, Iterator

from . import dicom, storage
from .models import ImagingSeries


class _Pipe:
    """A write-only file for zipfile whose bytes are handed out as they are written."""

    def __init__(self):
        self.chunks: list[bytes] = []

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        """zipfile never closes a file it was handed; its type asks for the method."""

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def deidentified_zip(series: Iterable[ImagingSeries], case_id) -> Iterator[bytes]:
    pipe = _Pipe()
    warnings = []
    # Fastest deflate: images compress about 2:1 at level 1 already, three times faster
    # than the default level, and the zip is made while the person waits.
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        studies: dict[str, int] = {}
        for number, one in enumerate(series, start=1):
            study = studies.setdefault(one.study_uid, len(studies) + 1)
            folder = f"study-{study}/series-{number}-{_safe(one.modality) or 'images'}"
            burned_in = one.burned_in_annotation
            images = one.records.in_use().order_by("instance_number", "name")
            for index, record in enumerate(images, start=1):
                copy = io.BytesIO()
                with storage.plaintext_copy(record) as original:
                    burned_in |= dicom.deidentify(original, copy, case_id=case_id)
                archive.writestr(f"{folder}/image-{index:05d}.dcm", copy.getvalue())
                yield pipe.take()
            if burned_in:
                warnings.append(folder)
        archive.writestr("README.txt", _readme(warnings))
    yield pipe.take()


def _safe(text: str) -> str:
    """A header value as part of a file name: capital letters and digits only."""
    return re.sub(r"[^A-Z0-9]", "", text.upper())[:16]


def _readme(warnings: list[str]) -> str:
    lines = [
        "De-identified imaging from Consilium.",
        "",
        "Every image was de-identified by the DICOM PS3.15 Basic Application Level",
        "Confidentiality Profile (Table E.1-1): names, identifiers, addresses, institutions,",
        "physicians, devices and descriptions were removed or replaced, UIDs replaced and",
        "dates shifted consistently (Retain Longitudinal Temporal Information with Modified",
        "Dates); private tags were removed. The pixels were not changed.",
        "",
    ]
    if warnings:
        lines += ["WARNING: these series may have text burned into the pixels (flagged so, or",
                  "ultrasound, fluoroscopy, endoscopy, photographs or screen captures), which",
                  "may identify the patient. Check the images before sharing them:", ""]
        lines += [f"  {folder}" for folder in warnings]
    else:
        lines.append("No series is flagged as having text burned into its pixels.")
    return "\n".join(lines) + "\n"

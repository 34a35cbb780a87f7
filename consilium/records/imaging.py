"""Pictures of records: a DICOM frame with sensible windowing, a photo, a PDF's first page.

Every picture is a PNG no larger than ``size`` pixels on its longest side. A PDF is drawn by
poppler's ``pdftoppm`` in a separate process with a time limit, so a hostile file can neither
crash nor hold up the worker.
"""

import io
import subprocess
from typing import BinaryIO

import numpy as np
import pydicom
from PIL import Image, ImageOps
from pydicom.pixels import apply_modality_lut, apply_voi_lut

THUMBNAIL = 400
VIEWER = 1024
PDF_TIMEOUT = 60  # seconds
# Soft-tissue window (centre, width in Hounsfield units): the usual first look at a CT.
CT_WINDOW = (40, 400)
Image.MAX_IMAGE_PIXELS = 100_000_000  # Pillow refuses larger images (decompression bombs)


class NoPicture(Exception):
    """The file has nothing that can be drawn (no pixel data, an unknown format, ...)."""


def dicom_frame_count(source: BinaryIO) -> int:
    source.seek(0)
    ds = pydicom.dcmread(source, stop_before_pixels=True, force=True)
    return int(ds.get("NumberOfFrames") or 1)


def dicom_png(source: BinaryIO, *, frame: int | None = None, size: int = THUMBNAIL) -> bytes:
    """One frame of a DICOM image as a PNG; the middle frame unless ``frame`` is given."""
    source.seek(0)
    ds = pydicom.dcmread(source, force=True)
    if "PixelData" not in ds:
        raise NoPicture("This DICOM file holds no image.")
    frames = int(ds.get("NumberOfFrames") or 1)
    index = frames // 2 if frame is None else frame
    if not 0 <= index < frames:
        raise NoPicture("There is no such image in this file.")
    try:
        pixels = ds.pixel_array if frames == 1 else pydicom.pixels.pixel_array(
            ds, index=index)
    except Exception as problem:  # an unsupported or damaged compression
        raise NoPicture(f"The image cannot be decoded ({type(problem).__name__}).") from None
    if pixels.ndim == 3 and pixels.shape[-1] == 3:  # colour: pydicom has converted it to RGB
        picture = Image.fromarray(pixels.astype(np.uint8), "RGB")
    else:
        picture = Image.fromarray(_windowed(pixels, ds), "L")
    return _png(picture, size)


def _windowed(pixels: np.ndarray, ds) -> np.ndarray:
    """Grey levels 0–255: the file's own window if it has one, a soft-tissue window for CT,
    otherwise the range that holds the middle 99% of the body's pixels."""
    values = apply_modality_lut(pixels, ds).astype(np.float64)
    if "WindowCenter" in ds and "WindowWidth" in ds:
        values = apply_voi_lut(values, ds, index=0).astype(np.float64)
        low, high = values.min(), values.max()
    elif ds.get("Modality") == "CT" and "RescaleIntercept" in ds:
        centre, width = CT_WINDOW
        low, high = centre - width / 2, centre + width / 2
    else:
        # Leave out the background (the lowest value), which would wash the picture out.
        body = values[values > values.min()]
        low, high = np.percentile(body if body.size else values, [0.5, 99.5])
    scaled = np.clip((values - low) / max(high - low, 1e-6), 0, 1) * 255
    if ds.get("PhotometricInterpretation") == "MONOCHROME1":  # white means low
        scaled = 255 - scaled
    return scaled.astype(np.uint8)


def photo_png(source: BinaryIO, *, size: int = THUMBNAIL) -> bytes:
    source.seek(0)
    try:
        picture: Image.Image = Image.open(source)
        picture = ImageOps.exif_transpose(picture)  # as the camera was held
        picture.load()
    except (OSError, ValueError, Image.DecompressionBombError) as problem:
        raise NoPicture(f"The image cannot be read ({type(problem).__name__}).") from None
    return _png(picture.convert("RGB"), size)


def pdf_first_page_png(data: bytes, *, size: int = THUMBNAIL) -> bytes:
    """The first page through pdftoppm (reads the PDF on stdin, writes the PNG to stdout)."""
    try:
        done = subprocess.run(
            ["pdftoppm", "-png", "-f", "1", "-l", "1", "-singlefile",
             "-scale-to", str(size), "-"],
            input=data, capture_output=True, timeout=PDF_TIMEOUT, check=False,
        )
    except subprocess.TimeoutExpired:
        raise NoPicture("The PDF took too long to draw.") from None
    if done.returncode != 0 or not done.stdout:
        raise NoPicture("The PDF's first page cannot be drawn.")
    return done.stdout


def pdf_text(data: bytes, *, limit: int) -> str:
    """The PDF's text (pdftotext, in reading order), at most ``limit`` characters."""
    try:
        done = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"], input=data,
                              capture_output=True, timeout=PDF_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return ""
    return done.stdout.decode("utf-8", "replace")[:limit] if done.returncode == 0 else ""


def _png(picture: Image.Image, size: int) -> bytes:
    picture.thumbnail((size, size))
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=False)
    return out.getvalue()

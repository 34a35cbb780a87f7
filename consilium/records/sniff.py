"""What a file really is, from its bytes rather than its name; and what we refuse."""

import json
import re
import zipfile
from dataclasses import dataclass
from itertools import accumulate
from typing import BinaryIO

from . import documents


class Refused(Exception):
    """The file is not accepted; the message says why in plain words."""


class Hostile(Exception):
    """The file is made to harm a reader (JSON nested to exhaust a parser): the whole upload
    it came in is refused, not only this file."""


@dataclass(frozen=True)
class Kind:
    key: str  # pdf, jpeg, png, heic, dicom, fhir_json, fhir_ndjson, text, docx, doc, zip
    label: str
    media_type: str


PDF = Kind("pdf", "PDF document", "application/pdf")
JPEG = Kind("jpeg", "JPEG image", "image/jpeg")
PNG = Kind("png", "PNG image", "image/png")
HEIC = Kind("heic", "HEIC photo", "image/heic")
DICOM = Kind("dicom", "DICOM image", "application/dicom")
FHIR_JSON = Kind("fhir_json", "FHIR record (JSON)", "application/fhir+json")
FHIR_NDJSON = Kind("fhir_ndjson", "FHIR records (NDJSON)", "application/fhir+ndjson")
TEXT = Kind("text", "Text", "text/plain")
ZIP = Kind("zip", "Zip archive", "application/zip")
DOCX = Kind("docx", "Word document",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
DOC = Kind("doc", "Word document (Word 97-2003)", "application/msword")

HEAD = 4096
EMPTY = "The file is empty."  # on every way in: the page, the API, a resumable upload, a zip
TEXT_SAMPLE = 64 * 1024
# FHIR resources nest a few dozen levels at most (a QuestionnaireResponse's items the
# deepest); Python's json gives up near 1,000 with a RecursionError, orjson at 1,024.
MAX_JSON_DEPTH = 100
JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")


def sniff(source: BinaryIO, size: int) -> Kind:
    """Identify the file or raise Refused. Reads the start (and for some kinds the end)."""
    source.seek(0)
    head = source.read(HEAD)
    if size == 0:
        raise Refused(EMPTY)
    if head.startswith((b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"#!")):
        raise Refused("Programs and scripts are not accepted.")
    if head.startswith(b"%PDF-"):
        return _check_pdf(source, size)
    if head.startswith(b"\xff\xd8\xff"):
        return _check_end(source, size, JPEG, b"\xff\xd9", "The JPEG image is incomplete.")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _check_end(source, size, PNG, b"IEND\xaeB`\x82", "The PNG image is incomplete.")
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim"):
        return HEIC
    if len(head) >= 132 and head[128:132] == b"DICM":
        return DICOM
    if head.startswith(b"PK\x03\x04"):
        return _check_zip(source)
    if head.startswith(documents.OLE2) and documents.is_old_word(source):
        return DOC
    if head.startswith((b"PK\x05\x06", b"PK\x07\x08")):
        raise Refused("The zip archive is empty or split into parts.")
    if head.startswith((b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b", b"BZh")):
        raise Refused("Only zip archives are accepted; please send a .zip instead.")
    return _check_text(source, head)


def _check_pdf(source: BinaryIO, size: int) -> Kind:
    source.seek(max(0, size - 2048))
    tail = source.read()
    if b"%%EOF" not in tail:
        raise Refused("The PDF is incomplete or damaged.")
    # An encrypted PDF names an /Encrypt dictionary in its trailer.
    if b"/Encrypt" in tail:
        raise Refused("The PDF is password-protected. Please send it without a password.")
    return PDF


def _check_end(source: BinaryIO, size: int, kind: Kind, ending: bytes, message: str) -> Kind:
    source.seek(max(0, size - 1024))
    if ending not in source.read():
        raise Refused(message)
    return kind


def _check_zip(source: BinaryIO) -> Kind:
    """A zip, or a Word document (a zip of XML parts, kept whole: never unpacked)."""
    source.seek(0)
    try:
        with zipfile.ZipFile(source) as archive:
            archive.infolist()
            if documents.is_word(archive):
                documents.check(archive)
                return DOCX
    except zipfile.BadZipFile:
        raise Refused("The zip archive is damaged.") from None
    except documents.Damaged as damaged:
        raise Refused(str(damaged)) from None
    return ZIP


def _check_text(source: BinaryIO, head: bytes) -> Kind:
    source.seek(0)
    sample = source.read(TEXT_SAMPLE)
    if b"\x00" in sample:
        raise Refused("This kind of file is not accepted. Send PDF, images, DICOM, FHIR, text "
                      "or a zip of those.")
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(sample) - 4:  # not just a character cut at the sample's end
            raise Refused("The text is not UTF-8 and cannot be read.") from None
        text = sample[: error.start].decode("utf-8")
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("{", "[")) and _json_depth(stripped) > MAX_JSON_DEPTH:
        raise Hostile(f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep; no health "
                      "record is, so it was not read.")
    if stripped.startswith("{"):
        first_line = stripped.split("\n", 1)[0]
        if '"resourceType"' in first_line and _is_json_object(first_line):
            rest = stripped.split("\n", 1)
            if len(rest) > 1 and rest[1].lstrip().startswith("{"):
                return FHIR_NDJSON
        if '"resourceType"' in stripped[:2000]:
            return FHIR_JSON
    return TEXT


def _json_depth(text: str) -> int:
    """How deeply the (start of the) JSON nests arrays and objects, strings left out."""
    brackets = NOT_A_BRACKET.sub("", JSON_STRING.sub("", text))
    steps = (1 if bracket in "[{" else -1 for bracket in brackets)
    return max(accumulate(steps, initial=0))


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False

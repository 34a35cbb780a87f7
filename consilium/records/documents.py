"""Word documents: a .docx is a zip of XML parts, but it is one document to the people who
send it. It is told from other zips by its parts (sniff.py), kept whole as one record, and
its text read with python-docx for search and the type guess, as a PDF's is.

A legacy .doc (an OLE2 compound file) is kept as one record without text. Converting to PDF
for the case packet would need LibreOffice (``soffice``), which this program does not ship:
a Word document is listed in the packet to download separately.
"""

import zipfile
from typing import BinaryIO

# The parts every WordprocessingML package has (ECMA-376 Part 2, Open Packaging Conventions).
WORD_PARTS = ("[Content_Types].xml", "word/document.xml")
# The main part may expand this much, no more: a document's text and markup, not a zip bomb.
MAX_PART_BYTES = 64 * 1024**2
MAX_RATIO, RATIO_FLOOR = 100, 10 * 1024**2  # as for zip members (actions.py)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WORD_STREAM = "WordDocument".encode("utf-16-le")  # the stream a Word 97-2003 file names
OLE2_SCAN = 8 * 1024**2  # how far into a compound file its directory is looked for


class Damaged(Exception):
    """The Word document cannot be read; the message says why in plain words."""


def is_word(archive: zipfile.ZipFile) -> bool:
    names = set(archive.namelist())
    return all(part in names for part in WORD_PARTS)


def is_old_word(source: BinaryIO) -> bool:
    """An OLE2 compound file whose directory names a WordDocument stream (not a spreadsheet
    or a presentation, which are compound files too)."""
    source.seek(0)
    if source.read(len(OLE2)) != OLE2:
        return False
    source.seek(0)
    seen, tail = 0, b""
    while seen < OLE2_SCAN and (chunk := source.read(1024 * 1024)):
        if WORD_STREAM in tail + chunk:
            return True
        tail, seen = chunk[-len(WORD_STREAM):], seen + len(chunk)
    return False


def check(archive: zipfile.ZipFile) -> None:
    """Raise Damaged for a main part too large to be a document's."""
    part = archive.getinfo("word/document.xml")
    if part.file_size > MAX_PART_BYTES or (
            part.file_size > RATIO_FLOOR and part.file_size > MAX_RATIO * max(
                part.compress_size, 1)):
        raise Damaged("The Word document expands to far more than its size (a zip bomb); "
                      "refused.")


def text_of(source: BinaryIO, limit: int) -> str:
    """The document's text: paragraphs, then the tables' cells row by row, at most ``limit``
    characters. Raises Damaged when python-docx cannot read it."""
    import docx  # imported here: only uploads of Word documents need it

    source.seek(0)
    try:
        with zipfile.ZipFile(source) as archive:
            check(archive)
        source.seek(0)
        document = docx.Document(source)
        lines = [paragraph.text for paragraph in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                lines.append("\t".join(cell.text for cell in row.cells))
    except Damaged:
        raise
    except Exception:  # python-docx and lxml raise many kinds of error on a damaged file
        raise Damaged("The Word document is damaged and cannot be read.") from None
    text = "\n".join(line for line in lines if line.strip())
    return text[:limit].replace("\x00", "")

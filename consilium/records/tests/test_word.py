"""Word documents are read as documents: one record with its text, never a zip of XML parts."""

import io
import zipfile

import docx
import pytest

from consilium.records.models import Record
from consilium.records.sniff import sniff

from .test_records import PDF, add, upload, zipped

PATHOLOGY = ("SURGICAL PATHOLOGY REPORT", "Specimen received: left breast core biopsy.",
             "Microscopic description: invasive ductal carcinoma.",
             "Final diagnosis: invasive ductal carcinoma, grade 2.")


def word(*paragraphs: str, table: list[list[str]] | None = None) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def case(journey):
    return journey("submitted")[0]


def test_a_word_document_is_one_record_with_its_text(case, users):
    data = word(*PATHOLOGY, table=[["Marker", "Result"], ["ER", "positive 90%"]])
    [outcome] = add(case, users["patient"], upload("report from dr smith.docx", data))
    assert outcome.status == "stored", outcome.message
    record = Record.objects.get()
    assert (record.name, record.kind) == ("report from dr smith.docx", "docx")
    assert record.media_type == ("application/vnd.openxmlformats-officedocument."
                                 "wordprocessingml.document")
    assert "invasive ductal carcinoma, grade 2" in record.text
    assert "ER" in record.text and "positive 90%" in record.text  # tables are read too
    assert record.record_type == "pathology_report"  # the text's cues, as for a PDF


def test_a_word_document_inside_a_zip_stays_whole(case, users):
    outcomes = add(case, users["patient"], upload("records.zip", zipped(
        {"letter.docx": word("Dear Dr. Jones,", "Thank you for the referral.", "Sincerely"),
         "scan.pdf": PDF})))
    assert [(o.name, o.status) for o in outcomes] == [
        ("records.zip/letter.docx", "stored"), ("records.zip/scan.pdf", "stored")]
    assert not Record.objects.filter(name__contains=".xml").exists()
    assert Record.objects.get(kind="docx").record_type == "referral_letter"


def test_a_zip_that_only_looks_like_word_is_unpacked_as_a_zip(case, users):
    # word/document.xml alone (no [Content_Types].xml) is not a Word document.
    outcomes = add(case, users["patient"], upload("x.zip", zipped(
        {"word/document.xml": b"<w:document/>", "notes.txt": b"Clinic note."})))
    assert [o.name for o in outcomes] == ["x.zip/word/document.xml", "x.zip/notes.txt"]


def test_a_damaged_or_bomb_word_document_is_refused(case, users):
    damaged = word("Clinic note").replace(b"word/document.xml", b"word/documenX.xml", 1)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document>" + b" " * 200 * 1024**2)
    outcomes = add(case, users["patient"], upload("bad.docx", word("x")[:-200]),
                   upload("bomb.docx", bomb.getvalue()), upload("odd.docx", damaged))
    assert [o.status for o in outcomes] == ["refused", "refused", "refused"], outcomes
    assert "damaged" in outcomes[0].message and "zip bomb" in outcomes[1].message
    assert not Record.objects.exists()


def test_a_word_document_without_text_is_kept(case, users):
    [outcome] = add(case, users["patient"], upload("blank page.docx", word()))
    assert outcome.status == "stored" and Record.objects.get().text == ""


def test_an_old_word_document_is_one_record_without_text(case, users):
    # The compound file header and a directory naming the WordDocument stream.
    data = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
            + "WordDocument".encode("utf-16-le") + b"\x00" * 1000)
    assert sniff(io.BytesIO(data), len(data)).key == "doc"
    [outcome] = add(case, users["patient"], upload("old letter.doc", data))
    assert outcome.status == "stored"
    record = Record.objects.get()
    assert (record.kind, record.media_type, record.text) == ("doc", "application/msword", "")
    other = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000  # a spreadsheet, say
    [refused] = add(case, users["patient"], upload("sheet.xls", other))
    assert refused.status == "refused" and "not accepted" in refused.message

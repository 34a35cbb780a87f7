import io
import subprocess
from pathlib import Path

from pypdf import PdfReader
from weasyprint import HTML

from consilium.records.actions import Upload, do_add_records

SAMPLES = Path(__file__).resolve().parents[4] / "shared" / "data"


def a_pdf(text: str) -> bytes:
    return HTML(string=f"<p>{text}</p>").write_pdf()


def test_the_packet_has_cover_case_index_and_the_pdf_records(client, login, users, journey,
                                                             tmp_path):
    case, _ = journey("accepted")
    report = a_pdf("Pathology: invasive ductal carcinoma, grade 2")
    dicom = SAMPLES / "dicom-samples" / "pydicom-deid" / "ctbrain1.dcm"
    do_add_records(case, [
        Upload("pathology report.pdf", io.BytesIO(report), len(report)),
        Upload("broken.pdf", io.BytesIO(b"%PDF-1.4\nnot really\n%%EOF"), 27),
        Upload(dicom.name, dicom.open("rb"), dicom.stat().st_size),
    ], acting_user=users["patient"])
    login(users["specialist"])
    response = client.get(f"/cases/{case.id}/packet/")
    assert response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content)
    path = tmp_path / "packet.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Second-opinion case packet" in text
    assert "Is breast-conserving surgery an option?" in text  # the patient's questions
    assert "Index of records" in text and "Appended after this index" in text
    assert "Download separately" in text  # the broken PDF is listed, not appended
    assert "invasive ductal carcinoma" in text  # the appended record itself
    reader = PdfReader(path)

    def titles(outline):
        for item in outline:
            yield from titles(item) if isinstance(item, list) else [item.title]

    assert "pathology report.pdf" in list(titles(reader.outline))


def test_strangers_get_no_packet(client, login, users, journey):
    case, _ = journey("submitted")
    login(users["patient2"])
    assert client.get(f"/cases/{case.id}/packet/").status_code == 404


def test_the_packet_is_on_the_programs_paper(users, journey, settings):
    from consilium.records.packet import build

    case, _ = journey("accepted")
    for size, (width, height) in {"letter": (612, 792), "A4": (595, 842)}.items():
        settings.PAPER_SIZE = size
        box = PdfReader(build(case, users["specialist"])).pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (width, height)

"""The case packet for the specialist: one PDF with a cover page, the coordinator's case
summary (cases.IntakeSummary), the case and the first opinion, the clinical summary, an index
of all records, and the PDF records appended."""

import tempfile

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError

from consilium.cases.intake_actions import intake_of

from . import storage
from .models import IdentityCheck
from .summary import clinical_summary


def build(case, user) -> tempfile.SpooledTemporaryFile:
    """Write the packet to a temporary file and return it, positioned at the start."""
    from weasyprint import HTML

    records = list(case.records.in_use().order_by("uploaded_at"))
    readable = []  # (record, reader, its temporary plaintext) for the PDFs that open
    try:
        for record in records:
            if record.kind != "pdf":
                continue
            original = storage.plaintext_copy(record)
            try:
                reader = PdfReader(original)
                len(reader.pages)  # forces the page tree to be read
            except (PdfReadError, ValueError, KeyError):
                original.close()  # listed in the index as "download separately"
                continue
            readable.append((record, reader, original))
        html = render_to_string("records/packet.html", {
            "case": case, "intake": intake_of(case), "questions": list(case.questions.all()),
            "records": records,
            "appended": {r.id for r, _, _ in readable}, "clinical": clinical_summary(case),
            "program": settings.PROGRAM_NAME, "prepared_for": user, "now": timezone.now(),
            "held": case.records.filter(identity=IdentityCheck.HELD).count(),
        })
        writer = PdfWriter()
        with tempfile.TemporaryFile() as front:
            HTML(string=html).write_pdf(front)
            front.seek(0)
            writer.append(PdfReader(front))
            for record, reader, _ in readable:
                writer.append(reader, outline_item=record.name)
            out = tempfile.SpooledTemporaryFile(max_size=8 * 1024**2,
                                                dir=settings.FILE_UPLOAD_TEMP_DIR)
            writer.write(out)
    finally:
        for _, _, original in readable:
            original.close()
    out.seek(0)
    return out

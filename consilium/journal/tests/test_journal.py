"""The patient's journal: the case's events and their own notes in one timeline, as a PDF."""

import io

from pypdf import PdfReader

from consilium.audit.models import AuditEntry
from consilium.journal.models import JournalNote


def test_notes_join_the_events_and_print(journey, users, login, client):
    case, _ = journey("opinion_delivered")
    login(users["patient"])
    assert client.post(f"/cases/{case.id}/journal/", {"text": "  "}).status_code == 422
    assert not JournalNote.objects.exists()
    answer = client.post(f"/cases/{case.id}/journal/", {"text": "Scared before the call."})
    assert answer.status_code == 302
    page = client.get(f"/cases/{case.id}/journal/").content.decode()
    assert "Scared before the call." in page and "Opinion signed (Dr. Helen Okafor)" in page
    assert page.index("Case created") < page.index("Scared before the call.")
    pdf = client.get(f"/cases/{case.id}/journal.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Scared before the call." in text and "Opinion signed" in text
    assert AuditEntry.objects.filter(action="journal_note.create", case_id=case.id).exists()


def test_the_journal_is_the_patients_own(journey, users, login, client):
    case, _ = journey("opinion_delivered")
    for someone in ("coordinator", "specialist", "patient2"):
        login(users[someone])
        assert client.get(f"/cases/{case.id}/journal/").status_code == 404
        assert client.post(f"/cases/{case.id}/journal/", {"text": "x"}).status_code in (403, 404)
        assert client.get(f"/cases/{case.id}/journal.pdf").status_code == 404
    assert not JournalNote.objects.exists()

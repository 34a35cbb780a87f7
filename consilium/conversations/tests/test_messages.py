"""Secure messages: who takes part, threads, attachments as records, unread counts, the
clock of a blocking question, notices without content, page and API."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from consilium.audit.models import AuditEntry
from consilium.cases.models import Event, EventKind
from consilium.conversations.access import unread_count
from consilium.conversations.actions import do_send_message
from consilium.conversations.models import Message
from consilium.errors import InvalidInput, NotAllowed
from consilium.records.actions import Upload


def at(day: str):
    return datetime.fromisoformat(f"{day}T09:00").replace(tzinfo=ZoneInfo(settings.TIME_ZONE))


def test_a_thread_with_replies_and_unread_counts(journey, users):
    case, _ = journey("accepted")
    question = do_send_message(case, {"body": "Is the scan from March included?"},
                               acting_user=users["patient"])
    reply = do_send_message(case, {"body": "Yes, series 3.", "reply_to": str(question.id)},
                            acting_user=users["specialist"])
    assert unread_count(case, users["patient"]) == 1  # the specialist's reply
    deeper = do_send_message(case, {"body": "Thank you.", "reply_to": str(reply.id)},
                             acting_user=users["patient"])
    assert reply.reply_to == question and deeper.reply_to == question  # one thread
    assert unread_count(case, users["coordinator"]) == 3
    assert unread_count(case, users["patient"]) == 0  # replying means having read
    assert unread_count(case, users["specialist"]) == 1  # the thank-you
    assert unread_count(case, users["physician"]) == 0


def test_who_takes_part(journey, users):
    case, _ = journey("accepted")
    with pytest.raises(NotAllowed):
        do_send_message(case, {"body": "Hello"}, acting_user=users["physician"])
    for bad, field in [({"body": "  "}, "body"), ({"body": "x" * 10_001}, "body"),
                       ({"body": "Hi", "reply_to": "not-an-id"}, "reply_to")]:
        with pytest.raises(InvalidInput) as refused:
            do_send_message(case, bad, acting_user=users["patient"])
        assert field in refused.value.errors
    with pytest.raises(NotAllowed, match="Only the specialist"):
        do_send_message(case, {"body": "Hi", "blocking": True}, acting_user=users["patient"])
    assert not Message.objects.exists()


def test_a_blocking_question_stops_the_clock(journey, users):
    with time_machine.travel(at("2026-11-23"), tick=False):  # Monday
        case, consultation = journey("accepted")
    consultation.refresh_from_db()
    due = consultation.due_date
    with time_machine.travel(at("2026-11-24"), tick=False):
        question = do_send_message(case, {"body": "Which dose did you take?",
                                          "blocking": True}, acting_user=users["specialist"])
    consultation.refresh_from_db()
    assert consultation.waiting_on_patient_since is not None
    with time_machine.travel(at("2026-11-27"), tick=False):  # Friday: three business days on
        do_send_message(case, {"body": "A coordinator note."}, acting_user=users["coordinator"])
        consultation.refresh_from_db()
        assert consultation.waiting_on_patient_since is not None  # only the patient's side
        do_send_message(case, {"body": "50 mg.", "reply_to": str(question.id)},
                        acting_user=users["patient"])
    consultation.refresh_from_db()
    question.refresh_from_db()
    assert question.answered_at is not None
    assert consultation.waiting_on_patient_since is None
    # Three business days waited (Wednesday to Friday): Wednesday 2 to Monday 7 December.
    assert (due, consultation.due_date) == (date(2026, 12, 2), date(2026, 12, 7))
    kinds = list(Event.objects.filter(case=case).values_list("kind", flat=True))
    assert EventKind.WAITING in kinds and EventKind.RESUMED in kinds


def test_attachments_become_records(journey, users, settings):
    case, _ = journey("submitted")
    note = Upload("letter.txt", io.BytesIO(b"Referral letter: please see the patient."), 40)
    message = do_send_message(case, {"body": "The referral letter."},
                              acting_user=users["patient"], files=[note])
    record = message.attachments.get()
    assert record.case == case and record.name == "letter.txt"
    bad = Upload("run.exe", io.BytesIO(b"MZ\x90\x00" + b"\x00" * 60), 64)
    with pytest.raises(InvalidInput) as refused:
        do_send_message(case, {"body": "A program"}, acting_user=users["patient"], files=[bad])
    assert "run.exe" in refused.value.errors["files"]
    assert Message.objects.count() == 1 and case.records.count() == 1


def test_a_refused_message_leaves_none_of_its_files_behind(journey, users):
    """A good file stored before a refused one is taken away with the message; a file the
    case already held stays."""
    case, _ = journey("submitted")
    letter = b"Referral letter: please see the patient."
    do_send_message(case, {"body": "The letter."}, acting_user=users["patient"],
                    files=[Upload("letter.txt", io.BytesIO(letter), len(letter))])
    before = set(default_storage.listdir("records")[1])
    good = Upload("scan-report.txt", io.BytesIO(b"CT report: no change since March."), 33)
    again = Upload("letter-again.txt", io.BytesIO(letter), len(letter))  # already held
    bad = Upload("run.exe", io.BytesIO(b"MZ\x90\x00" + b"\x00" * 60), 64)
    with pytest.raises(InvalidInput):
        do_send_message(case, {"body": "Three files"}, acting_user=users["patient"],
                        files=[good, again, bad])
    assert Message.objects.count() == 1 and case.records.count() == 1
    assert set(default_storage.listdir("records")[1]) == before


def test_notices_reach_everyone_else(journey, users, settings,
                                     django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    case, _ = journey("accepted")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        do_send_message(case, {"body": "The biopsy shows grade 2."},
                        acting_user=users["patient"])
    told = sorted(m.to[0] for m in mail.outbox)
    assert told == sorted([users["coordinator"].email, users["specialist"].email])
    for message in mail.outbox:
        assert "biopsy" not in message.body and "grade" not in message.body
        # The case by its reference and a link to its page, never its health data.
        assert message.subject == f"Consilium: You have a new message (case {case.short_id})"
        assert f"on case {case.short_id}." in message.body
        assert f"/cases/{case.id}/" in message.body


def test_the_page(client, login, users, journey):
    case, _ = journey("accepted")
    login(users["specialist"])
    page = client.get(f"/cases/{case.id}/messages/")
    assert "No messages yet" in page.content.decode()
    assert "I need the answer before I can go on" in page.content.decode()
    response = client.post(f"/cases/{case.id}/messages/", {
        "body": "Could you send the pathology report?", "blocking": "on",
        "files": [SimpleUploadedFile("notes.txt", b"My notes on the case.")]})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Message.objects.get().attachments.get().name == "notes.txt"
    login(users["patient"])
    detail = client.get(f"/cases/{case.id}/").content.decode()
    assert "1 new" in detail
    page = client.get(f"/cases/{case.id}/messages/").content.decode()
    assert "Could you send the pathology report?" in page and "Waiting for your answer" in page
    assert "I need the answer" not in page  # only specialists stop the clock
    assert "1 new" not in client.get(f"/cases/{case.id}/").content.decode()
    refused = client.post(f"/cases/{case.id}/messages/", {"body": ""})
    assert refused.status_code == 422
    assert AuditEntry.objects.filter(action="message.view").exists()
    login(users["physician"])
    assert client.get(f"/cases/{case.id}/messages/").status_code in (403, 404)


def test_the_api(api, users, journey):
    case, _ = journey("accepted")
    sent = api(users["specialist"], "POST", f"/cases/{case.id}/messages",
               {"body": "Which dose?", "blocking": True})
    assert sent.status_code == 201, sent.content
    reply = api(users["patient"], "POST", f"/cases/{case.id}/messages",
                {"body": "50 mg", "reply_to": sent.json()["id"]})
    assert reply.status_code == 201
    listed = api(users["coordinator"], "GET", f"/cases/{case.id}/messages").json()
    assert listed["unread"] == 2 and listed["waiting_on_patient_since"] is None
    thread = listed["threads"][0]
    assert thread["blocking"] and thread["answered_at"]
    assert [r["body"] for r in thread["replies"]] == ["50 mg"]
    again = api(users["coordinator"], "GET", f"/cases/{case.id}/messages").json()
    assert again["unread"] == 0
    refused = api(users["patient"], "POST", f"/cases/{case.id}/messages", {"body": ""})
    assert refused.status_code == 422 and "body" in refused.json()["errors"]
    other, _ = journey("draft", patient="patient2")
    assert api(users["patient"], "GET", f"/cases/{other.id}/messages").status_code == 404

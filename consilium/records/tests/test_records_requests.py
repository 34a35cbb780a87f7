"""Requests for records to providers: the actions (audit rows, case events, stale and closed
requests), who may do what, the pages (bad input, another case's request, double submission)
and the release letter made from a request."""

import io
import subprocess
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from consilium.audit.models import AuditEntry
from consilium.cases.models import Case, Event, EventKind
from consilium.errors import Conflict, InvalidInput, NotAllowed
from consilium.records.actions import Upload, do_add_records
from consilium.records.models import RecordsRequest
from consilium.records.request_actions import (
    do_cancel_request,
    do_change_request,
    do_close_request,
    do_mark_request_sent,
    do_remind_request,
    do_request_records,
)

ASKED = {"provider_name": "Zebrafinch Imaging Clinic", "provider_address": "7 Hill St\nAustin",
         "provider_fax": "+1 512 555 0100", "asked_items": ["pathology_report"],
         "asked_text": "CT of the chest, March 2026"}


@pytest.fixture
def case(journey):
    return journey("submitted")[0]


@pytest.fixture
def asked(case, users):
    return do_request_records(case, ASKED, acting_user=users["coordinator"])


def _url(case, records_request=None, step=""):
    base = f"/cases/{case.id}/records-requests/"
    return base if records_request is None else f"{base}{records_request.id}/{step}"


def _kinds(case) -> list[str]:
    return list(Event.objects.filter(case=case).values_list("kind", flat=True))


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


# --- the actions ------------------------------------------------------------------------

def test_a_request_from_written_down_to_received(case, users, asked):
    coordinator, today = users["coordinator"], timezone.localdate()
    assert asked.state(today) == "to_send" and asked.asked_labels()[-1] == ASKED["asked_text"]
    do_mark_request_sent(asked, {"sent_on": str(today - timedelta(days=20))},
                         acting_user=coordinator)
    assert asked.due_on == today - timedelta(days=6)  # the setting's 14 days
    assert asked.state(today) == "overdue"
    assert list(RecordsRequest.objects.overdue(today)) == [asked]
    do_remind_request(asked, acting_user=coordinator)
    assert asked.reminders == 1 and asked.reminded_on == today
    assert asked.due_on == today + timedelta(days=14) and asked.state(today) == "sent"
    with pytest.raises(Conflict, match="already reminded today"):
        do_remind_request(asked, acting_user=coordinator)
    letter = b"A pathology report of the breast."
    [stored] = do_add_records(case, [Upload("pathology.txt", io.BytesIO(letter), len(letter))],
                              acting_user=users["patient"])
    do_close_request(asked, record=str(stored.record.id), acting_user=coordinator)
    asked.refresh_from_db()
    assert asked.received_on == today and asked.received_with == stored.record
    assert asked.state(today) == "received"
    assert _kinds(case)[-4:] == [EventKind.RECORDS_ASKED, EventKind.RECORDS_SENT,
                                 EventKind.RECORDS_REMINDED, EventKind.RECORDS_RECEIVED]
    assert list(AuditEntry.objects.filter(object_id=str(asked.id)).values_list(
        "action", flat=True)) == ["records_request.create", "records_request.send",
                                  "records_request.remind", "records_request.receive"]
    # Closed: nothing more changes it.
    for step in (lambda: do_cancel_request(asked, acting_user=coordinator),
                 lambda: do_remind_request(asked, acting_user=coordinator),
                 lambda: do_change_request(asked, ASKED, acting_user=coordinator)):
        with pytest.raises(Conflict, match="received on"):
            step()


def test_the_events_never_name_the_provider(case, users, asked):
    do_cancel_request(asked, acting_user=users["coordinator"])
    notes = " ".join(Event.objects.filter(case=case).values_list("note", flat=True))
    assert "Zebrafinch" not in notes and EventKind.RECORDS_CANCELLED in _kinds(case)


def test_what_is_asked_is_checked(case, users):
    coordinator = users["coordinator"]
    refusals = [
        ({**ASKED, "provider_name": "  "}, "provider_name"),
        ({**ASKED, "asked_items": ["not_on_the_checklist"]}, "asked_items"),
        ({**ASKED, "asked_items": [], "asked_text": ""}, "asked_items"),
        ({**ASKED, "provider_email": "no address"}, "provider_email"),
        ({**ASKED, "provider_name": "x" * 201}, "provider_name"),
        ({**ASKED, "asked_items": "pathology_report"}, "asked_items"),
    ]
    for data, field in refusals:
        with pytest.raises(InvalidInput) as refused:
            do_request_records(case, data, acting_user=coordinator)
        assert field in refused.value.errors, (data, refused.value.errors)
    assert not RecordsRequest.objects.exists()
    # Unicode and a NUL in the free text are kept as written (the column is ciphertext).
    made = do_request_records(case, {**ASKED, "provider_name": "Klinikum Süd \x00 東京"},
                              acting_user=coordinator)
    assert RecordsRequest.objects.get(id=made.id).provider_name == "Klinikum Süd \x00 東京"


def test_dates_are_checked_when_sent(case, users, asked):
    coordinator, today = users["coordinator"], timezone.localdate()
    for data, field in [({"sent_on": str(today + timedelta(days=1))}, "sent_on"),
                        ({"sent_on": str(today), "due_on": str(today - timedelta(days=1))},
                         "due_on"),
                        ({"sent_on": "someday"}, "sent_on")]:
        with pytest.raises(InvalidInput) as refused:
            do_mark_request_sent(asked, data, acting_user=coordinator)
        assert field in refused.value.errors
    asked.refresh_from_db()
    assert asked.sent_on is None


def test_the_provider_and_what_is_asked_are_ciphertext(asked):
    with connection.cursor() as cursor:
        cursor.execute("SELECT provider_name, provider_address, provider_fax, asked_text "
                       "FROM records_recordsrequest")
        stored = " ".join(cursor.fetchone())
    assert "Zebrafinch" not in stored and "Hill St" not in stored and "555" not in stored
    assert "CT of the chest" not in stored


def test_another_cases_upload_cannot_close_a_request(case, users, asked, journey):
    other, _ = journey("submitted", patient="patient2")
    note = b"Someone else's letter."
    [theirs] = do_add_records(other, [Upload("x.txt", io.BytesIO(note), len(note))],
                              acting_user=users["patient2"])
    with pytest.raises(InvalidInput):
        do_close_request(asked, record=str(theirs.record.id), acting_user=users["coordinator"])
    asked.refresh_from_db()
    assert asked.received_on is None


# --- who may do what --------------------------------------------------------------------

def test_the_patient_writes_one_down_but_only_coordinators_manage_them(case, users):
    made = do_request_records(case, {"provider_name": "My GP", "asked_text": "My notes"},
                              acting_user=users["patient"])
    with pytest.raises(NotAllowed, match="Only a coordinator"):
        do_mark_request_sent(made, acting_user=users["patient"])
    for role in ("caregiver", "specialist"):
        with pytest.raises(NotAllowed):
            do_request_records(case, ASKED, acting_user=users[role])
    Case.objects.filter(id=case.id).update(status="withdrawn")
    case.refresh_from_db()
    with pytest.raises(Conflict, match="closed"):
        do_request_records(case, ASKED, acting_user=users["coordinator"])
    made.case = case
    with pytest.raises(Conflict, match="closed"):
        do_cancel_request(made, acting_user=users["coordinator"])


def test_the_pages_by_role(client, login, users, case, asked):
    from consilium.cases.actions import do_share_case

    do_share_case(case, "caregiver", acting_user=users["patient"])
    login(users["patient"])
    page = client.get(_url(case)).content.decode()
    assert "Zebrafinch Imaging Clinic" in page and "Ask a provider for records" in page
    assert "Mark sent" not in page and _url(case, asked, "edit/") not in page
    assert client.get(_url(case, asked, "letter.pdf")).status_code == 200
    assert client.post(_url(case, asked, "sent/")).status_code == 403
    login(users["caregiver"])
    refused = client.get(_url(case))
    assert refused.status_code == 403 and "Zebrafinch" not in refused.content.decode()
    assert client.get(_url(case, asked, "letter.pdf")).status_code == 403
    login(users["patient2"])
    assert client.get(_url(case)).status_code == 404
    login(users["coordinator"])
    page = client.get(_url(case)).content.decode()
    assert "Mark sent" in page and _url(case, asked, "edit/") in page


# --- the pages --------------------------------------------------------------------------

def test_writing_one_down_on_the_page(client, login, users, case):
    login(users["coordinator"])
    form = client.get(_url(case) + "new/").content.decode()
    assert 'value="pathology_report"' in form and "checked" in form  # missing: ticked
    bad = client.post(_url(case) + "new/", {"provider_name": "", "asked_text": "x"})
    assert bad.status_code == 422 and "Give the provider" in bad.content.decode()
    assert not RecordsRequest.objects.exists()
    data = {**ASKED, "submission_key": "k" * 20}
    first = client.post(_url(case) + "new/", data)
    again = client.post(_url(case) + "new/", data)  # a second click
    assert first.status_code == again.status_code == 302
    assert RecordsRequest.objects.count() == 1
    assert _kinds(case).count(EventKind.RECORDS_ASKED) == 1


def test_the_steps_on_the_page(client, login, users, case, asked):
    login(users["coordinator"])
    bad = client.post(_url(case, asked, "sent/"), {"sent_on": "2026-02-30"})
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.content.decode()
    assert client.post(_url(case, asked, "sent/")).status_code == 302
    twice = client.post(_url(case, asked, "sent/"), follow=True)
    assert "already sent" in twice.content.decode()
    assert _kinds(case).count(EventKind.RECORDS_SENT) == 1
    client.post(_url(case, asked, "remind/"))
    client.post(_url(case, asked, "remind/"))
    asked.refresh_from_db()
    assert asked.reminders == 1
    unknown = client.post(_url(case, asked, "received/"), {"record": "not-a-file"})
    assert unknown.status_code == 422
    asked.refresh_from_db()
    assert asked.received_on is None
    changed = client.post(_url(case, asked, "edit/"), {**ASKED, "provider_name": "Renamed"})
    assert changed.status_code == 302
    asked.refresh_from_db()
    assert asked.provider_name == "Renamed"


def test_cancelling_asks_first(client, login, users, case, asked):
    login(users["coordinator"])
    page = client.get(_url(case, asked, "cancel/")).content.decode()
    assert "Cancel the request to Zebrafinch Imaging Clinic?" in page
    client.post(_url(case, asked, "cancel/"))  # the box not ticked
    asked.refresh_from_db()
    assert asked.cancelled_on is None
    client.post(_url(case, asked, "cancel/"), {"confirmed": "yes"})
    asked.refresh_from_db()
    assert asked.cancelled_on == timezone.localdate()
    assert client.get(_url(case, asked, "cancel/")).status_code == 409


def test_another_cases_request_is_not_found(client, login, users, case, asked, journey):
    other, _ = journey("submitted", patient="patient2")
    login(users["coordinator"])
    for step in ("edit/", "letter.pdf", "cancel/"):
        assert client.get(f"/cases/{other.id}/records-requests/{asked.id}/{step}"
                          ).status_code == 404
    for step in ("sent/", "remind/", "received/"):
        assert client.post(f"/cases/{other.id}/records-requests/{asked.id}/{step}"
                           ).status_code == 404
    assert client.get(_url(case) + "00000000-0000-0000-0000-000000000000/edit/"
                      ).status_code == 404
    asked.refresh_from_db()
    assert asked.sent_on is None
    assert AuditEntry.objects.filter(action="records_request.edit.refused").exists()


def test_the_case_and_records_pages_link_to_the_requests(client, login, users, case):
    for role, shown in (("patient", True), ("coordinator", True)):
        login(users[role])
        assert (_url(case) in client.get(f"/cases/{case.id}/").content.decode()) == shown
        assert (_url(case) in client.get(f"/cases/{case.id}/records/").content.decode()
                ) == shown


def test_the_list_pages_and_says_when_there_is_none(client, login, users, case):
    login(users["patient"])
    assert "No provider has been asked" in client.get(_url(case)).content.decode()
    for n in range(23):
        do_request_records(case, {"provider_name": f"Provider {n}", "asked_text": "All"},
                           acting_user=users["coordinator"])
    first = client.get(_url(case)).content.decode()
    assert "Page 1 of 2" in first and first.count('class="records-request ') == 20


# --- the letter -------------------------------------------------------------------------

def test_the_letter_is_addressed_to_the_provider_and_lists_what_is_asked(
        client, login, users, case, asked, tmp_path):
    do_mark_request_sent(asked, acting_user=users["coordinator"])
    login(users["coordinator"])
    response = client.get(_url(case, asked, "letter.pdf"))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    assert "Authorization to release medical records" in text
    assert "Zebrafinch Imaging Clinic" in text and "7 Hill St" in text and "Fax +1 512" in text
    assert "The pathology report" in text and "CT of the chest, March 2026" in text
    assert f"request {str(asked.id)[:8]}" in text
    assert f"{asked.due_on:%-d %B %Y}" in text and "Patient's signature" in text
    assert "Riverside" not in text  # not the first opinion's institution nor its doctor


def test_removing_the_upload_keeps_the_request_received(case, users, asked):
    from consilium.records.actions import do_remove_record

    note = b"The CT report."
    [stored] = do_add_records(case, [Upload("ct.txt", io.BytesIO(note), len(note))],
                              acting_user=users["patient"])
    do_close_request(asked, record=str(stored.record.id), acting_user=users["coordinator"])
    do_remove_record(stored.record, acting_user=users["patient"])
    asked.refresh_from_db()
    assert asked.received_on is not None and asked.received_with is None

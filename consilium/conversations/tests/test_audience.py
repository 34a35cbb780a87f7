"""Messages have an audience: everyone on the case, or the care team only (coordinators and
the specialist who accepted the case). The policy per role; a care-team note never reaches
the patient, a caregiver or a shared physician on any surface (pages, API, unread counts,
notices, PDFs, FHIR exports); hostile input changes nothing."""

import io
import json

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from consilium.cases.actions import do_share_case, do_withdraw_case
from consilium.conversations.access import unread_count
from consilium.conversations.actions import do_send_message
from consilium.conversations.models import Audience, Message
from consilium.conversations.policy import policy
from consilium.errors import Conflict, InvalidInput, NotAllowed
from consilium.records.actions import Upload

NOTE = "Staff-only: the scan is borderline, ask Dr Weiss before telling anyone."
REPLY = "Care-team reply: agreed, hold the result."
CARE_TEAM = {"read", "post", "read_staff_notes", "post_staff_note"}
OUTSIDE = ("patient2", "caregiver2", "physician2", "specialist2", "admin")


@pytest.fixture
def shared(journey, users):
    """An accepted case the patient shared with a caregiver and their treating physician."""
    def build(upto="accepted"):
        case, consultation = journey(upto)
        do_share_case(case, "caregiver", acting_user=users["patient"])
        do_share_case(case, "physician", acting_user=users["patient"])
        return case, consultation
    return build


@pytest.fixture
def noted(shared, users):
    """The shared case with a care-team note and a reply to it."""
    def build(upto="accepted"):
        case, consultation = shared(upto)
        note = do_send_message(case, {"body": NOTE, "audience": "staff"},
                               acting_user=users["coordinator"])
        do_send_message(case, {"body": REPLY, "reply_to": str(note.id)},
                        acting_user=users["specialist"])
        return case, consultation
    return build


def test_the_policy_per_role(shared, journey, users):
    case, _ = shared()
    do_send_message(case, {"body": "Which dose did you take?", "blocking": True},
                    acting_user=users["specialist"])
    assert {name: policy.allowed(users[name], case) for name in (
        "patient", "caregiver", "physician", "coordinator", "specialist", *OUTSIDE)} == {
        "patient": {"read", "post", "answer"},
        "caregiver": {"read", "post", "answer"},
        "physician": {"read", "post"},  # writes to everyone; not the care team
        "coordinator": CARE_TEAM,
        "specialist": CARE_TEAM | {"ask_blocking"},
        **{name: set() for name in OUTSIDE},
    }
    refusal = policy.refusal(users["patient"], case, "post_staff_note")
    assert isinstance(refusal, NotAllowed) and "care-team notes" in refusal.message
    assert isinstance(policy.refusal(users["physician"], case, "read_staff_notes"), NotAllowed)

    offered, _ = journey("offered", patient="patient2")
    assert policy.allowed(users["specialist"], offered) == {"read", "post"}
    assert isinstance(policy.refusal(users["specialist"], offered, "ask_blocking"), Conflict)
    assert isinstance(policy.refusal(users["specialist"], offered, "post_staff_note"),
                      NotAllowed)


def test_a_closed_case_is_read_not_written(journey, users):
    case, _ = journey("submitted")
    do_withdraw_case(case, acting_user=users["patient"])
    assert policy.allowed(users["patient"], case) == {"read"}
    assert policy.allowed(users["coordinator"], case) == {"read", "read_staff_notes"}
    for user, audience in [(users["patient"], "case"), (users["coordinator"], "staff")]:
        with pytest.raises(Conflict):
            do_send_message(case, {"body": "Hello", "audience": audience}, acting_user=user)
    assert not Message.objects.exists()


def test_the_patient_side_never_writes_a_care_team_note(shared, users):
    case, _ = shared()
    for name in ("patient", "caregiver", "physician"):
        with pytest.raises(NotAllowed, match="write care-team notes"):
            do_send_message(case, {"body": "Just for you", "audience": "staff"},
                            acting_user=users[name])
    assert not Message.objects.exists()


def test_replies_follow_their_thread(shared, users):
    case, _ = shared()
    note = do_send_message(case, {"body": NOTE, "audience": "staff"},
                           acting_user=users["coordinator"])
    reply = do_send_message(case, {"body": REPLY, "reply_to": str(note.id)},
                            acting_user=users["specialist"])
    assert (note.audience, reply.audience) == (Audience.STAFF, Audience.STAFF)
    for name in ("patient", "caregiver", "physician"):  # the note is no thread for them
        with pytest.raises(InvalidInput) as refused:
            do_send_message(case, {"body": "What note?", "reply_to": str(reply.id)},
                            acting_user=users[name])
        assert refused.value.errors == {"reply_to": "That message is not part of this case."}
    question = do_send_message(case, {"body": "Any news?"}, acting_user=users["patient"])
    with pytest.raises(InvalidInput) as refused:
        do_send_message(case, {"body": "Between us", "audience": "staff",
                               "reply_to": str(question.id)}, acting_user=users["coordinator"])
    assert "audience" in refused.value.errors
    assert Message.objects.count() == 3


def test_a_care_team_note_never_stops_the_clock_nor_carries_files(shared, users):
    case, consultation = shared()
    with pytest.raises(InvalidInput) as refused:
        do_send_message(case, {"body": "Ask them?", "audience": "staff", "blocking": True},
                        acting_user=users["specialist"])
    assert "blocking" in refused.value.errors
    letter = Upload("letter.txt", io.BytesIO(b"Referral letter."), 16)
    with pytest.raises(InvalidInput) as refused:
        do_send_message(case, {"body": "The letter", "audience": "staff"},
                        acting_user=users["coordinator"], files=[letter])
    assert "files" in refused.value.errors  # a file would become a record the patient sees
    do_send_message(case, {"body": NOTE, "audience": "staff"}, acting_user=users["specialist"])
    consultation.refresh_from_db()
    assert consultation.waiting_on_patient_since is None
    assert not Message.objects.filter(blocking=True).exists() and case.records.count() == 0
    assert "answer" not in policy.allowed(users["patient"], case)


def test_unread_counts_leave_notes_out(noted, users):
    case, _ = noted()
    for name in ("patient", "caregiver", "physician"):
        assert unread_count(case, users[name]) == 0
    assert unread_count(case, users["coordinator"]) == 1  # the specialist's reply
    assert unread_count(case, users["specialist"]) == 0  # replying means having read
    do_send_message(case, {"body": "Hello everyone."}, acting_user=users["coordinator"])
    assert unread_count(case, users["patient"]) == 1


def test_notices_of_a_note_go_to_the_care_team_only(shared, users, settings,
                                                   django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    case, _ = shared()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        do_send_message(case, {"body": NOTE, "audience": "staff"},
                        acting_user=users["coordinator"])
    assert [m.to[0] for m in mail.outbox] == [users["specialist"].email]
    assert all("borderline" not in m.body + m.subject for m in mail.outbox)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        do_send_message(case, {"body": "Hello everyone."}, acting_user=users["coordinator"])
    told = sorted(m.to[0] for m in mail.outbox)
    assert told == sorted(users[n].email for n in ("patient", "caregiver", "physician",
                                                   "specialist"))


def _pdf_text(response) -> str:
    assert response.status_code == 200, response.status_code
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.parametrize("name", ["patient", "caregiver", "physician"])
def test_no_surface_shows_a_note_to_the_patient_side(noted, users, client, login, api, name):
    case, consultation = noted("opinion_delivered")
    user = users[name]
    login(user)
    shown = {
        "messages page": client.get(f"/cases/{case.id}/messages/").content.decode(),
        "case page": client.get(f"/cases/{case.id}/").content.decode(),
        "messages API": api(user, "GET", f"/cases/{case.id}/messages").content.decode(),
        "case API": api(user, "GET", f"/cases/{case.id}").content.decode(),
        "events API": api(user, "GET", f"/cases/{case.id}/events").content.decode(),
        "records API": api(user, "GET", f"/cases/{case.id}/records").content.decode(),
        "opinion FHIR": api(user, "GET", f"/cases/{case.id}/opinion.fhir.json"
                            ).content.decode(),
        "report PDF": _pdf_text(client.get(
            f"/consultations/{consultation.id}/opinion/report.pdf")),
        "summary PDF": _pdf_text(client.get(
            f"/consultations/{consultation.id}/opinion/summary.pdf")),
        "decision summary PDF": _pdf_text(client.get(f"/cases/{case.id}/decide/summary.pdf")),
        "case packet PDF": _pdf_text(client.get(f"/cases/{case.id}/packet/")),
        "consultation FHIR": api(user, "GET", f"/cases/{case.id}/consultation.fhir.json"
                                 ).content.decode(),
    }
    if name == "patient":
        shown["journal PDF"] = _pdf_text(client.get(f"/cases/{case.id}/journal.pdf"))
    for surface, text in shown.items():
        assert "borderline" not in text and "hold the result" not in text, surface
        assert "Care team only" not in text, surface
    listed = json.loads(shown["messages API"])
    assert listed["threads"] == [] and listed["unread"] == 0
    assert "1 new" not in shown["case page"] and "No messages yet" in shown["messages page"]
    assert "post_staff_note" not in listed["allowed_actions"]


def test_the_care_team_sees_notes_marked(noted, users, client, login, api):
    case, _ = noted()
    login(users["coordinator"])
    page = client.get(f"/cases/{case.id}/messages/").content.decode()
    assert NOTE in page and REPLY in page
    assert "Care team only" in page and "staff-thread" in page
    assert "Care team only — the patient will not see this" in page  # the choice
    assert "Reply to the care team" in page and "A care-team note cannot carry files" in page
    listed = api(users["specialist"], "GET", f"/cases/{case.id}/messages").json()
    (thread,) = listed["threads"]
    assert thread["audience"] == "staff" and thread["replies"][0]["audience"] == "staff"
    assert "post_staff_note" in listed["allowed_actions"]
    login(users["patient"])
    assert "Care team only" not in client.get(f"/cases/{case.id}/messages/").content.decode()


def test_the_page_form(shared, users, client, login):
    case, _ = shared()
    login(users["coordinator"])
    sent = client.post(f"/cases/{case.id}/messages/", {"body": NOTE, "audience": "staff"})
    assert sent.status_code == 302
    assert Message.objects.get().audience == Audience.STAFF
    for bad in ("STAFF", "everyone", "1"):
        refused = client.post(f"/cases/{case.id}/messages/", {"body": "x", "audience": bad})
        assert refused.status_code == 422
    refused = client.post(f"/cases/{case.id}/messages/", {
        "body": "With a file", "audience": "staff",
        "files": [SimpleUploadedFile("notes.txt", b"My notes.")]})
    assert refused.status_code == 422 and "Files become records" in refused.content.decode()
    login(users["patient"])
    page = client.get(f"/cases/{case.id}/messages/").content.decode()
    assert "Care team only" not in page and 'name="audience"' not in page
    refused = client.post(f"/cases/{case.id}/messages/", {"body": "Psst", "audience": "staff"})
    assert refused.status_code == 403
    sent = client.post(f"/cases/{case.id}/messages/", {"body": "Hello", "audience": ""})
    assert sent.status_code == 302  # no choice: to everyone
    assert list(Message.objects.values_list("audience", flat=True).order_by("created_at")) == [
        "staff", "case"]
    assert case.records.count() == 0


def test_the_api_audience(shared, users, api):
    case, _ = shared()
    path = f"/cases/{case.id}/messages"
    sent = api(users["coordinator"], "POST", path, {"body": NOTE, "audience": "staff"})
    assert sent.status_code == 201 and sent.json()["audience"] == "staff"
    default = api(users["patient"], "POST", path, {"body": "Hello"})
    assert default.status_code == 201 and default.json()["audience"] == "case"
    refused = api(users["patient"], "POST", path, {"body": "Psst", "audience": "staff"})
    assert refused.status_code == 403
    assert "care-team notes" in refused.json()["detail"]
    for name in ("caregiver", "physician"):
        assert api(users[name], "POST", path, {"body": "Psst", "audience": "staff"}
                   ).status_code == 403
    for bad in ("STAFF", "", 123, None, ["staff"], {"staff": True}, "case "):
        refused = api(users["coordinator"], "POST", path, {"body": "x", "audience": bad})
        assert refused.status_code == 422, (bad, refused.content)
    assert Message.objects.count() == 2


def test_the_openapi_spec_lists_the_audiences(client):
    spec = client.get("/api/v1/openapi.json").json()
    schemas = spec["components"]["schemas"]
    audience = schemas["MessageIn"]["properties"]["audience"]
    ref = audience.get("$ref") or audience.get("allOf", [{}])[0].get("$ref")
    enum = schemas[ref.rsplit("/", 1)[1]]["enum"] if ref else audience["enum"]
    assert sorted(enum) == ["case", "staff"] and audience.get("default") == "case"
    assert "audience" in schemas["MessageOut"]["required"]

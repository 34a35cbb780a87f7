"""The access matrix: every page and every API operation, as every role, leaks nothing.

Each URL pattern of the project and each operation of the OpenAPI spec is called as anonymous,
the patient, the other patient, a caregiver and treating physician with and without the
patient's share, the coordinator, the assigned and the other specialist, and an administrator,
against one case that has everything (records, imaging, messages, an opinion, a plan, a story,
an appointment, a shared report). Who may read each is written in READERS below; everyone else
must be refused (sign-in, 401, 403, 404 or 405) without any of the case's words in the answer,
and their writes must change nothing. A URL or operation missing from the table fails, so a new
one cannot land without its access rule.
"""

import base64
import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from pypdf import PdfReader

from consilium.accounts.actions import do_invite_member
from consilium.accounts.models import ApiToken
from consilium.api import api as ninja_api
from consilium.appointments.actions import do_schedule_appointment
from consilium.audit.models import AuditEntry
from consilium.cases import actions as case_actions
from consilium.conftest import PASSWORD, authenticator_app
from consilium.conversations.actions import do_send_message
from consilium.decisions.actions import do_record_decision
from consilium.followup.actions import do_add_task, do_start_plan
from consilium.followup.models import FollowUpTask, OutcomeCheck
from consilium.journal.actions import do_add_note
from consilium.opinions.sharing import do_share_report
from consilium.records.actions import Upload, do_add_records
from consilium.records.models import ImagingSeries, PendingUpload, Record
from consilium.records.request_actions import do_request_records
from consilium.records.tests.identities import confirm_held
from consilium.stories.actions import do_draft_story

ROLES = ["anonymous", "patient", "patient2", "caregiver", "caregiver2", "physician",
         "physician2", "coordinator", "specialist", "specialist2", "admin"]
SIGNED_IN = set(ROLES) - {"anonymous"}
# Who may see the case: its patient, those it is shared with, the coordinator, its specialist.
CASE = {"patient", "caregiver", "physician", "coordinator", "specialist"}
PATIENT = {"patient"}
# Words that only the case holds: none may appear in an answer to someone who may not see it.
SECRETS = ["Quintanilla", "Breast cancer", "Mastectomy", "zebra-journal", "zebra-message",
           "zebra-story", "zebra-staffnote"]
# The words of a care-team note: never in any answer to the patient's side.
STAFF_NOTE = "zebra-staffnote"
PATIENT_SIDE = ["patient", "caregiver", "physician"]

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "dicom-samples"
CT = SAMPLES / "cornerstonejs-dicomParser" / "CT1_UNC.explicit_little_endian.dcm"


@pytest.fixture
def world(journey, users, specialists, settings):
    """One case with something of every kind, and the IDs to fill every URL with."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    patient = users["patient"]
    patient.first_name, patient.last_name = "Mariela", "Quintanilla"
    patient.save()
    case, consultation = journey("opinion_delivered")
    case_actions.do_share_case(case, "caregiver", acting_user=patient)
    case_actions.do_share_case(case, "physician", role="physician", acting_user=patient)
    with CT.open("rb") as scan:
        do_add_records(case, [Upload("scan.dcm", scan, CT.stat().st_size)], acting_user=patient)
    confirm_held(case, patient)  # the sample names its own fake patient: held, then confirmed
    record = Record.objects.filter(case=case).first()
    series = ImagingSeries.objects.filter(case=case).first()
    do_add_note(case, "zebra-journal: a note of mine", acting_user=patient)
    do_send_message(case, {"body": "zebra-message for the team"}, acting_user=patient)
    do_send_message(case, {"body": f"{STAFF_NOTE}: between us", "audience": "staff"},
                    acting_user=users["coordinator"])
    story, _ = do_draft_story(case, "My story", "zebra-story: it helped to ask.",
                              acting_user=patient)
    appointment = do_schedule_appointment(consultation, {
        "kind": "in_person", "place": "12 Main St",
        "starts_at": (timezone.now() + timedelta(days=7)).replace(tzinfo=None, microsecond=0),
        "time_zone": "America/Denver", "minutes": 30}, acting_user=users["specialist"])
    report_share = do_share_report(consultation.opinion, "outside@example.org", 7, True,
                                   acting_user=patient)
    do_record_decision(case, "second_opinion", "It keeps the breast.",
                       acting_user=patient)
    case.refresh_from_db()
    do_start_plan(case, acting_user=patient)
    do_add_task(case, {"title": "Mammogram", "kind": "monitoring", "owner": "patient",
                       "due_date": str(timezone.localdate() + timedelta(days=30))},
                acting_user=patient)
    upload = PendingUpload.objects.create(case=case, user=patient, name="big.pdf",
                                          length=10_000)
    asked = do_request_records(case, {"provider_name": "Quintanilla Family Practice",
                                      "asked_text": "Notes"}, acting_user=users["coordinator"])
    token = ApiToken.issue(patient, "integration")[0]
    app = authenticator_app(patient)  # a patient may add a second factor; only they remove it
    invitation, _ = do_invite_member("new.member@hospital.example", "coordinator",
                                     acting_user=users["admin"])
    authenticator_app(users["specialist2"])  # a member whose second factor could be reset
    return {
        "case": case,
        "ids": {
            "case_id": case.id, "consultation_id": consultation.id, "record_id": record.id,
            "series_id": series.id, "index": 0, "share_id": case.shares.first().id,
            "task_id": FollowUpTask.objects.filter(case=case).first().id,
            "check_id": OutcomeCheck.objects.filter(case=case).first().id,
            "story_id": story.id, "appointment_id": appointment.id, "upload_id": upload.id,
            "token_id": token.id, "request_id": asked.id, "authenticator_id": app.id,
            "invitation_id": invitation.id, "member_id": users["specialist2"].id,
            "specialist_id": specialists["specialist"].id,
            "kind": "summary", "token": "not-a-real-token", "uidb64": "MQ",
            "key": "not-a-real-key", "provider_id": "hospital",
        },
        "report_share": report_share,
    }


def page_patterns():
    """Every URL pattern outside the API and the Django admin, as (name, route)."""
    found = []

    def walk(resolver, prefix):
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if route.startswith(("api/", "admin/")):
                    continue
                walk(pattern, route)
            elif isinstance(pattern, URLPattern):
                found.append((pattern.name, route))

    walk(get_resolver(), "")
    return sorted(set(found))


def fill(route: str, ids: dict) -> str:
    """Replace each ``<converter:name>`` or ``{name}`` in a route with the world's ID."""
    def value(match):
        return str(ids[match.group(1)])
    route = re.sub(r"<(?:\w+:)?(\w+)>", value, route)
    return "/" + re.sub(r"\{(\w+)\}", value, route).lstrip("/")


def api_operations():
    """Every operation of the OpenAPI spec, as (operationId, method, path)."""
    spec = ninja_api.get_openapi_schema()
    return sorted((op["operationId"], method.upper(), path)
                  for path, methods in spec["paths"].items()
                  for method, op in methods.items())



ANYONE = set(ROLES)
STAFF_OF_CASE = {"coordinator", "specialist"}
# Who may use each page (by URL name). Everyone else is refused, reading or writing.
PAGES = {
    **dict.fromkeys([
        "home", "login", "logout", "password_reset", "password_reset_done",
        "password_reset_confirm", "password_reset_complete", "assess", "assess_start",
        "assess_continue", "icd10_suggestions", "public_stories", "public_story",
        "how_we_compare",
        # The link's token is the credential; the one here is made up, so all are refused.
        "shared_report", "shared_report_pdf", "accept_invitation", "join",
        # Patients' own sign-up (django-allauth); its confirmation key here is made up.
        "account_login", "account_signup", "account_email_verification_sent",
        "account_confirm_email",
        # Staff single sign-on's start and return (accounts/sso.py): sign-in pages.
        "openid_connect_login", "openid_connect_callback",
        # For load balancers: database, storage, the task queue's length; no health data.
        "health",
    ], ANYONE),
    # Prometheus's, with CONSILIUM_METRICS_TOKEN only (none here: 404 for every role).
    "metrics": set(),
    **dict.fromkeys([
        "account", "two_factor", "password_change", "password_change_done", "email_change",
        "devices", "recovery_codes", "add_passkey", "time_zone",
        "specialist_list", "place_suggestions",
    ], SIGNED_IN),
    "case_list": SIGNED_IN - {"admin"},  # administrators see no cases (cases.access)
    "case_new": {"patient", "patient2"},
    "identity": {"patient", "patient2"},  # a patient's own, on their account
    "my_data": {"patient", "patient2"},  # download everything about me: the patient's own
    "close_account": {"patient", "patient2"},  # closing one's own account
    "my_availability": {"specialist", "specialist2"},
    "specialist_edit": {"coordinator", "admin"},
    "work_queue": {"coordinator"},
    "queue_views": {"coordinator"},  # a coordinator's own saved views of the queue
    "case_owner": {"coordinator"},  # cases.policy take_on
    "case_procedure_date": {"patient", "coordinator"},  # cases.policy plan_procedure
    # cases.policy write_intake: the coordinators; here the opinion is signed, so 409
    "case_intake": {"coordinator"},
    "program_figures": {"coordinator", "admin"},
    "program_figures_csv": {"coordinator", "admin"},
    "program_figures_cases_csv": {"coordinator", "admin"},
    **dict.fromkeys(["story_review_list", "story_review"], {"admin"}),
    "program_settings": {"admin"},  # terms.policy: administrators only
    # The program's staff accounts (accounts/policy.py: administrators only).
    **dict.fromkeys(["members", "invitation_resend", "invitation_revoke",
                     "member_reset_second_factor", "member_setup_link"], {"admin"}),
    "story_take_down": {"admin", "patient"},  # the patient's own story, from its public page
    **dict.fromkeys([
        "case_detail", "case_edit", "case_records", "record_download", "record_deidentified",
        "record_preview", "record_set_type", "record_upload", "health_history",
        "imaging_export", "series_viewer", "series_image", "series_export", "case_packet",
        "case_comparison", "decision_aid", "decision_summary", "follow_up_plan",
        "follow_up_ics", "follow_up_add", "follow_up_mark", "follow_up_outcome",
        "appointment_ics", "case_withdraw", "case_submit", "case_close", "case_follow_up",
        "case_mark_records", "third_opinion", "comparison_review", "case_decision",
        "consultation_accept", "consultation_decline", "opinion_edit", "opinion_autosave",
        "opinion_sign", "opinion_follow_up", "opinion_addendum", "opinion_report",
        "upload_create", "upload_part",
    ], CASE),
    # The summary's reading grade: the opinion policy's edit (its author; here it is signed, so
    # 409), everyone else 403 or 404.
    "opinion_readability": {"specialist"},
    "record_remove": {"patient", "coordinator"},  # records.policy remove
    "case_messages": CASE,
    "record_confirm": {"patient", "coordinator"},  # records.policy see_held / settle_hold
    # all the held records of one file at once: the same rules as for one
    "record_remove_upload": {"patient", "coordinator"},
    "record_confirm_upload": {"patient", "coordinator"},
    # records.policy mark_checklist (the patient) / confirm_checklist (a coordinator)
    "checklist_mark": {"patient", "coordinator"},
    # records.policy see_requests / add_request (the patient and the coordinators) and
    # manage_requests (the coordinators)
    **dict.fromkeys(["records_requests", "records_request_new", "records_request_letter"],
                    {"patient", "coordinator"}),
    **dict.fromkeys(["records_request_edit", "records_request_sent", "records_request_remind",
                     "records_request_received", "records_request_cancel"], {"coordinator"}),
    **dict.fromkeys(["case_matches", "case_offer", "case_confirm_system",
                     "case_unconfirm_system", "case_confirm_institution",
                     "case_unconfirm_institution"], {"coordinator"}),
    # A combined review's part (consultations: is_part): asked for by the coordinators (here
    # the opinion is signed, so 409); the part's pages are its own specialist's alone, and the
    # world's consultation leads the review, so everyone is refused (test_combined_review.py
    # walks a part's specialist through them).
    "case_offer_part": {"coordinator"},
    **dict.fromkeys(["part_edit", "part_sign"], set()),
    # The case's consultation is completed: the coordinator and its specialist are answered
    # 409 (not in this state), everyone else refused.
    "consultation_withdraw": {"coordinator"},
    "consultation_release": {"specialist"},
    **dict.fromkeys(["appointment_new", "appointment_edit", "appointment_cancel"],
                    STAFF_OF_CASE),
    **dict.fromkeys([
        "journal", "journal_pdf", "case_story", "case_story_unpublish", "release_request",
        "report_share", "report_share_revoke", "case_share", "case_unshare",
        "revoke_token",  # the patient's own token
        "remove_device",  # the patient's own authenticator app
    ], PATIENT),
}
# Who may call each API operation (by the name of its function).
OPERATIONS = {
    **dict.fromkeys(["icd10", "icd10_search", "triage"], ANYONE),
    **dict.fromkeys(["me", "list_cases", "create_case", "list_specialists",
                     "search_specialists_posted"], SIGNED_IN),
    **dict.fromkeys([
        "get_case", "update_case", "submit_case", "withdraw_case", "mark_records_complete",
        "close_case", "list_events", "list_consultations", "record_decision", "opinion_fhir",
        "consultation_fhir", "list_records", "add_records", "record_content",
        "record_deidentified", "send_message", "comparison", "third_opinion",
        "get_consultation", "accept", "decline", "get_opinion", "save_opinion",
        "sign_opinion", "ask_follow_up", "add_addendum",
    ], CASE),
    "remove_record": {"patient", "coordinator"},
    "list_messages": CASE,
    "confirm_record": {"patient", "coordinator"},
    "remove_upload": {"patient", "coordinator"},  # all the held records of one file at once
    "confirm_upload": {"patient", "coordinator"},
    **dict.fromkeys(["case_matches", "offer_consultation", "offer_part"], {"coordinator"}),
    **dict.fromkeys(["get_part", "save_part", "sign_part"], set()),  # as part_edit above
    "set_case_owner": {"coordinator"},  # cases.policy take_on
    "plan_procedure": {"patient", "coordinator"},  # cases.policy plan_procedure
    "get_intake": CASE,  # cases.policy read_intake: whoever sees the case
    "save_intake": {"coordinator"},  # write_intake; here the opinion is signed, so 409
    # records.policy see_requests / add_request and manage_requests, as their pages
    **dict.fromkeys(["list_records_requests", "get_records_request", "request_records"],
                    {"patient", "coordinator"}),
    **dict.fromkeys(["change_records_request", "mark_request_sent", "remind_request",
                     "mark_request_received", "cancel_request"], {"coordinator"}),
    "withdraw": {"coordinator"},
    "release": {"specialist"},
    # The patient's own data and account (mydata/api.py).
    **dict.fromkeys(["export_my_data", "close_my_account"], {"patient", "patient2"}),
}
# A body that would be accepted from someone allowed, so that a refusal is the access rule's
# and not a missing field's.
BODIES = {
    "update_case": {"diagnosis_text": "changed"},
    "offer_consultation": {"specialist_id": "{specialist2_id}"},
    "offer_part": {"specialist_id": "{specialist2_id}", "asked": "Re-read the slides."},
    "save_part": {"findings": "Changed.", "version": 0},
    "sign_part": {"password": PASSWORD},
    "record_decision": {"choice": "second_opinion"},
    "send_message": {"body": "hello"},
    "decline": {"reason": "No capacity"},
    "withdraw": {"reason": "Offered by mistake"},
    "release": {"reason": "Away next month"},
    "sign_opinion": {"password": PASSWORD},
    "ask_follow_up": {"text": "What about radiation?"},
    "add_addendum": {"body": "An addendum.", "password": PASSWORD},
    "save_opinion": {"version": 1, "reasoning": "Changed."},
    "create_case": {"diagnosis_text": "Breast cancer", "treatment_category": "surgery"},
    "close_my_account": {"password": PASSWORD, "confirm": True},
    "set_case_owner": {"owner_id": "me"},
    "plan_procedure": {"planned_procedure_on": "2030-01-02"},
    "save_intake": {"key_question": "Is surgery needed?", "version": 0},
    "request_records": {"provider_name": "Elsewhere Clinic", "asked_text": "Notes"},
    "change_records_request": {"provider_name": "Elsewhere Clinic"},
}
PAGE_BODIES = {
    "case_share": {"who": "caregiver2@example.org"},
    "case_decision": {"choice": "second_opinion"},
    "case_messages": {"body": "hello"},
    "journal": {"text": "a note"},
    "follow_up_add": {"title": "x", "kind": "test", "owner": "patient",
                      "due_date": "2030-01-01"},
    "case_offer": {"specialist_id": "{specialist2_id}"},
    "case_offer_part": {"intent": "ask", "specialist_id": "{specialist2_id}",
                        "asked": "Re-read the slides."},
    "part_edit": {"findings": "Changed.", "version": 0},
    "part_sign": {"confirm": "on", "password": PASSWORD},
    "case_confirm_system": {"system_id": "new", "name": "Elsewhere Health"},
    "case_confirm_institution": {"institution_id": "none"},
    "consultation_decline": {"reason": "No capacity"},
    "consultation_withdraw": {"reason": "Offered by mistake"},
    "consultation_release": {"reason": "Away next month"},
    "report_share": {"email": "doctor@example.org", "days": 7, "consent": "on"},
    "time_zone": {"time_zone": "Europe/Paris"},
}
REFUSED = {302, 401, 403, 404, 405, 410}
# The methods each page is tried with (tus uploads speak HEAD and PATCH), and their headers.
PAGE_METHODS = {"upload_part": ("HEAD", "PATCH")}


def _tus_headers(ids: dict) -> dict:
    def b64(text):
        return base64.b64encode(str(text).encode()).decode()
    return {"Tus-Resumable": "1.0.0", "Upload-Length": "10", "Upload-Offset": "0",
            "Upload-Metadata": f"case {b64(ids['case_id'])},filename {b64('a.pdf')}"}


def operation_name(operation_id: str) -> str:
    return operation_id.split("_api_", 1)[1]


def test_every_page_and_operation_has_an_access_rule():
    assert sorted(name for name, _ in page_patterns() if name not in PAGES) == []
    names = [operation_name(op) for op, _, _ in api_operations()]
    assert sorted(name for name in names if name not in OPERATIONS) == []


def _rows():
    """How many rows each of Consilium's own tables holds (the audit trail apart)."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()
            if model.__module__.startswith("consilium.") and model._meta.app_label != "audit"
            and model._meta.managed}


class _Undo(Exception):
    pass


def _refused(client, method, url, data, secrets, **extra) -> tuple[int, list, dict, list]:
    """Send a request in a savepoint that is rolled back; return what it did."""
    last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    before = _rows()
    try:
        with transaction.atomic():
            response = client.generic(method, url, data, **extra)
            body = (b"".join(response.streaming_content) if response.streaming
                    else response.content)
            leaked = [word for word in secrets if word.encode() in body]
            after = _rows()
            changed = {k: after[k] - before[k] for k in after if after[k] != before[k]}
            # A refused request is audited as refused only: no read, no write.
            writes = [action for action in AuditEntry.objects.filter(id__gt=last)
                      .values_list("action", flat=True) if not action.endswith(".refused")]
            outcome = (response.status_code, leaked, changed, writes)
            raise _Undo
    except _Undo:
        return outcome


def _fill_body(body: dict, ids: dict) -> dict:
    return {key: (int(str(value).format(**ids)) if str(value).startswith("{") else value)
            for key, value in body.items()}


@pytest.mark.parametrize("role", ROLES)
def test_no_page_or_operation_leaks_to_someone_it_is_not_for(world, users, specialists, login,
                                                              token_for, role):
    ids = {**world["ids"], "specialist2_id": specialists["specialist2"].id}
    client = Client()
    headers = {}
    if role != "anonymous":
        login(users[role], client)
        headers = {"Authorization": f"Bearer {token_for(users[role])}"}
    problems = []
    tus = _tus_headers(ids)
    # The patient's own name is on every page they see.
    secrets = [word for word in SECRETS if role != "patient" or word != "Quintanilla"]
    for name, route in page_patterns():
        if role in PAGES.get(name, ()):
            continue
        url = fill(route, ids)
        body = urlencode(_fill_body(PAGE_BODIES.get(name, {}), ids))
        for method in PAGE_METHODS.get(name, ("GET", "POST")):
            if method == "PATCH":
                data, kind = b"0123456789", "application/offset+octet-stream"
            else:
                data, kind = (body if method == "POST" else ""), "application/x-www-form-urlencoded"
            status, leaked, changed, writes = _refused(client, method, url, data, secrets,
                                                       content_type=kind, headers=tus)
            if status not in REFUSED or leaked or changed or writes:
                problems.append(f"{method} {url} ({name}): {status} {leaked} {changed} {writes}")
    api_client = Client()
    for operation_id, method, path in api_operations():
        name = operation_name(operation_id)
        if role in OPERATIONS.get(name, ()):
            continue
        url = fill(path, ids)
        body, kind = json.dumps(_fill_body(BODIES.get(name, {}), ids)), "application/json"
        if name == "add_records":
            body = encode_multipart(BOUNDARY, {"files": SimpleUploadedFile("a.txt", b"notes")})
            kind = MULTIPART_CONTENT
        status, leaked, changed, writes = _refused(api_client, method, url, body, secrets,
                                                   content_type=kind, headers=headers)
        if status not in REFUSED or leaked or changed or writes:
            problems.append(f"API {method} {url} ({name}): {status} {leaked} {changed} {writes}")
    assert problems == [], "\n".join(problems)


def _text(response) -> str:
    """What an answer says, PDFs and zips opened (their text is compressed)."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body.startswith(b"%PDF"):
        return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return " ".join(archive.read(name).decode("latin-1") for name in archive.namelist())
    return body.decode("latin-1")


@pytest.mark.parametrize("role", PATIENT_SIDE)
def test_no_page_or_operation_shows_a_care_team_note_to_the_patient_side(
        world, users, login, token_for, role):
    """Everything the patient, a caregiver or a shared physician may read (every page, PDF,
    export and API answer, as GET) leaves the care team's note out."""
    ids = world["ids"]
    client = login(users[role], Client())
    shown = {}
    for name, route in page_patterns():
        if role in PAGES.get(name, ()) and name not in PAGE_METHODS:
            shown[name] = _text(client.get(fill(route, ids)))
    headers = {"Authorization": f"Bearer {token_for(users[role])}"}
    for operation_id, method, path in api_operations():
        name = operation_name(operation_id)
        if method == "GET" and role in OPERATIONS.get(name, ()):
            shown[f"API {name}"] = _text(Client().get(fill(path, ids), headers=headers))
    problems = [name for name, text in shown.items() if STAFF_NOTE in text]
    assert problems == []
    assert "zebra-message" in shown["case_messages"] and "zebra-message" in shown[
        "API list_messages"]  # the walk read the real thing

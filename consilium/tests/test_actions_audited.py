"""Every action (a ``do_*`` function) writes its audit row, and its case Event when it changes
a case, in the same transaction as its other writes.

Like Zulip's audit-log tests, the actions are listed: ``ACTIONS`` names each one with a small
scenario on real objects, the audit action it must write and the Event kinds it must add (or
why it adds none). The actions themselves are found by reading the source, so a new ``do_*``
function without its line here fails ``test_every_action_has_a_scenario``.

"Same transaction" is seen in the SQL: every INSERT, UPDATE and DELETE the action sends is
noted with the savepoints open at that moment, and all of them must lie inside one block the
action opened (so a failure after the change rolls the audit row and the event back with it,
and the other way round).
"""

import ast
import importlib
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from consilium.accounts.models import ApiToken, Role
from consilium.audit.models import AuditEntry
from consilium.cases.models import Event
from consilium.conftest import FIRST_OPINION, PASSWORD, sign_request

PACKAGE = Path(__file__).resolve().parents[1]


def discovered_actions() -> dict[str, object]:
    """Every top-level ``do_*`` function in the package outside tests and migrations, by its
    dotted name below ``consilium`` ("cases.actions.do_close_case")."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if "tests" in parts or "migrations" in parts or parts[-1] == "conftest":
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        names = [node.name for node in tree.body
                 if isinstance(node, ast.FunctionDef) and node.name.startswith("do_")]
        if names:
            module = importlib.import_module("consilium." + ".".join(parts))
            for name in names:
                found[".".join((*parts, name))] = getattr(module, name)
    return found


@dataclass
class Action:
    audit: str                    # the audit row's action
    events: tuple[str, ...] = ()  # the case Event kinds it adds (at least these)
    no_event: str = ""            # why it adds none, when it adds none
    setup: object = None          # world -> a function that takes the action once


ACTIONS: dict[str, Action] = {}


def action(name: str, audit: str, *events: str, no_event: str = ""):
    assert bool(events) != bool(no_event), f"{name}: events, or the reason there are none"

    def register(setup):
        ACTIONS[name] = Action(audit, events, no_event, setup)
        return setup
    return register


NOT_A_CASE = "an account or directory change, not a step of a case: the audit row is its trail"


class World:
    """The conftest's users, specialists and journeys, and a few shortcuts over them."""

    def __init__(self, users, specialists, journey, settings):
        self.users, self.specialists, self.journey = users, specialists, journey
        settings.VIDEO_URL_TEMPLATE = "https://video.example.org/room-{room}"

    def __getitem__(self, name):
        return self.users[name]

    def delivered(self):
        """A case whose signed opinion the patient has; (case, consultation)."""
        return self.journey("opinion_delivered")

    def decided(self):
        from consilium.decisions.actions import do_record_decision

        case, consultation = self.delivered()
        do_record_decision(case, "second_opinion", "", acting_user=self["patient"])
        case.refresh_from_db()
        return case, consultation

    def following_up(self):
        from consilium.followup.actions import do_start_plan

        case, consultation = self.decided()
        do_start_plan(case, acting_user=self["patient"])
        case.refresh_from_db()
        return case, consultation

    def report_share(self):
        from consilium.opinions.sharing import do_share_report

        _, consultation = self.delivered()
        return do_share_report(consultation.opinion, "dr.out@clinic.test", 14, True,
                               acting_user=self["patient"])

    def appointment(self):
        from consilium.appointments.actions import do_schedule_appointment

        _, consultation = self.journey("accepted")
        return do_schedule_appointment(consultation, appointment_at(9),
                                       acting_user=self["coordinator"])

    def story(self):
        from consilium.stories.actions import do_draft_story

        case, _ = self.delivered()
        story, _ = do_draft_story(case, "My story", "A lumpectomy worked for me.",
                                  acting_user=self["patient"])
        return story

    def sent_story(self):
        from consilium.stories.actions import do_submit_story

        story = self.story()
        return do_submit_story(story, story.title, story.text, True,
                               acting_user=self["patient"])


def appointment_at(hour: int) -> dict:
    denver = ZoneInfo("America/Denver")
    day = timezone.now().astimezone(denver).date() + timedelta(days=7)
    return {"kind": "video", "starts_at": datetime(day.year, day.month, day.day, hour, 30),
            "time_zone": "America/Denver", "minutes": 30}


# --- cases ------------------------------------------------------------------------------

@action("cases.actions.do_create_case", "case.create", "created")
def _create_case(w):
    from consilium.cases.actions import do_create_case
    return lambda: do_create_case(dict(FIRST_OPINION), acting_user=w["patient"])


@action("cases.actions.do_update_case", "case.update", "edited")
def _update_case(w):
    from consilium.cases.actions import do_update_case
    case, _ = w.journey("draft")
    return lambda: do_update_case(case, {"treatment_description": "Mastectomy, then tamoxifen"},
                                  acting_user=w["patient"])


@action("cases.actions.do_submit_case", "case.submitted", "status")
def _submit_case(w):
    from consilium.cases.actions import do_submit_case
    case, _ = w.journey("draft")
    return lambda: do_submit_case(case, acting_user=w["patient"])


@action("cases.actions.do_withdraw_case", "case.withdrawn", "status")
def _withdraw_case(w):
    from consilium.cases.actions import do_withdraw_case
    case, _ = w.journey("offered")
    return lambda: do_withdraw_case(case, acting_user=w["patient"])


@action("cases.actions.do_mark_records_complete", "case.records_complete", "status")
def _records_complete(w):
    from consilium.cases.actions import do_mark_records_complete
    case, _ = w.journey("submitted")
    return lambda: do_mark_records_complete(case, acting_user=w["coordinator"])


@action("cases.actions.do_start_follow_up", "case.following_up", "status")
def _start_follow_up(w):
    from consilium.cases.actions import do_start_follow_up
    case, _ = w.decided()
    return lambda: do_start_follow_up(case, acting_user=w["patient"])


@action("cases.actions.do_close_case", "case.closed", "status")
def _close_case(w):
    from consilium.cases.actions import do_close_case
    case, _ = w.decided()
    return lambda: do_close_case(case, acting_user=w["patient"])


@action("cases.actions.do_share_case", "case.share", "shared")
def _share_case(w):
    from consilium.cases.actions import do_share_case
    case, _ = w.journey("submitted")
    return lambda: do_share_case(case, "caregiver", acting_user=w["patient"])


@action("cases.actions.do_accept_invitation", "case.share.accept", "shared")
def _accept_invitation(w):
    from consilium.accounts.tokens import new_token
    from consilium.cases.actions import do_accept_invitation
    from consilium.cases.models import Invitation
    case, _ = w.journey("submitted")
    raw, key_hash = new_token("inv_")
    Invitation.objects.create(case=case, email="sister@example.net", role="caregiver",
                              key_hash=key_hash, invited_by=w["patient"],
                              expires_at=timezone.now() + timedelta(days=7))
    return lambda: do_accept_invitation(raw, {"username": "sister", "password": PASSWORD})


@action("cases.actions.do_revoke_share", "case.unshare", "unshared")
def _revoke_share(w):
    from consilium.cases.actions import do_revoke_share, do_share_case
    case, _ = w.journey("submitted")
    share = do_share_case(case, "caregiver", acting_user=w["patient"])
    return lambda: do_revoke_share(case, share.id, acting_user=w["patient"])


@action("cases.actions.do_confirm_system", "case.confirm_system", "system_confirmed")
def _confirm_system(w):
    from consilium.cases.actions import do_confirm_system
    case, _ = w.journey("submitted")
    return lambda: do_confirm_system(case, "new", name="Elsewhere Health",
                                     acting_user=w["coordinator"])


@action("cases.actions.do_unconfirm_system", "case.unconfirm_system", "system_unconfirmed")
def _unconfirm_system(w):
    from consilium.cases.actions import do_confirm_system, do_unconfirm_system
    case, _ = w.journey("submitted")
    do_confirm_system(case, "new", name="Elsewhere Health", acting_user=w["coordinator"])
    return lambda: do_unconfirm_system(case, acting_user=w["coordinator"])


@action("cases.actions.do_confirm_institution", "case.confirm_institution",
        "facility_confirmed")
def _confirm_institution(w):
    from consilium.cases.actions import do_confirm_institution
    case, _ = w.journey("submitted")
    return lambda: do_confirm_institution(case, "none", acting_user=w["coordinator"])


@action("cases.actions.do_unconfirm_institution", "case.unconfirm_institution",
        "facility_unconfirmed")
def _unconfirm_institution(w):
    from consilium.cases.actions import do_confirm_institution, do_unconfirm_institution
    case, _ = w.journey("submitted")
    do_confirm_institution(case, "none", acting_user=w["coordinator"])
    return lambda: do_unconfirm_institution(case, acting_user=w["coordinator"])


@action("cases.queue_actions.do_set_case_owner", "case.owner", "owner_changed")
def _set_case_owner(w):
    from consilium.cases.queue_actions import do_set_case_owner
    case, _ = w.journey("submitted")
    return lambda: do_set_case_owner(case, "me", acting_user=w["coordinator"])


@action("cases.intake_actions.do_save_intake_summary", "case.intake", "intake_saved")
def _save_intake(w):
    from consilium.cases.intake_actions import do_save_intake_summary

    case, _ = w.journey("submitted")
    return lambda: do_save_intake_summary(case, {"key_question": "Is surgery needed?"},
                                          acting_user=w["coordinator"], base_version=0)


@action("cases.queue_actions.do_plan_procedure", "case.plan_procedure", "procedure_planned")
def _plan_procedure(w):
    from consilium.cases.queue_actions import do_plan_procedure
    case, _ = w.journey("submitted")
    return lambda: do_plan_procedure(case, timezone.localdate() + timedelta(days=10),
                                     acting_user=w["patient"])


# --- consultations ----------------------------------------------------------------------

@action("consultations.actions.do_offer_consultation", "consultation.offer", "offered")
def _offer(w):
    from consilium.consultations.actions import do_offer_consultation
    case, _ = w.journey("submitted")
    return lambda: do_offer_consultation(case, w.specialists["specialist"].id,
                                         acting_user=w["coordinator"])


@action("consultations.actions.do_accept_consultation", "consultation.accept",
        "status", "accepted")
def _accept(w):
    from consilium.consultations.actions import do_accept_consultation
    _, consultation = w.journey("offered")
    return lambda: do_accept_consultation(consultation, acting_user=w["specialist"])


@action("consultations.actions.do_decline_consultation", "consultation.decline", "declined")
def _decline(w):
    from consilium.consultations.actions import do_decline_consultation
    _, consultation = w.journey("offered")
    return lambda: do_decline_consultation(consultation, "Away that month.",
                                           acting_user=w["specialist"])


@action("consultations.actions.do_withdraw_consultation", "consultation.withdraw",
        "offer_withdrawn")
def _withdraw_offer(w):
    from consilium.consultations.actions import do_withdraw_consultation
    _, consultation = w.journey("offered")
    return lambda: do_withdraw_consultation(consultation, "Offered to the wrong specialist.",
                                            acting_user=w["coordinator"])


@action("consultations.actions.do_release_consultation", "consultation.release",
        "status", "released")
def _release(w):
    from consilium.consultations.actions import do_release_consultation
    _, consultation = w.journey("accepted")
    return lambda: do_release_consultation(consultation, "A conflict of interest.",
                                           acting_user=w["specialist"])


def _part_of(w, upto="accepted"):
    """A case led by the specialist, with a part asked of the second specialist."""
    from consilium.consultations.actions import do_accept_consultation, do_offer_part
    case, _ = w.journey("accepted")
    part = do_offer_part(case, w.specialists["specialist2"].id, "Re-read the slides.",
                         acting_user=w["coordinator"])
    if upto == "accepted":
        do_accept_consultation(part, acting_user=w["specialist2"])
    return case, part


@action("consultations.actions.do_offer_part", "consultation.offer_part", "part_offered")
def _offer_part(w):
    from consilium.consultations.actions import do_offer_part
    case, _ = w.journey("accepted")
    return lambda: do_offer_part(case, w.specialists["specialist2"].id, "Re-read the slides.",
                                 acting_user=w["coordinator"])


PART_DRAFT = "a draft of a part is the specialist's own until signed; the case's history " \
             "shows the signing"


@action("opinions.part_actions.do_save_part", "opinion_part.save", no_event=PART_DRAFT)
def _save_part(w):
    from consilium.opinions.part_actions import do_save_part
    _, part = _part_of(w)
    return lambda: do_save_part(part, "Grade 2 on re-reading.", acting_user=w["specialist2"],
                                base_version=0)


@action("opinions.part_actions.do_sign_part", "opinion_part.sign", "part_signed")
def _sign_part(w):
    from consilium.opinions.part_actions import do_save_part, do_sign_part
    _, part = _part_of(w)
    do_save_part(part, "Grade 2 on re-reading.", acting_user=w["specialist2"], base_version=0)
    return lambda: do_sign_part(part, acting_user=w["specialist2"], request=sign_request(),
                                secret=PASSWORD)


# --- records, journal, messages ---------------------------------------------------------

RECORDS_NO_EVENT = ("records are listed on the case with their own dates and who added "
                    "them; an event per file would bury the case's steps")


@action("records.actions.do_add_records", "record.create", no_event=RECORDS_NO_EVENT)
def _add_records(w):
    from consilium.records.actions import Upload, do_add_records
    case, _ = w.journey("submitted")
    text = b"Clinic note: lump in the left breast."
    return lambda: do_add_records(case, [Upload("note.txt", io.BytesIO(text), len(text))],
                                  acting_user=w["patient"])


@action("records.actions.do_set_record_type", "record.retype", no_event=RECORDS_NO_EVENT)
def _set_record_type(w):
    from consilium.records.actions import Upload, do_add_records, do_set_record_type
    case, _ = w.journey("submitted")
    text = b"Clinic note: lump in the left breast."
    do_add_records(case, [Upload("note.txt", io.BytesIO(text), len(text))],
                   acting_user=w["patient"])
    record = case.records.get()
    return lambda: do_set_record_type(record, "pathology_report", acting_user=w["patient"])


@action("records.actions.do_remove_record", "record.remove", no_event=RECORDS_NO_EVENT)
def _remove_record(w):
    from consilium.records.actions import Upload, do_add_records, do_remove_record
    case, _ = w.journey("submitted")
    text = b"Clinic note: lump in the left breast."
    [stored] = do_add_records(case, [Upload("note.txt", io.BytesIO(text), len(text))],
                              acting_user=w["patient"])
    return lambda: do_remove_record(stored.record, acting_user=w["patient"])


@action("records.holds.do_confirm_record", "record.confirm", no_event=RECORDS_NO_EVENT)
def _confirm_record(w):
    from consilium.records.actions import Upload, do_add_records
    from consilium.records.holds import do_confirm_record
    case, _ = w.journey("submitted")
    letter = b"PATIENT: Michele Wolf\nDOB: 12/05/1958\n"  # someone else: held
    [stored] = do_add_records(case, [Upload("wolf.txt", io.BytesIO(letter), len(letter))],
                              acting_user=w["patient"])
    return lambda: do_confirm_record(stored.record, acting_user=w["patient"])


@action("records.actions.do_remove_upload", "record.remove", no_event=RECORDS_NO_EVENT)
def _remove_upload(w):
    from consilium.records.actions import Upload, do_add_records, do_remove_upload
    case, _ = w.journey("submitted")
    letter = b"PATIENT: Michele Wolf\nDOB: 12/05/1958\n"  # someone else: held
    [stored] = do_add_records(case, [Upload("wolf.txt", io.BytesIO(letter), len(letter))],
                              acting_user=w["patient"])
    return lambda: do_remove_upload(stored.record, acting_user=w["patient"])


@action("records.holds.do_confirm_upload", "record.confirm", no_event=RECORDS_NO_EVENT)
def _confirm_upload(w):
    from consilium.records.actions import Upload, do_add_records
    from consilium.records.holds import do_confirm_upload
    case, _ = w.journey("submitted")
    letter = b"PATIENT: Michele Wolf\nDOB: 12/05/1958\n"  # someone else: held
    [stored] = do_add_records(case, [Upload("wolf.txt", io.BytesIO(letter), len(letter))],
                              acting_user=w["patient"])
    return lambda: do_confirm_upload(stored.record, acting_user=w["patient"])


CHECKLIST_NO_EVENT = ("a checklist mark is shown on the checklist itself, with who made and "
                      "confirmed it; it is not a step of the case")


@action("records.checklist_actions.do_mark_checklist_item", "checklist.mark",
        no_event=CHECKLIST_NO_EVENT)
def _mark_checklist_item(w):
    from consilium.records.checklist_actions import do_mark_checklist_item
    case, _ = w.journey("submitted")
    return lambda: do_mark_checklist_item(case, "pathology_report", "sent",
                                          acting_user=w["patient"])


@action("records.checklist_actions.do_confirm_checklist_item", "checklist.confirm",
        no_event=CHECKLIST_NO_EVENT)
def _confirm_checklist_item(w):
    from consilium.records.checklist_actions import do_confirm_checklist_item
    case, _ = w.journey("submitted")
    return lambda: do_confirm_checklist_item(case, "pathology_report",
                                             acting_user=w["coordinator"])


def _records_request(w, sent=False):
    from consilium.records.request_actions import do_mark_request_sent, do_request_records
    case, _ = w.journey("submitted")
    made = do_request_records(case, {"provider_name": "Riverside Imaging",
                                     "asked_text": "The CT images"},
                              acting_user=w["coordinator"])
    if sent:
        do_mark_request_sent(made, acting_user=w["coordinator"])
    return made


@action("records.request_actions.do_request_records", "records_request.create",
        "records_asked")
def _request_records(w):
    from consilium.records.request_actions import do_request_records
    case, _ = w.journey("submitted")
    return lambda: do_request_records(case, {"provider_name": "Riverside Imaging",
                                             "asked_text": "The CT images"},
                                      acting_user=w["patient"])


@action("records.request_actions.do_change_request", "records_request.change",
        no_event="a request's details change, not where it stands: the audit row is its "
                 "trail")
def _change_request(w):
    from consilium.records.request_actions import do_change_request
    made = _records_request(w)
    return lambda: do_change_request(made, {"provider_name": "Riverside Imaging, 2nd floor",
                                            "asked_text": "The CT images"},
                                     acting_user=w["coordinator"])


@action("records.request_actions.do_mark_request_sent", "records_request.send",
        "records_req_sent")
def _mark_request_sent(w):
    from consilium.records.request_actions import do_mark_request_sent
    made = _records_request(w)
    return lambda: do_mark_request_sent(made, acting_user=w["coordinator"])


@action("records.request_actions.do_remind_request", "records_request.remind",
        "records_reminded")
def _remind_request(w):
    from consilium.records.request_actions import do_remind_request
    made = _records_request(w, sent=True)
    return lambda: do_remind_request(made, acting_user=w["coordinator"])


@action("records.request_actions.do_close_request", "records_request.receive",
        "records_received")
def _close_request(w):
    from consilium.records.actions import Upload, do_add_records
    from consilium.records.request_actions import do_close_request
    made = _records_request(w, sent=True)
    note = b"The CT report."
    [stored] = do_add_records(made.case, [Upload("ct.txt", io.BytesIO(note), len(note))],
                              acting_user=w["patient"])
    return lambda: do_close_request(made, record=str(stored.record.id),
                                    acting_user=w["coordinator"])


@action("records.request_actions.do_cancel_request", "records_request.cancel",
        "records_req_cancel")
def _cancel_request(w):
    from consilium.records.request_actions import do_cancel_request
    made = _records_request(w)
    return lambda: do_cancel_request(made, acting_user=w["coordinator"])


UPLOAD_NO_EVENT = ("an upload under way is not a record yet; the record it becomes is on "
                   "the case")


@action("records.actions.do_start_upload", "upload.start", no_event=UPLOAD_NO_EVENT)
def _start_upload(w):
    from consilium.records.actions import do_start_upload
    case, _ = w.journey("submitted")
    return lambda: do_start_upload(case, "scan.pdf", 1000, acting_user=w["patient"])


@action("records.actions.do_end_upload", "upload.end", no_event=UPLOAD_NO_EVENT)
def _end_upload(w):
    from consilium.records.actions import do_end_upload, do_start_upload
    case, _ = w.journey("submitted")
    pending = do_start_upload(case, "scan.pdf", 1000, acting_user=w["patient"])
    return lambda: do_end_upload(pending, acting_user=w["patient"])


@action("journal.actions.do_add_note", "journal_note.create",
        no_event="the journal is the patient's alone; an event would show others that it "
                 "was written in")
def _journal_note(w):
    from consilium.journal.actions import do_add_note
    case, _ = w.journey("submitted")
    return lambda: do_add_note(case, "Slept badly before the scan.", acting_user=w["patient"])


@action("conversations.actions.do_send_message", "message.create",
        no_event="a message is its own entry in the case's thread (a question the specialist "
                 "waits on adds the waiting event)")
def _send_message(w):
    from consilium.conversations.actions import do_send_message
    case, _ = w.journey("accepted")
    return lambda: do_send_message(case, {"body": "When will the opinion be ready?"},
                                   acting_user=w["patient"])


# --- opinions ---------------------------------------------------------------------------

@action("opinions.actions.do_save_opinion", "opinion.save", "status")
def _save_opinion(w):
    from consilium.conftest import COMPLETE_OPINION
    from consilium.opinions.actions import do_save_opinion
    _, consultation = w.journey("accepted")
    return lambda: do_save_opinion(consultation, dict(COMPLETE_OPINION),
                                   acting_user=w["specialist"], base_version=0)


@action("opinions.actions.do_sign_opinion", "opinion.sign", "status", "opinion_signed")
def _sign_opinion(w):
    from consilium.opinions.actions import do_sign_opinion
    _, consultation = w.journey("in_review")
    return lambda: do_sign_opinion(consultation, acting_user=w["specialist"],
                                   request=sign_request(), secret=PASSWORD)


@action("opinions.actions.do_ask_follow_up", "follow_up.create", "follow_up_asked")
def _ask_follow_up(w):
    from consilium.opinions.actions import do_ask_follow_up
    from consilium.opinions.models import Opinion
    _, consultation = w.delivered()
    opinion = Opinion.objects.get(consultation=consultation)  # as the page reads it
    return lambda: do_ask_follow_up(opinion, "Does radiation affect my heart?",
                                    acting_user=w["patient"])


@action("opinions.actions.do_add_addendum", "addendum.sign", "addendum")
def _add_addendum(w):
    from consilium.opinions.actions import do_add_addendum
    _, consultation = w.delivered()
    return lambda: do_add_addendum(consultation.opinion, "The margins were clear.",
                                   acting_user=w["specialist"], request=sign_request(),
                                   secret=PASSWORD)


@action("opinions.sharing.do_share_report", "report_share.create", "shared")
def _share_report(w):
    from consilium.opinions.sharing import do_share_report
    _, consultation = w.delivered()
    return lambda: do_share_report(consultation.opinion, "dr.out@clinic.test", 14, True,
                                   acting_user=w["patient"])


@action("opinions.sharing.do_revoke_report_share", "report_share.revoke", "unshared")
def _revoke_report_share(w):
    from consilium.opinions.sharing import do_revoke_report_share
    share = w.report_share()
    return lambda: do_revoke_report_share(share, acting_user=w["patient"])


@action("opinions.sharing.do_view_shared_report", "opinion.report_shared_view",
        no_event="a read, counted on the share; the case's history shows the link sent and "
                 "withdrawn")
def _view_shared_report(w):
    from consilium.opinions.sharing import OutsideReader, do_view_shared_report
    share = w.report_share()
    return lambda: do_view_shared_report(share, acting_user=OutsideReader(share))


CODE_NO_EVENT = ("a code is a step of opening a shared link, not of the case; the share's "
                 "own events are made and withdrawn with the link")


@action("opinions.sharing.do_send_code", "report_share.code_sent", no_event=CODE_NO_EVENT)
def _send_code(w):
    from consilium.opinions.sharing import do_send_code
    share = w.report_share()
    return lambda: do_send_code(share)


@action("opinions.sharing.do_check_code", "report_share.code_tried", no_event=CODE_NO_EVENT)
def _check_code(w):
    from consilium.accounts.tokens import hash_token
    from consilium.opinions.models import ReportShare
    from consilium.opinions.sharing import do_check_code
    share = w.report_share()
    ReportShare.objects.filter(pk=share.pk).update(
        code_hash=hash_token("123456"), code_expires_at=timezone.now() + timedelta(minutes=9))
    return lambda: do_check_code(share, "123456")


# --- comparison, decisions, follow-up ---------------------------------------------------

@action("comparison.actions.do_record_comparison", "comparison.create",
        no_event="an opinion that agrees with the first asks no one to review it (one that "
                 "differs adds review_asked, see test_comparison)")
def _record_comparison(w):
    from consilium.comparison.actions import do_record_comparison
    from consilium.comparison.models import Comparison
    _, consultation = w.delivered()
    Comparison.objects.filter(opinion=consultation.opinion).delete()  # made again, alone
    return lambda: do_record_comparison(consultation.opinion, acting_user=w["specialist"])


@action("comparison.actions.do_review_comparison", "comparison.review", "comparison_reviewed")
def _review_comparison(w):
    from consilium.comparison.actions import do_review_comparison
    from consilium.comparison.tests.conftest import sign_with
    _, consultation = w.journey("in_review")
    # The specialist says they agree yet codes another cancer: a comparison to review.
    comparison = sign_with(consultation, w["specialist"], diagnosis_agreement="agree",
                           diagnosis_codes=["C56.9"], treatment_category="radiation")
    return lambda: do_review_comparison(comparison, diagnosis="confirmed", treatment="same",
                                        note="Read again.", acting_user=w["coordinator"])


@action("comparison.actions.do_request_third_opinion", "case.create",
        "created", "status", "third_opinion")
def _third_opinion(w):
    from consilium.comparison.actions import do_request_third_opinion
    case, _ = w.delivered()
    return lambda: do_request_third_opinion(case, acting_user=w["patient"])


@action("decisions.actions.do_record_decision", "decision.create", "status", "decided")
def _record_decision(w):
    from consilium.decisions.actions import do_record_decision
    case, _ = w.delivered()
    return lambda: do_record_decision(case, "second_opinion", "It keeps the breast.",
                                      acting_user=w["patient"])


@action("decisions.actions.do_record_decision (a change)", "decision.change",
        "decision_changed")
def _change_decision(w):
    from consilium.decisions.actions import do_record_decision
    case, _ = w.decided()
    return lambda: do_record_decision(case, "first_opinion", "I would rather not wait.",
                                      acting_user=w["patient"])


@action("decisions.actions.do_save_decision_aid", "decision_aid.save",
        no_event="the patient's working notes towards a decision, saved as they type; the "
                 "decision itself is the event")
def _save_decision_aid(w):
    from consilium.decisions.actions import do_save_decision_aid
    case, _ = w.delivered()
    return lambda: do_save_decision_aid(case, {"role": "shared"}, acting_user=w["patient"])


PLAN_NO_EVENT = ("the plan's steps are their own list on the case; starting the plan is the "
                 "case's event")


@action("followup.actions.do_start_plan", "follow_up_plan.create", "status")
def _start_plan(w):
    from consilium.followup.actions import do_start_plan
    case, _ = w.decided()
    return lambda: do_start_plan(case, acting_user=w["patient"])


@action("followup.actions.do_add_task", "follow_up_task.create", no_event=PLAN_NO_EVENT)
def _add_task(w):
    from consilium.followup.actions import do_add_task
    case, _ = w.following_up()
    return lambda: do_add_task(case, {"title": "Book the surgeon", "kind": "appointment",
                                      "owner": "patient", "due_date": "2030-01-15"},
                               acting_user=w["patient"])


@action("followup.actions.do_mark_task", "follow_up_task.done", no_event=PLAN_NO_EVENT)
def _mark_task(w):
    from consilium.followup.actions import do_add_task, do_mark_task
    case, _ = w.following_up()
    task = do_add_task(case, {"title": "Book the surgeon", "kind": "appointment",
                              "owner": "patient", "due_date": "2030-01-15"},
                       acting_user=w["patient"])
    return lambda: do_mark_task(task, True, acting_user=w["patient"])


@action("followup.actions.do_answer_outcome", "outcome_check.answer", no_event=PLAN_NO_EVENT)
def _answer_outcome(w):
    from consilium.followup.actions import do_answer_outcome
    from consilium.followup.models import OutcomeCheck
    case, _ = w.following_up()
    check = OutcomeCheck.objects.filter(case=case).first()
    check.due_date = timezone.localdate()  # the question is asked today
    check.save()
    return lambda: do_answer_outcome(check, "second", "Recovering well.",
                                     acting_user=w["patient"])


# --- appointments -----------------------------------------------------------------------

@action("appointments.actions.do_schedule_appointment", "appointment.create", "appointment")
def _schedule(w):
    from consilium.appointments.actions import do_schedule_appointment
    _, consultation = w.journey("accepted")
    return lambda: do_schedule_appointment(consultation, appointment_at(9),
                                           acting_user=w["coordinator"])


@action("appointments.actions.do_reschedule_appointment", "appointment.update", "rescheduled")
def _reschedule(w):
    from consilium.appointments.actions import do_reschedule_appointment
    appointment = w.appointment()
    return lambda: do_reschedule_appointment(appointment, appointment_at(14),
                                             acting_user=w["coordinator"])


@action("appointments.actions.do_cancel_appointment", "appointment.cancel",
        "appt_cancelled")
def _cancel(w):
    from consilium.appointments.actions import do_cancel_appointment
    appointment = w.appointment()
    return lambda: do_cancel_appointment(appointment, acting_user=w["coordinator"])


@action("appointments.actions.do_cancel_upcoming_appointments", "appointment.cancel",
        "appt_cancelled")
def _cancel_upcoming(w):
    from consilium.appointments.actions import do_cancel_upcoming_appointments
    appointment = w.appointment()
    return lambda: do_cancel_upcoming_appointments(appointment.consultation,
                                                   acting_user=w["specialist"])


# --- stories ----------------------------------------------------------------------------

STORY_NO_EVENT = ("a story is the patient's writing for others, published apart from the "
                  "case; its own status is its history")


@action("stories.actions.do_draft_story", "story.draft", no_event=STORY_NO_EVENT)
def _draft_story(w):
    from consilium.stories.actions import do_draft_story
    case, _ = w.delivered()
    return lambda: do_draft_story(case, "My story", "A lumpectomy worked for me.",
                                  acting_user=w["patient"])


@action("stories.actions.do_submit_story", "story.submit", no_event=STORY_NO_EVENT)
def _submit_story(w):
    from consilium.stories.actions import do_submit_story
    story = w.story()
    return lambda: do_submit_story(story, story.title, story.text, True,
                                   acting_user=w["patient"])


@action("stories.actions.do_review_story", "story.publish", no_event=STORY_NO_EVENT)
def _review_story(w):
    from consilium.stories.actions import do_review_story
    story = w.sent_story()
    return lambda: do_review_story(story, True, "", acting_user=w["admin"])


@action("stories.actions.do_unpublish_story", "story.unpublish", no_event=STORY_NO_EVENT)
def _unpublish_story(w):
    from consilium.stories.actions import do_review_story, do_unpublish_story
    story = do_review_story(w.sent_story(), True, "", acting_user=w["admin"])
    return lambda: do_unpublish_story(story, acting_user=w["patient"])


# --- triage's "Start my case" (a case's action) -----------------------------------------

@action("cases.actions.do_start_case_from_assessment", "case.create", "created")
def _start_from_assessment(w):
    from consilium.cases.actions import do_start_case_from_assessment
    answers = {"diagnosis_codes": "C50.912", "proposed_treatment": "surgery",
               "procedure": "mastectomy", "country": "US"}
    return lambda: do_start_case_from_assessment(answers, acting_user=w["patient"])


# --- directory --------------------------------------------------------------------------

@action("directory.actions.do_update_availability", "specialist.availability",
        no_event=NOT_A_CASE)
def _availability(w):
    from consilium.directory.actions import do_update_availability
    specialist = w.specialists["specialist"]
    return lambda: do_update_availability(specialist, {"capacity": 4},
                                          acting_user=w["specialist"])


@action("program.actions.do_save_queue_filter", "queue_filter.save",
        no_event="a coordinator's own view of the work queue, not a step of a case")
def _save_queue_filter(w):
    from consilium.program.actions import do_save_queue_filter
    return lambda: do_save_queue_filter("Overdue", {"due": "overdue"},
                                        acting_user=w["coordinator"])


@action("program.actions.do_delete_queue_filter", "queue_filter.delete",
        no_event="a coordinator's own view of the work queue, not a step of a case")
def _delete_queue_filter(w):
    from consilium.program.actions import do_delete_queue_filter, do_save_queue_filter
    saved = do_save_queue_filter("Overdue", {"due": "overdue"}, acting_user=w["coordinator"])
    return lambda: do_delete_queue_filter(saved.id, acting_user=w["coordinator"])


@action("terms.actions.do_change_program_settings", "program_settings.change",
        no_event="the program's terms, not a step of a case")
def _change_program_settings(w):
    from consilium.terms.access import current
    from consilium.terms.actions import do_change_program_settings
    values = {**current().values(), "service_level_days": 10}
    return lambda: do_change_program_settings(values, "A longer service level.", based_on=0,
                                              acting_user=w["admin"])


@action("directory.actions.do_update_profile", "specialist.update", no_event=NOT_A_CASE)
def _profile(w):
    from consilium.directory.actions import do_update_profile
    specialist = w.specialists["specialist"]
    return lambda: do_update_profile(specialist, {"credentials": "MD, PhD",
                                                  "postal_code": "80218"},
                                     acting_user=w["coordinator"])


@action("directory.actions.do_add_certification", "specialist.certify", no_event=NOT_A_CASE)
def _certify(w):
    from consilium.directory.actions import do_add_certification
    specialist = w.specialists["specialist"]
    return lambda: do_add_certification(
        specialist, {"board": "ABIM", "specialty": "Medical Oncology", "expires": "2031-01-01"},
        acting_user=w["coordinator"])


# --- accounts ---------------------------------------------------------------------------

@action("accounts.actions.do_add_user", "user.add.patient", no_event=NOT_A_CASE)
def _add_user(w):
    from consilium.accounts.actions import do_add_user
    user = get_user_model()(username="newcomer", role=Role.PATIENT)
    return lambda: do_add_user(user, acting_user=w["admin"])


def _allauth_request():
    """A request as django-allauth's views see one: a session, a user, allauth's context."""
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.session import SessionStorage
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    request = RequestFactory().post("/signup/")
    request.session, request.user = SessionStore(), AnonymousUser()
    request._messages = SessionStorage(request)
    return request


def _in_allauth_context(request, step):
    from allauth.core import context

    def run():
        with context.request_context(request):
            return step()
    return run


@action("accounts.actions.do_sign_up", "user.sign_up", no_event=NOT_A_CASE)
def _sign_up(w):
    from consilium.accounts.actions import do_sign_up
    from consilium.accounts.forms import SignUpForm
    request = _allauth_request()
    form = SignUpForm({"email": "newcomer@example.org", "password1": "a long unusual pass 42",
                       "password2": "a long unusual pass 42"})
    assert _in_allauth_context(request, form.is_valid)(), form.errors
    return _in_allauth_context(request, lambda: do_sign_up(request, form))


@action("accounts.actions.do_verify_email", "user.email_verified", no_event=NOT_A_CASE)
def _verify_email(w):
    from allauth.account.models import EmailAddress

    from consilium.accounts.actions import do_verify_email
    address = EmailAddress.objects.create(user=w["patient2"], email="patient2@example.org",
                                          primary=True, verified=False)
    request = _allauth_request()
    return _in_allauth_context(request, lambda: do_verify_email(
        request, address, acting_user=w["patient2"]))


@action("accounts.actions.do_request_email_change", "user.email_change_requested",
        no_event=NOT_A_CASE)
def _request_email_change(w):
    from consilium.accounts.actions import do_request_email_change
    request = _allauth_request()
    return _in_allauth_context(request, lambda: do_request_email_change(
        request, w["patient2"], "patient2.new@example.org", PASSWORD,
        acting_user=w["patient2"]))


@action("accounts.actions.do_change_role", "user.role.coordinator", no_event=NOT_A_CASE)
def _change_role(w):
    from consilium.accounts.actions import do_change_role
    return lambda: do_change_role(w["patient2"], Role.COORDINATOR, acting_user=w["admin"])


@action("accounts.actions.do_set_password_by_admin", "user.password_reset",
        no_event=NOT_A_CASE)
def _set_password(w):
    from consilium.accounts.actions import do_set_password_by_admin
    return lambda: do_set_password_by_admin(w["patient2"], "another long passphrase",
                                            acting_user=w["admin"])


@action("accounts.actions.do_save_identity", "identity.save", no_event=NOT_A_CASE)
def _save_identity(w):
    from consilium.accounts.actions import do_save_identity
    return lambda: do_save_identity(w["patient"], {
        "given_names": "Maria", "family_name": "Lopez", "birth_date": "1961-03-04"},
        acting_user=w["patient"])


@action("accounts.actions.do_set_time_zone", "user.time_zone", no_event=NOT_A_CASE)
def _set_time_zone(w):
    from consilium.accounts.actions import do_set_time_zone
    return lambda: do_set_time_zone(w["specialist"], "America/Denver",
                                    acting_user=w["specialist"])


def _identity_provider_link(user, uid="sub-1"):
    """A link to the identity provider as allauth makes one from its answer, not yet saved."""
    from allauth.socialaccount.models import SocialAccount
    return SocialAccount(provider="hospital", uid=uid, user_id=None,
                         extra_data={"id_token": {"sub": uid, "amr": ["pwd", "mfa"]}})


@action("accounts.actions.do_link_identity_provider", "user.identity_provider.link",
        no_event=NOT_A_CASE)
def _link_identity_provider(w):
    from consilium.accounts.actions import do_link_identity_provider
    link = _identity_provider_link(w["coordinator"])
    return lambda: do_link_identity_provider(link, w["coordinator"],
                                             acting_user=w["coordinator"])


def _linked(w):
    link = _identity_provider_link(w["coordinator"])
    link.user = w["coordinator"]
    link.save()
    return link


@action("accounts.actions.do_sign_in_with_identity_provider", "user.sign_in.identity_provider",
        no_event=NOT_A_CASE)
def _sign_in_with_identity_provider(w):
    from consilium.accounts.actions import do_sign_in_with_identity_provider
    link, request = _linked(w), _allauth_request()
    return lambda: do_sign_in_with_identity_provider(request, link,
                                                     acting_user=w["coordinator"])


@action("accounts.actions.do_unlink_identity_provider", "user.identity_provider.unlink",
        no_event=NOT_A_CASE)
def _unlink_identity_provider(w):
    from consilium.accounts.actions import do_unlink_identity_provider
    link = _linked(w)
    return lambda: do_unlink_identity_provider(link, acting_user=w["admin"])


@action("mydata.actions.do_export_data", "user.data_export", no_event=NOT_A_CASE)
def _export_data(w):
    from consilium.mydata.actions import do_export_data
    return lambda: do_export_data(w["patient"], acting_user=w["patient"]).close()


@action("mydata.actions.do_close_account", "user.close",
        no_event="an account change (here one without cases); each open case it withdraws "
                 "is that case's own event and row, case.withdrawn (mydata/tests/test_close.py)")
def _close_account(w):
    from consilium.conftest import sign_request
    from consilium.mydata.actions import do_close_account
    return lambda: do_close_account(sign_request(), w["patient"], PASSWORD,
                                    acting_user=w["patient"])


@action("mydata.actions.do_erase_closed_account", "user.erase",
        no_event="the account's cases are erased with their events; the audit trail keeps "
                 "that they were (case.erase)")
def _erase_closed_account(w):
    from django.conf import settings

    from consilium.conftest import sign_request
    from consilium.mydata.actions import do_close_account, do_erase_closed_account
    w.journey("submitted")
    do_close_account(sign_request(), w["patient"], PASSWORD, acting_user=w["patient"])
    get_user_model().objects.filter(pk=w["patient"].pk).update(
        closed_at=timezone.now() - timedelta(days=settings.RETENTION_DAYS + 1))
    return lambda: do_erase_closed_account(w["patient"], acting_user=None)


@action("accounts.actions.do_issue_api_token", "api_token.issue", no_event=NOT_A_CASE)
def _issue_token(w):
    from consilium.accounts.actions import do_issue_api_token
    return lambda: do_issue_api_token(w["patient"], "phone", acting_user=w["patient"])


@action("accounts.actions.do_revoke_api_token", "api_token.revoke", no_event=NOT_A_CASE)
def _revoke_token(w):
    from consilium.accounts.actions import do_revoke_api_token
    token, _ = ApiToken.issue(w["patient"], "phone")
    return lambda: do_revoke_api_token(token, acting_user=w["patient"])


@action("accounts.actions.do_activate_totp", "mfa.totp.activate", no_event=NOT_A_CASE)
def _activate_totp(w):
    from allauth.mfa.totp.internal.auth import generate_totp_secret

    from consilium.accounts.actions import do_activate_totp
    return lambda: do_activate_totp(w["coordinator"], generate_totp_secret(),
                                    acting_user=w["coordinator"])


@action("accounts.actions.do_add_passkey", "mfa.webauthn.add", no_event=NOT_A_CASE)
def _add_passkey(w):
    from consilium.accounts.actions import do_add_passkey
    # The browser's answer, as allauth.mfa verified it (tests/test_browser_passkeys.py makes a
    # real one with Chromium's virtual authenticator); the action only keeps it.
    credential = {"id": "AAAA", "type": "public-key", "response": {}}
    return lambda: do_add_passkey(w["coordinator"], "laptop", credential,
                                  acting_user=w["coordinator"])


def _app(w):
    from consilium.conftest import authenticator_app
    return authenticator_app(w["coordinator"])


@action("accounts.actions.do_remove_authenticator", "mfa.totp.deactivate", no_event=NOT_A_CASE)
def _remove_authenticator(w):
    from consilium.accounts.actions import do_remove_authenticator
    app = _app(w)
    return lambda: do_remove_authenticator(app, acting_user=w["admin"])


@action("accounts.actions.do_generate_recovery_codes", "mfa.recovery_codes.generate",
        no_event=NOT_A_CASE)
def _generate_recovery_codes(w):
    from consilium.accounts.actions import do_generate_recovery_codes
    _app(w)
    return lambda: do_generate_recovery_codes(w["coordinator"], acting_user=w["coordinator"])


@action("accounts.actions.do_use_recovery_code", "mfa.recovery_codes.use", no_event=NOT_A_CASE)
def _use_recovery_code(w):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    from consilium.accounts.actions import do_use_recovery_code
    _app(w)
    code = RecoveryCodes.activate(w["coordinator"]).generate_codes()[0]
    return lambda: do_use_recovery_code(w["coordinator"], code, acting_user=w["coordinator"])


# --- the tests --------------------------------------------------------------------------

def _invitation(w, **extra):
    from consilium.accounts.actions import do_invite_member
    return do_invite_member("new.member@example.org", "coordinator", acting_user=w["admin"],
                            **extra)[0]


def _started(w):
    from consilium.accounts.actions import do_start_staff_account
    invitation = _invitation(w)
    do_start_staff_account(invitation, {"first_name": "Nora", "password1": "a long unusual pass 42",
                                        "password2": "a long unusual pass 42"})
    return invitation


@action("accounts.actions.do_invite_member", "staff_invitation.invite.coordinator",
        no_event=NOT_A_CASE)
def _invite_member(w):
    from consilium.accounts.actions import do_invite_member
    return lambda: do_invite_member("new.member@example.org", "coordinator",
                                    acting_user=w["admin"])


@action("accounts.actions.do_revoke_invitation", "staff_invitation.revoke", no_event=NOT_A_CASE)
def _revoke_invitation(w):
    from consilium.accounts.actions import do_revoke_invitation
    invitation = _invitation(w)
    return lambda: do_revoke_invitation(invitation, acting_user=w["admin"])


@action("accounts.actions.do_resend_invitation", "staff_invitation.resend", no_event=NOT_A_CASE)
def _resend_invitation(w):
    from consilium.accounts.actions import do_resend_invitation
    invitation = _invitation(w)
    return lambda: do_resend_invitation(invitation, acting_user=w["admin"])


@action("accounts.actions.do_start_staff_account", "staff_invitation.start", no_event=NOT_A_CASE)
def _start_staff_account(w):
    from consilium.accounts.actions import do_start_staff_account
    invitation = _invitation(w)
    return lambda: do_start_staff_account(invitation, {
        "first_name": "Nora", "password1": "a long unusual pass 42",
        "password2": "a long unusual pass 42"})


@action("accounts.actions.do_accept_staff_invitation", "staff_invitation.accept",
        no_event=NOT_A_CASE)
def _accept_staff_invitation(w):
    from allauth.mfa.totp.internal.auth import generate_totp_secret

    from consilium.accounts.actions import do_accept_staff_invitation
    invitation = _started(w)
    return lambda: do_accept_staff_invitation(invitation, totp_secret=generate_totp_secret())


@action("accounts.actions.do_send_setup_link", "staff_invitation.setup_link",
        no_event=NOT_A_CASE)
def _send_setup_link(w):
    from consilium.accounts.actions import do_send_setup_link
    return lambda: do_send_setup_link(w["specialist2"], acting_user=w["admin"])


@action("accounts.actions.do_reset_second_factor", "mfa.reset", no_event=NOT_A_CASE)
def _reset_second_factor(w):
    from consilium.accounts.actions import do_reset_second_factor
    from consilium.conftest import authenticator_app
    authenticator_app(w["specialist2"])
    return lambda: do_reset_second_factor(w["specialist2"], acting_user=w["admin"])


def test_every_action_has_a_scenario():
    found = set(discovered_actions())
    listed = {name.split(" ")[0] for name in ACTIONS}  # "do_x (a change)": a second scenario
    assert sorted(found - listed) == [], (
        "New actions: give each a line in ACTIONS (a scenario, its audit row, its events)")
    assert sorted(listed - found) == [], "ACTIONS names actions that no longer exist"


class Writes:
    """Notes each INSERT, UPDATE and DELETE with its table and the savepoints open then."""

    def __init__(self):
        self.seen: list[tuple[str, tuple]] = []

    def __call__(self, execute, sql, params, many, context):
        verb = sql.lstrip().split(None, 1)[0].upper()
        if verb in ("INSERT", "UPDATE", "DELETE"):
            self.seen.append((sql, params, tuple(connection.savepoint_ids)))
        return execute(sql, params, many, context)

    def of_the_action(self, audit: str):
        """The writes that are the action's: all but the audit rows of reads it makes on the
        way (an access helper records each read in a transaction of its own)."""
        for sql, params, open_ in self.seen:
            trail = '"audit_audit' in sql
            if not trail or (sql.startswith("INSERT") and audit in map(str, params or ())):
                yield sql, open_


@pytest.fixture
def world(users, specialists, journey, settings):
    return World(users, specialists, journey, settings)


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_the_action_writes_its_audit_row_and_event_in_one_transaction(name, world):
    expected = ACTIONS[name]
    take = expected.setup(world)
    last_audit = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    last_event = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    depth = len(connection.savepoint_ids)
    writes = Writes()
    with connection.execute_wrapper(writes):
        take()

    rows = list(AuditEntry.objects.filter(id__gt=last_audit))
    events = list(Event.objects.filter(id__gt=last_event))
    assert expected.audit in [row.action for row in rows], [row.action for row in rows]
    kinds = {event.kind for event in events}
    if expected.events:
        assert set(expected.events) <= kinds, kinds
        cases = {event.case_id for event in events}
        assert {row.case_id for row in rows if row.action == expected.audit} <= cases
    else:
        assert kinds == set(), f"{name} adds events {kinds}; name them in ACTIONS"

    own = list(writes.of_the_action(expected.audit))
    assert any(sql.startswith('INSERT INTO "audit_auditentry"') for sql, _ in own)
    outside = [sql for sql, open_ in own if len(open_) <= depth]
    assert outside == [], "writes outside the action's transaction"
    blocks = {open_[depth] for _, open_ in own}
    assert len(blocks) == 1, f"{len(blocks)} transactions: each commits apart"


# --- nothing but actions writes ---------------------------------------------------------

# Calls that write a model (or the trail, or a case's history) when made in a view, an API
# function or a template tag: that work belongs in an action, which checks, audits and keeps
# it in one transaction. ``update`` is counted on a query set only (a dict has one too).
WRITES = {"save", "delete", "create", "get_or_create", "update_or_create", "bulk_create",
          "bulk_update"}
QUERY_SETS = {"objects", "_default_manager", "filter", "exclude", "all", "select_for_update",
              "active"}
ACTION_HELPERS = {"add_event", "move_case", "record", "record_many"}

# "module:function:call" -> why it may stay. Audited reads are recorded where the file is
# sent (access helpers record the other reads); nothing else is allowed.
READ = "an audited read, recorded as the page or file is sent"
ALLOWED = {
    "decisions.views:decision_summary:record": READ + " (the decision summary PDF)",
    "followup.views:_plan:record": READ + " (the follow-up plan)",
    "journal.views:_journal:record": READ + " (the patient's journal)",
    "opinions.api:opinion_fhir:record": READ + " (the FHIR document)",
    "opinions.views:report:record": READ + " (a report PDF)",
    "records.views:imaging_export:record_many": READ + " (each record of the imaging export)",
    "records.resumable:_append:update": "the bytes received so far, noted at each PATCH of a "
                                        "resumable upload, whose start and end are actions "
                                        "(do_start_upload, do_end_upload)",
}


def page_modules() -> list[Path]:
    """The views, API and template-tag modules, and every module urls.py routes to."""
    found = {*PACKAGE.glob("*/views.py"), *PACKAGE.glob("*/api.py"), PACKAGE / "api.py",
             *PACKAGE.glob("*/templatetags/*.py")}
    for node in ast.walk(ast.parse((PACKAGE / "urls.py").read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("consilium"):
            folder = PACKAGE.joinpath(*node.module.split(".")[1:])
            found.update(folder / f"{alias.name}.py" for alias in node.names
                         if (folder / f"{alias.name}.py").exists())
    return sorted(found)


def _is_query_set(node) -> bool:
    while isinstance(node, ast.Call | ast.Attribute):
        if isinstance(node, ast.Attribute) and node.attr in QUERY_SETS:
            return True
        node = node.func if isinstance(node, ast.Call) else node.value
    return False


def _write_called(func) -> str:
    """The name of the write this call makes, or ""."""
    if isinstance(func, ast.Name):
        return func.id if func.id in ACTION_HELPERS else ""
    if not isinstance(func, ast.Attribute):
        return ""
    if func.attr in ACTION_HELPERS | WRITES or (func.attr == "update"
                                                and _is_query_set(func.value)):
        return func.attr
    return ""


def direct_writes(path: Path) -> list[str]:
    """``module:function:call`` (and the line) for each write call in the module."""
    module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    found = []

    def visit(node, function):
        # A decorator is no write (``@router.delete(...)`` names the HTTP method).
        decorators = getattr(node, "decorator_list", [])
        for child in ast.iter_child_nodes(node):
            if child in decorators:
                continue
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) \
                else function
            if isinstance(child, ast.Call) and (name := _write_called(child.func)):
                found.append((f"{module}:{function}:{name}", child.lineno))
            visit(child, inner)

    visit(ast.parse(path.read_text()), "<module>")
    return found


def test_views_api_and_template_tags_write_only_through_actions():
    seen = {}
    for path in page_modules():
        for key, line in direct_writes(path):
            seen.setdefault(key, line)
    wrong = sorted(f"{key} (line {line})" for key, line in seen.items() if key not in ALLOWED)
    assert wrong == [], "Writes outside actions: move each into a do_* action"
    assert sorted(set(ALLOWED) - set(seen)) == [], "ALLOWED names writes that are gone"


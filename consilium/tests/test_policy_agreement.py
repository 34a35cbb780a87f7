"""Generated from the policies: the page, the API and the action agree on every action.

For every rule of every domain's policy (``consilium/*/policy.py``), in every state a case and
its consultation pass through, as each role who can see the object: the page that offers the
action shows its control (a link to, or a form posting to, the action's address) exactly when
the policy allows it; an allowed action works from the page and from the API; a refused one is
refused by the page, the API and the action function alike, with the policy's own status and
sentence, and changes nothing. A control is a link or form to the action's address, or (a
choice on a form that posts elsewhere) the markup its template writes for it; where a binding
names the action's effect, it is there after the request exactly when the action was allowed.
The API's ``allowed_actions`` (API_SETS) is the policy's set for the caller. A rule without a
line in BINDINGS fails the test, so a new action cannot land without being walked here.

Each request runs in a savepoint that is rolled back, so every role meets the same state.
"""

import html
import importlib
import io
import json
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import timezone

import consilium
from consilium.appointments.actions import (
    do_cancel_appointment,
    do_reschedule_appointment,
    do_schedule_appointment,
)
from consilium.appointments.models import Appointment
from consilium.appointments.policy import OPEN_FOR, new_appointment
from consilium.cases import actions as case_actions
from consilium.cases import queue_actions
from consilium.cases.intake_actions import do_save_intake_summary
from consilium.cases.models import IntakeSummary
from consilium.conftest import PASSWORD, sign_request
from consilium.consultations.actions import (
    do_accept_consultation,
    do_decline_consultation,
    do_release_consultation,
    do_withdraw_consultation,
)
from consilium.consultations.models import Consultation
from consilium.conversations.actions import do_send_message
from consilium.conversations.models import Message
from consilium.conversations.policy import policy as message_policy
from consilium.decisions.actions import do_record_decision, do_save_decision_aid
from consilium.decisions.policy import decision_of
from consilium.errors import DomainError
from consilium.followup.actions import do_add_task, do_mark_task, do_start_plan
from consilium.opinions.actions import (
    do_add_addendum,
    do_ask_follow_up,
    do_save_opinion,
    do_sign_opinion,
)
from consilium.opinions.models import FollowUpQuestion, ReportShare
from consilium.opinions.policy import opinion_of
from consilium.opinions.sharing import do_revoke_report_share, do_share_report
from consilium.policy import Policy
from consilium.records.actions import (
    Upload,
    do_add_records,
    do_remove_record,
    do_remove_upload,
    do_set_record_type,
)
from consilium.records.checklist_actions import do_confirm_checklist_item, do_mark_checklist_item
from consilium.records.holds import do_confirm_record, do_confirm_upload
from consilium.records.policy import policy as record_policy
from consilium.records.request_actions import do_change_request, do_request_records

# Who can see a case once it is shared: the rest are the access matrix's business (404).
ROLES = ["patient", "caregiver", "physician", "coordinator", "specialist"]

# Each state, built from the one before through the real actions (None: journey's own).
STATES: dict[str, tuple[str, Callable | None]] = {
    "draft": ("draft", None),
    "submitted": ("submitted", None),
    "records_complete": ("submitted", lambda w: case_actions.do_mark_records_complete(
        w.case, acting_user=w.users["coordinator"])),
    "offered": ("offered", None),
    "offer_withdrawn": ("offered", lambda w: do_withdraw_consultation(
        w.consultation, "The specialist is away.", acting_user=w.users["coordinator"])),
    "declined": ("offered", lambda w: do_decline_consultation(
        w.consultation, "Not my field.", acting_user=w.users["specialist"])),
    "accepted": ("accepted", None),
    "waiting_on_patient": ("accepted", lambda w: do_send_message(
        w.case, {"body": "Which dose do you take?", "blocking": True},
        acting_user=w.users["specialist"])),
    "released": ("accepted", lambda w: do_release_consultation(
        w.consultation, "I am ill.", acting_user=w.users["specialist"])),
    "in_review": ("in_review", None),
    "opinion_delivered": ("opinion_delivered", None),
    "disputed": ("in_review", lambda w: _disputed(w)),
    "decided": ("opinion_delivered", lambda w: do_record_decision(
        w.case, "second_opinion", "It fits me.", acting_user=w.users["patient"])),
    "following_up": ("opinion_delivered", lambda w: (
        do_record_decision(w.case, "second_opinion", "", acting_user=w.users["patient"]),
        do_start_plan(w.case, acting_user=w.users["patient"]),
        do_add_task(w.case, TASK, acting_user=w.users["patient"]))),
    "closed": ("opinion_delivered", lambda w: (
        do_record_decision(w.case, "first_opinion", "", acting_user=w.users["patient"]),
        case_actions.do_close_case(w.case, acting_user=w.users["patient"]))),
    "withdrawn": ("submitted", lambda w: case_actions.do_withdraw_case(
        w.case, acting_user=w.users["patient"])),
}


def _disputed(w):
    """Signed with a diagnosis coded unlike its "agree" and radiation for surgery: the rules
    dispute the specialist (a comparison to review) and the opinions differ in a major way
    (a third opinion is offered); the patient has a follow-up question waiting and has sent
    the report to a doctor."""
    specialist, patient = w.users["specialist"], w.users["patient"]
    do_save_opinion(w.consultation, {"diagnosis_agreement": "agree",
                                     "diagnosis_codes": ["C56.9"],
                                     "treatment_category": "radiation"},
                    acting_user=specialist, base_version=w.consultation.opinion.version)
    do_sign_opinion(w.consultation, acting_user=specialist, request=sign_request(),
                    secret=PASSWORD)
    opinion = opinion_of(w.fresh_consultation())
    do_ask_follow_up(opinion, "Is radiation safe with my heart?", acting_user=patient)
    do_share_report(opinion, "doctor@example.org", 7, True, acting_user=patient)


@dataclass
class World:
    users: dict
    case: object
    consultation: Consultation | None
    ids: dict = field(default_factory=dict)

    def fresh_case(self):
        self.case.refresh_from_db()
        return type(self.case).objects.get(id=self.case.id)

    def fresh_consultation(self):
        if self.consultation is None:
            return None
        return Consultation.objects.select_related("case", "specialist").get(
            id=self.consultation.id)


@dataclass
class Binding:
    """How one policy action is reached: the object its rule looks at, the page that shows
    its control, the page request and the API request that perform it, and the action."""

    target: Callable[[World], object]
    page: tuple[str, str, dict] | None  # (method, address, form fields)
    api: tuple[str, str, dict | None] | None  # (method, path under /api/v1, JSON body)
    call: Callable[[object, object], object] | None  # (object, user) -> the action's result
    shown_on: str | None = "/cases/{case}/"
    # Who cannot see the object gets 404, not the rule's refusal (the access helpers' answer).
    hidden_from: Callable[[object, object], bool] = lambda obj, user: False
    # The control on ``shown_on`` when it is not a link or form to the page address: a choice
    # on a form that posts elsewhere (the message's audience, the "blocking" box, the editor's
    # "Review and sign"), exactly as the template writes it.
    control: str | None = None
    # Where the page offers the control at all (the third opinion: where opinions differ).
    offered: Callable[[World], bool] = lambda w: True
    # The action's effect, read after the request: present exactly when it was allowed.
    done: Callable[[World], bool] | None = None
    # False: a refusal is no error, the request does something else allowed instead (a reply
    # from someone who does not answer the question is a plain reply).
    refuses: bool = True
    # The policy rule, when the key names a second way to it (all the held records of one
    # file at once are "remove" and "settle_hold", as one record is).
    rule: str | None = None


def reads(case, user) -> bool:
    """Sees the case's records (a specialist only once they accepted it)."""
    return record_policy.may(user, case, "read")


def unsigned_to_others(opinion, user) -> bool:
    """A draft is its author's alone; a signed opinion is read by whoever sees the case."""
    return not opinion.is_signed and opinion.consultation.specialist.user_id != user.id


def not_the_patients(case, user) -> bool:
    """The journal and the story are the patient's own: to anyone else they do not exist."""
    return case.patient_id != user.id


def unsigned(opinion, user) -> bool:
    """The signed opinion's pages (follow-ups, addenda, reports, shares) exist once signed."""
    return not opinion.is_signed


def case(w):
    return w.fresh_case()


def consultation(w):
    return w.fresh_consultation()


def opinion(w):
    found = w.fresh_consultation()
    return None if found is None else opinion_of(found)


def undecided(w):
    """The case, while it has no decision (the same address then changes it)."""
    found = w.fresh_case()
    return None if decision_of(found) is not None else found


def decided(w):
    found = w.fresh_case()
    return found if decision_of(found) is not None else None


def waiting(w):
    """The case, while the specialist's question waits for the patient's answer."""
    return w.fresh_case() if w.ids["question"] else None


def asked(w):
    """The signed opinion, while a follow-up question waits for the specialist's answer."""
    return opinion(w) if w.ids["follow_up"] else None


def shared(w):
    """The signed opinion, while its report is shared with a doctor."""
    return opinion(w) if w.ids["report_share"] else None


def question_answered(w) -> bool:
    return Message.objects.filter(id=w.ids["question"], answered_at__isnull=False).exists()


def follow_up_answered(w) -> bool:
    return FollowUpQuestion.objects.filter(id=w.ids["follow_up"],
                                           answer__isnull=False).exists()


def share_revoked(w) -> bool:
    return ReportShare.objects.filter(id=w.ids["report_share"],
                                      revoked_at__isnull=False).exists()


def differ_majorly(w) -> bool:
    """The opinions differ in a major way: where the comparison page offers a third one."""
    latest = w.case.comparisons.order_by("-computed_at").first()
    return latest is not None and latest.impact == "major"


def not_the_patients_report(opinion, user) -> bool:
    """A report's shares are the patient's own: to anyone else they do not exist."""
    return opinion.consultation.case.patient_id != user.id


def _open_question(case):
    return Message.objects.get(case=case, blocking=True, answered_at__isnull=True)


REASON = {"reason": "A plain reason."}
TASK = {"title": "Book the surgeon", "kind": "test", "owner": "patient",
        "due_date": "2030-01-10"}
NEXT_WEEK = (timezone.localdate() + timedelta(days=7)).isoformat()
# An appointment as the form asks for it, and as the actions read it.
APPOINTMENT_FORM = {"kind": "in_person", "date": NEXT_WEEK, "time": "09:30",
                    "time_zone": "UTC", "minutes": "30", "place": "1 Clinic Way"}
APPOINTMENT = {"kind": "in_person", "starts_at": f"{NEXT_WEEK}T09:30", "time_zone": "UTC",
               "minutes": 30, "place": "1 Clinic Way"}


def planned(w):
    """The case, while its plan has a step to tick off."""
    return w.fresh_case() if w.ids["task"] else None


def arranging(w):
    """The appointment arranging would make on the consultation."""
    found = w.fresh_consultation()
    return None if found is None else new_appointment(found)


def appointment(w):
    """The appointment the state's consultation has (see ``_appointment_of``)."""
    return Appointment.objects.select_related(
        "consultation__case", "consultation__specialist").filter(
        pk=w.ids["appointment"] or None).first()
ASKED = {"provider_name": "Riverside Imaging", "asked_text": "The CT images"}
NOTE = b"Lab report: haemoglobin 13.1 g/dL.\n"
NOTE_FILE = "<note>"  # a fresh upload of NOTE, made per request
# A planned procedure date a month ahead (cases.policy plan_procedure).
PLANNED = (timezone.localdate() + timedelta(days=30)).isoformat()
OTHERS = b"PATIENT: Michele Wolf\nDOB: 12/05/1958\nHeart failure.\n"  # held on upload
MESSAGES = "/cases/{case}/messages/"
COMPARISON = "/cases/{case}/comparison/"

BINDINGS: dict[tuple[str, str], Binding | str] = {
    ("case", "edit"): Binding(
        case, ("GET", "/cases/{case}/edit/", {}), ("PATCH", "/cases/{case}", {"goals": "Live."}),
        lambda c, u: case_actions.do_update_case(c, {"goals": "Live."}, acting_user=u)),
    ("case", "submit"): Binding(
        case, ("POST", "/cases/{case}/submit/", {}), ("POST", "/cases/{case}/submit", None),
        lambda c, u: case_actions.do_submit_case(c, acting_user=u)),
    ("case", "withdraw"): Binding(
        case, ("POST", "/cases/{case}/withdraw/", {}), ("POST", "/cases/{case}/withdraw", None),
        lambda c, u: case_actions.do_withdraw_case(c, acting_user=u)),
    ("case", "mark_records"): Binding(
        case, ("POST", "/cases/{case}/records-complete/", {}),
        ("POST", "/cases/{case}/records-complete", None),
        lambda c, u: case_actions.do_mark_records_complete(c, acting_user=u)),
    ("case", "offer"): Binding(
        case, ("POST", "/cases/{case}/offer/", {"specialist_id": "{specialist2}"}),
        ("POST", "/cases/{case}/consultations", {"specialist_id": "{specialist2}"}),
        None),
    ("case", "offer_part"): Binding(
        case, ("POST", "/cases/{case}/parts/new/",
               {"intent": "ask", "specialist_id": "{specialist2}", "asked": "Re-read it."}),
        ("POST", "/cases/{case}/parts", {"specialist_id": "{specialist2}", "asked": "Re-read it."}),
        None),
    ("case", "confirm_system"): Binding(
        case, ("POST", "/cases/{case}/first-system/", {"system_id": "new", "name": "Elsewhere"}),
        None,
        lambda c, u: case_actions.do_confirm_system(c, "new", name="Elsewhere", acting_user=u),
        shown_on="/cases/{case}/matches/",
        done=lambda w: w.fresh_case().first_system_id is not None),
    ("case", "confirm_institution"): Binding(
        case, ("POST", "/cases/{case}/first-institution/", {"institution_id": "none"}), None,
        lambda c, u: case_actions.do_confirm_institution(c, "none", acting_user=u),
        shown_on="/cases/{case}/matches/",
        done=lambda w: w.fresh_case().first_institution_unlisted),
    ("case", "take_on"): Binding(
        case, ("POST", "/cases/{case}/owner/", {"owner": "me"}), None,
        lambda c, u: queue_actions.do_set_case_owner(c, "me", acting_user=u),
        done=lambda w: w.fresh_case().owner_id is not None),
    ("case", "plan_procedure"): Binding(
        case, ("POST", "/cases/{case}/procedure-date/", {"planned_procedure_on": PLANNED}),
        None, lambda c, u: queue_actions.do_plan_procedure(c, PLANNED, acting_user=u),
        done=lambda w: w.fresh_case().planned_procedure_on is not None),
    ("case", "write_intake"): Binding(
        case, ("POST", "/cases/{case}/intake/", {"key_question": "Is surgery needed?",
                                                 "version": "0"}),
        ("PUT", "/cases/{case}/intake", {"key_question": "Is surgery needed?", "version": 0}),
        lambda c, u: do_save_intake_summary(c, {"key_question": "Is surgery needed?"},
                                            acting_user=u, base_version=0),
        done=lambda w: IntakeSummary.objects.filter(case_id=w.case.id).exists()),
    # A field, not a control: the case page and the packet show the summary to whom it
    # allows (cases/tests/test_intake.py); the API reads it alone.
    ("case", "read_intake"): Binding(case, None, ("GET", "/cases/{case}/intake", None), None,
                                     shown_on=None),
    ("case", "follow_up"): Binding(
        case, ("POST", "/cases/{case}/follow-up/", {}), None,
        lambda c, u: do_start_plan(c, acting_user=u)),
    ("case", "close"): Binding(
        case, ("POST", "/cases/{case}/close/", {}), ("POST", "/cases/{case}/close", None),
        lambda c, u: case_actions.do_close_case(c, acting_user=u)),
    ("case", "share"): Binding(
        case, ("POST", "/cases/{case}/share/", {"grantee": "caregiver2", "role": "caregiver"}),
        None,
        lambda c, u: case_actions.do_share_case(c, "caregiver2", acting_user=u)),
    ("case", "invite"): "the share form invites when the address has no account: "
                        "covered by cases/tests (an email is sent)",
    ("case", "unshare"): Binding(
        case, ("POST", "/cases/{case}/share/{share}/revoke/", {}), None,
        lambda c, u: case_actions.do_revoke_share(c, c.shares.first().id, acting_user=u)),
    ("case", "journal"): Binding(case, ("GET", "/cases/{case}/journal/", {}), None, None,
                                 hidden_from=not_the_patients),
    ("case", "story"): Binding(case, ("GET", "/cases/{case}/story/", {}), None, None,
                               shown_on="/cases/{case}/journal/", hidden_from=not_the_patients),
    ("consultation", "accept"): Binding(
        consultation, ("POST", "/consultations/{consultation}/accept/", {}),
        ("POST", "/consultations/{consultation}/accept", None),
        lambda c, u: do_accept_consultation(c, acting_user=u)),
    ("consultation", "decline"): Binding(
        consultation, ("POST", "/consultations/{consultation}/decline/", REASON),
        ("POST", "/consultations/{consultation}/decline", REASON),
        lambda c, u: do_decline_consultation(c, "A plain reason.", acting_user=u)),
    ("consultation", "withdraw"): Binding(
        consultation, ("POST", "/consultations/{consultation}/withdraw/", REASON),
        ("POST", "/consultations/{consultation}/withdraw", REASON),
        lambda c, u: do_withdraw_consultation(c, "A plain reason.", acting_user=u)),
    ("consultation", "release"): Binding(
        consultation, ("POST", "/consultations/{consultation}/release/", REASON),
        ("POST", "/consultations/{consultation}/release", REASON),
        lambda c, u: do_release_consultation(c, "A plain reason.", acting_user=u)),
    ("consultation", "reassign"): "the offer again, from the consultation's end: its page "
                                  "is the case's offer, walked as (case, offer)",
    ("consultation", "read_reasons"): "a field, not a control: consultations/tests/"
                                      "test_reasons.py reads the case page and the API",
    ("record", "add"): Binding(
        case, ("POST", "/cases/{case}/records/upload/", {"files": NOTE_FILE}),
        ("POST", "/cases/{case}/records", {"files": NOTE_FILE}),
        lambda c, u: do_add_records(c, [Upload("note.txt", io.BytesIO(NOTE), len(NOTE))],
                                    acting_user=u)),
    ("record", "remove"): Binding(
        case, ("POST", "/cases/{case}/records/{record}/remove/", {"confirmed": "yes"}),
        ("DELETE", "/cases/{case}/records/{record}", None),
        lambda c, u: do_remove_record(c.records.first(), acting_user=u),
        shown_on="/cases/{case}/records/", hidden_from=lambda c, u: not reads(c, u)),
    ("record", "retype"): Binding(
        case, ("POST", "/cases/{case}/records/{record}/type/", {"record_type": "lab_results"}),
        None,
        lambda c, u: do_set_record_type(c.records.first(), "lab_results", acting_user=u),
        shown_on="/cases/{case}/records/", hidden_from=lambda c, u: not reads(c, u)),
    # The records page as a whole; a single record of it is not found (404) by whoever this
    # refuses (a specialist only offered the case), as the bindings above say.
    ("record", "read"): Binding(case, ("GET", "/cases/{case}/records/", {}), None, None),
    ("record", "see_held"): Binding(
        case, None, None, None, shown_on="/cases/{case}/records/",
        control="On hold: it may be about someone else"),
    ("record", "settle_hold"): Binding(
        case, ("POST", "/cases/{case}/records/{held}/confirm/", {"checked": "yes"}),
        ("POST", "/cases/{case}/records/{held}/confirm", {}),
        lambda c, u: do_confirm_record(c.records.get(identity="held"), acting_user=u),
        shown_on="/cases/{case}/records/",
        hidden_from=lambda c, u: not record_policy.may(u, c, "see_held")),
    # The held records of one file at once. The world's held letter is one file alone, and
    # the records page offers these only for a file with more held (records/tests/
    # test_upload_holds.py reads that page): no control to look for here.
    ("record", "remove_upload"): Binding(
        case, ("POST", "/cases/{case}/records/{held}/remove-all/", {"confirmed": "yes"}),
        ("DELETE", "/cases/{case}/records/{held}/upload", None),
        lambda c, u: do_remove_upload(c.records.get(identity="held"), acting_user=u),
        shown_on=None, rule="remove",
        hidden_from=lambda c, u: not record_policy.may(u, c, "see_held")),
    ("record", "settle_upload"): Binding(
        case, ("POST", "/cases/{case}/records/{held}/confirm-all/", {"checked": "yes"}),
        ("POST", "/cases/{case}/records/{held}/upload/confirm", {}),
        lambda c, u: do_confirm_upload(c.records.get(identity="held"), acting_user=u),
        shown_on=None, rule="settle_hold",
        hidden_from=lambda c, u: not record_policy.may(u, c, "see_held")),
    ("record", "request_release"): Binding(
        case, ("GET", "/cases/{case}/release-request/", {}), None, None),
    # The checklist's buttons post to one address: the patient's mark and the coordinator's
    # confirmation are told apart by the button's name.
    ("record", "mark_checklist"): Binding(
        case, ("POST", "/cases/{case}/checklist/", {"key": "pathology_report", "mark": "sent"}),
        None,
        lambda c, u: do_mark_checklist_item(c, "pathology_report", "sent", acting_user=u),
        control='name="mark" value="none"'),
    ("record", "confirm_checklist"): Binding(
        case, ("POST", "/cases/{case}/checklist/", {"key": "pathology_report",
                                                    "confirm": "yes"}),
        None,
        lambda c, u: do_confirm_checklist_item(c, "pathology_report", acting_user=u),
        control='name="confirm" value="yes"'),
    # Requests for records: the case page links to their list, the list to the form that
    # writes one down and to each open request's own steps (its edit page stands for them).
    ("record", "see_requests"): Binding(
        case, ("GET", "/cases/{case}/records-requests/", {}),
        ("GET", "/cases/{case}/records-requests", None), None),
    ("record", "add_request"): Binding(
        case, ("POST", "/cases/{case}/records-requests/new/", {
            "provider_name": "Riverside Imaging", "asked_text": "The CT images"}),
        ("POST", "/cases/{case}/records-requests", ASKED),
        lambda c, u: do_request_records(c, ASKED, acting_user=u),
        shown_on="/cases/{case}/records-requests/",
        done=lambda w: w.case.records_requests.count() > 1),
    ("record", "manage_requests"): Binding(
        case, ("GET", "/cases/{case}/records-requests/{records_request}/edit/", {}),
        ("PATCH", "/cases/{case}/records-requests/{records_request}", ASKED),
        lambda c, u: do_change_request(c.records_requests.first(), ASKED, acting_user=u),
        shown_on="/cases/{case}/records-requests/"),
    ("message", "read"): Binding(case, ("GET", "/cases/{case}/messages/", {}), None, None),
    # The message form posts to its own page; the care-team note and the waited-for question
    # are choices on it, the answer a reply to the question.
    ("message", "post"): Binding(
        case, ("POST", "/cases/{case}/messages/", {"body": "Hello.", "audience": "case"}),
        ("POST", "/cases/{case}/messages", {"body": "Hello."}),
        lambda c, u: do_send_message(c, {"body": "Hello."}, acting_user=u),
        shown_on=MESSAGES, control='id="write-heading"'),
    ("message", "read_staff_notes"): Binding(
        case, None, None, None, shown_on=MESSAGES,
        control="Notes marked <strong>Care team only</strong>"),
    ("message", "post_staff_note"): Binding(
        case, ("POST", "/cases/{case}/messages/", {"body": "Note.", "audience": "staff"}),
        ("POST", "/cases/{case}/messages", {"body": "Note.", "audience": "staff"}),
        lambda c, u: do_send_message(c, {"body": "Note.", "audience": "staff"}, acting_user=u),
        shown_on=MESSAGES, control='name="audience"'),
    ("message", "ask_blocking"): Binding(
        case, ("POST", "/cases/{case}/messages/", {"body": "Which?", "blocking": "on"}),
        ("POST", "/cases/{case}/messages", {"body": "Which?", "blocking": True}),
        lambda c, u: do_send_message(c, {"body": "Which?", "blocking": True}, acting_user=u),
        shown_on=MESSAGES, control='name="blocking"'),
    ("message", "answer"): Binding(
        waiting, ("POST", "/cases/{case}/messages/",
                  {"body": "Twice a day.", "reply_to": "{question}"}),
        ("POST", "/cases/{case}/messages", {"body": "Twice a day.", "reply_to": "{question}"}),
        lambda c, u: do_send_message(c, {"body": "Twice a day.",
                                         "reply_to": _open_question(c).id}, acting_user=u),
        shown_on=MESSAGES, control="Waiting for your answer", done=question_answered,
        refuses=False),
    ("opinion", "edit"): Binding(
        opinion, ("GET", "/consultations/{consultation}/opinion/", {}), None, None,
        hidden_from=unsigned_to_others),
    ("opinion", "sign"): Binding(
        opinion, ("POST", "/consultations/{consultation}/opinion/sign/",
                  {"confirm": "on", "password": PASSWORD}),
        ("POST", "/consultations/{consultation}/opinion/sign", {"password": PASSWORD}), None,
        shown_on="/consultations/{consultation}/opinion/", hidden_from=unsigned_to_others,
        control='name="intent" value="review"'),  # the editor's "Review and sign" saves first
    ("opinion", "add_addendum"): Binding(
        opinion, ("POST", "/consultations/{consultation}/opinion/addenda/",
                  {"body": "One more thing.", "password": PASSWORD}),
        ("POST", "/consultations/{consultation}/opinion/addenda",
         {"body": "One more thing.", "password": PASSWORD}), None, hidden_from=unsigned),
    ("opinion", "answer_follow_up"): Binding(
        asked, ("POST", "/consultations/{consultation}/opinion/addenda/?answers={follow_up}",
                {"body": "It is.", "password": PASSWORD}),
        ("POST", "/consultations/{consultation}/opinion/addenda",
         {"body": "It is.", "password": PASSWORD, "answers": "{follow_up}"}),
        lambda o, u: do_add_addendum(o, "It is.", acting_user=u, request=sign_request(),
                                     secret=PASSWORD, answers=o.follow_up_questions.first()),
        done=follow_up_answered),
    ("opinion", "ask_follow_up"): Binding(
        opinion, ("POST", "/consultations/{consultation}/opinion/follow-ups/",
                  {"text": "And then?"}),
        ("POST", "/consultations/{consultation}/opinion/follow-ups", {"text": "And then?"}),
        None, hidden_from=unsigned),
    ("opinion", "share_report"): Binding(
        opinion, ("POST", "/consultations/{consultation}/opinion/shares/",
                  {"email": "doctor@example.org", "days": "7", "consent": "on"}), None, None,
        hidden_from=unsigned),
    ("opinion", "revoke_share"): Binding(
        shared, ("POST", "/consultations/{consultation}/opinion/shares/{report_share}/withdraw/",
                 {}), None,
        lambda o, u: do_revoke_report_share(o.shares.first(), acting_user=u),
        hidden_from=not_the_patients_report, done=share_revoked),
    ("opinion", "read_report"): Binding(
        opinion, ("GET", "/consultations/{consultation}/opinion/summary.pdf", {}), None, None,
        hidden_from=unsigned),
    ("decision", "decide"): Binding(
        undecided, ("POST", "/cases/{case}/decision/",
                    {"choice": "first_opinion", "explanation": "", "confirmed": "1"}),
        ("POST", "/cases/{case}/decision", {"choice": "first_opinion", "explanation": ""}),
        lambda c, u: do_record_decision(c, "first_opinion", "", acting_user=u)),
    ("decision", "change_decision"): Binding(
        decided, ("POST", "/cases/{case}/decision/",
                  {"choice": "other_plan", "explanation": "", "confirmed": "1"}),
        ("POST", "/cases/{case}/decision", {"choice": "other_plan", "explanation": ""}),
        lambda c, u: do_record_decision(c, "other_plan", "", acting_user=u)),
    ("decision", "save_aid"): Binding(
        case, ("POST", "/cases/{case}/decide/", {"section": "next", "next_steps": "Ask."}),
        None, lambda c, u: do_save_decision_aid(c, {}, acting_user=u),
        shown_on="/cases/{case}/decide/", control="Save next steps"),
    ("comparison", "review"): Binding(
        case, ("POST", "/cases/{case}/comparison/review/",
               {"diagnosis": "confirmed", "treatment": "same"}), None, None,
        shown_on=COMPARISON),
    ("comparison", "third_opinion"): Binding(
        case, ("POST", "/cases/{case}/third-opinion/", {}),
        ("POST", "/cases/{case}/third-opinion", None), None, shown_on=COMPARISON,
        offered=differ_majorly),
    ("follow_up", "add_task"): Binding(
        case, ("POST", "/cases/{case}/plan/tasks/", TASK), None,
        lambda c, u: do_add_task(c, TASK, acting_user=u), shown_on="/cases/{case}/plan/"),
    ("follow_up", "mark_task"): Binding(
        planned, ("POST", "/cases/{case}/plan/tasks/{task}/", {"done": "yes"}), None,
        lambda c, u: do_mark_task(c.follow_up_tasks.first(), True, acting_user=u),
        shown_on="/cases/{case}/plan/"),
    ("follow_up", "answer_outcome"): "needs a question due months after the decision: "
                                     "followup/tests walk it",
    ("appointment", "arrange"): Binding(
        arranging, ("POST", "/consultations/{consultation}/appointments/new/",
                    APPOINTMENT_FORM), None,
        lambda a, u: do_schedule_appointment(a.consultation, APPOINTMENT, acting_user=u),
        shown_on="/cases/{case}/"),
    ("appointment", "reschedule"): Binding(
        appointment, ("POST", "/appointments/{appointment}/edit/", APPOINTMENT_FORM), None,
        lambda a, u: do_reschedule_appointment(a, APPOINTMENT, acting_user=u),
        shown_on="/cases/{case}/"),
    ("appointment", "cancel"): Binding(
        appointment, ("POST", "/appointments/{appointment}/cancel/", {}), None,
        lambda a, u: do_cancel_appointment(a, acting_user=u), shown_on="/cases/{case}/"),
}


# Where the API lists a policy's set for its object (``allowed_actions``): (the object, the
# address, who is answered 404 instead). It must be the policy's set for the caller, sorted.
API_SETS: dict[str, tuple[Callable[[World], object], str, Callable[[object, object], bool]]] = {
    "case": (case, "/cases/{case}", lambda obj, user: False),
    "consultation": (consultation, "/consultations/{consultation}", lambda obj, user: False),
    "record": (case, "/cases/{case}/records", lambda obj, user: False),
    "message": (case, "/cases/{case}/messages",
                lambda obj, user: message_policy.refusal(user, obj, "read") is not None),
    "opinion": (opinion, "/consultations/{consultation}/opinion", unsigned_to_others),
}


def all_policies() -> list[Policy]:
    """Every domain's policy, found by importing each app's policy module."""
    found = []
    for module in pkgutil.iter_modules(consilium.__path__):
        try:
            policy_module = importlib.import_module(f"consilium.{module.name}.policy")
        except ModuleNotFoundError:
            continue
        found += [value for value in vars(policy_module).values() if isinstance(value, Policy)]
    return found


WALKED = {"case", "consultation", "record", "message", "opinion", "decision", "comparison",
          "follow_up", "appointment"}


def test_every_rule_of_every_policy_has_a_binding():
    missing = [(policy.domain, action) for policy in all_policies() for action in policy.actions
               if policy.domain in WALKED and (policy.domain, action) not in BINDINGS]
    assert missing == []


class _Undo(Exception):
    pass


def _in_savepoint(do):
    try:
        with transaction.atomic():
            outcome = do()
            raise _Undo
    except _Undo:
        return outcome


@pytest.fixture
def build(journey, users, specialists, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    def make(state) -> World:
        upto, then = STATES[state]
        the_case, the_consultation = journey(upto)
        case_actions.do_share_case(the_case, "caregiver", acting_user=users["patient"])
        case_actions.do_share_case(the_case, "physician", role="physician",
                                   acting_user=users["patient"])
        # A letter about someone else (held), then the patient's note (the newest record).
        [held] = do_add_records(the_case, [Upload("wolf.txt", io.BytesIO(OTHERS), len(OTHERS))],
                                acting_user=users["patient"])
        do_add_records(the_case, [Upload("note.txt", io.BytesIO(NOTE), len(NOTE))],
                       acting_user=users["patient"])
        made = _appointment_of(the_consultation, users["coordinator"])
        asked = do_request_records(the_case, ASKED, acting_user=users["coordinator"])
        world = World(users, the_case, the_consultation)
        if then is not None:
            then(world)
        world.ids = {"case": the_case.id,
                     "consultation": the_consultation.id if the_consultation else "",
                     "specialist2": specialists["specialist2"].id,
                     "share": the_case.shares.first().id,
                     "record": _a_record(the_case, users["patient"]),
                     "held": held.record.id,
                     **_waiting_on(the_case),
                     "task": getattr(the_case.follow_up_tasks.first(), "id", ""),
                     "appointment": made.pk if made else "",
                     "records_request": asked.id}
        return world

    return make


def _a_record(the_case, patient):
    return the_case.records.first().id


def _appointment_of(the_consultation, coordinator):
    """An appointment next week, made while the specialist has the case (a hand-back then
    cancels it)."""
    if the_consultation is None or the_consultation.status not in OPEN_FOR:
        return None
    return do_schedule_appointment(the_consultation, APPOINTMENT, acting_user=coordinator)


def _waiting_on(the_case) -> dict:
    """What the state leaves waiting ("" for none): the specialist's question to the
    patient, a follow-up question to the specialist, the report shared with a doctor."""
    question = Message.objects.filter(case=the_case, blocking=True,
                                      answered_at__isnull=True).first()
    follow_up = FollowUpQuestion.objects.filter(opinion__consultation__case=the_case,
                                                answer__isnull=True).first()
    share = ReportShare.objects.filter(opinion__consultation__case=the_case,
                                       revoked_at__isnull=True).first()
    return {"question": question.id if question else "",
            "follow_up": follow_up.id if follow_up else "",
            "report_share": share.id if share else ""}


def _fill(template: str, ids: dict) -> str:
    return template.format(**ids)


def _shown(page_html: str, address: str) -> bool:
    return f'action="{address}"' in page_html or f'href="{address}"' in page_html


def _control_shown(binding, page_html: str, ids: dict) -> bool:
    if binding.control is not None:
        return binding.control in page_html
    return _shown(page_html, _fill(binding.page[1], ids))


def _answered(client_call) -> tuple[int, str]:
    response = client_call()
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, html.unescape(body.decode(errors="replace"))


@pytest.mark.parametrize("state", list(STATES))
def test_page_api_and_action_agree(build, state, login, token_for):
    world = build(state)
    problems = []
    for role in ROLES:
        user = world.users[role]
        page_client, api_client = login(user, Client()), Client()
        bearer = {"Authorization": f"Bearer {token_for(user)}"}
        pages: dict[str, tuple[int, str]] = {}
        case_page = _fill("/cases/{case}/", world.ids)
        pages[case_page] = _answered(partial(page_client.get, case_page))
        if pages[case_page][0] == 404:
            continue  # this role cannot see the case in this state: the access matrix's part
        for (domain, action), binding in BINDINGS.items():
            if isinstance(binding, str):
                continue
            obj = binding.target(world)
            if obj is None:
                continue
            policy = next(p for p in all_policies() if p.domain == domain)
            refusal = policy.refusal(user, obj, binding.rule or action)
            where = f"{state} · {role} · {domain}.{action}"
            if binding.shown_on:
                page = _fill(binding.shown_on, world.ids)
                if page not in pages:
                    pages[page] = _answered(partial(page_client.get, page))
                status, text = pages[page]
                checkable = binding.control is not None or binding.page is not None
                if checkable and binding.offered(world) and _control_shown(
                        binding, text, world.ids) != (refusal is None):
                    problems.append(f"{where}: control shown={not refusal}? page disagrees")
            hidden = refusal is not None and binding.hidden_from(obj, user)
            problems += _check_page(binding, world, page_client, refusal, where, hidden)
            problems += _check_api(binding, world, api_client, bearer, refusal, where, hidden)
            problems += _check_action(binding, world, obj, user, refusal, where)
        for domain, (target, path, hidden_from) in API_SETS.items():
            problems += _check_api_set(domain, target(world), _fill(path, world.ids),
                                       hidden_from, user, api_client, bearer,
                                       f"{state} · {role} · {domain}")
    assert not problems, "\n".join(problems)


def _check_page(binding, world, client, refusal, where, hidden) -> list[str]:
    if binding.page is None:
        return []
    method, address, form = binding.page
    address = _fill(address, world.ids)
    data = {key: _upload() if value == NOTE_FILE else _fill(str(value), world.ids)
            for key, value in form.items()}
    call = (lambda: client.get(address)) if method == "GET" else (
        lambda: client.post(address, data))
    return _compare("page", *_in_savepoint(lambda: _attempt(call, binding, world)), binding,
                    refusal, where, hidden)


def _attempt(call, binding, world) -> tuple[int, str, bool | None]:
    """The answer to the request, and whether the action's effect is there after it."""
    status, text = _answered(call)
    return status, text, None if binding.done is None else binding.done(world)


def _upload():
    return SimpleUploadedFile("note.txt", NOTE, content_type="text/plain")


def _check_api(binding, world, client, bearer, refusal, where, hidden) -> list[str]:
    if binding.api is None:
        return []
    method, path, body = binding.api
    url = "/api/v1" + _fill(path, world.ids)
    if body and NOTE_FILE in body.values():  # a multipart upload, as the API takes files
        def upload():
            return client.post(url, {"files": _upload()}, headers=bearer)

        return _compare("API", *_in_savepoint(lambda: _attempt(upload, binding, world)),
                        binding, refusal, where, hidden)
    payload = None if body is None else {
        key: _json_value(value, world.ids) for key, value in body.items()}

    def call():
        return client.generic(method, url, "" if payload is None else json.dumps(
            payload), content_type="application/json", headers=bearer)

    return _compare("API", *_in_savepoint(lambda: _attempt(call, binding, world)), binding,
                    refusal, where, hidden)


def _json_value(value, ids: dict):
    """A body's value with the world's IDs filled in (a number where the ID is one)."""
    if not (isinstance(value, str) and value.startswith("{")):
        return value
    filled = _fill(value, ids)
    return int(filled) if filled.isdigit() else filled


def _compare(surface, status, text, done, binding, refusal, where, hidden=False) -> list[str]:
    if done is not None and done != (refusal is None):
        return [f"{where}: allowed, but the {surface} ({status}) did not do it" if refusal is None
                else f"{where}: refused, but the {surface} ({status}) did it"]
    if refusal is None:  # allowed: it works, or asks for what is missing (422), never refuses
        return [] if status < 400 or status == 422 else [
            f"{where}: allowed, but the {surface} said {status}"]
    if not binding.refuses:  # it did something else, and not the action (``done``)
        return []
    if hidden:
        return [] if status == 404 else [f"{where}: hidden, but the {surface} said {status}"]
    if status != refusal.status_code:
        return [f"{where}: refused ({refusal.status_code}), the {surface} said {status}"]
    if refusal.message not in text:
        return [f"{where}: the {surface} did not say {refusal.message!r}"]
    return []


def _check_api_set(domain, obj, path, hidden_from, user, client, bearer, where) -> list[str]:
    if obj is None:
        return []
    policy = next(p for p in all_policies() if p.domain == domain)
    status, text = _in_savepoint(lambda: _answered(
        partial(client.get, "/api/v1" + path, headers=bearer)))
    if hidden_from(obj, user):
        return [] if status == 404 else [f"{where}: hidden, but the API listed it ({status})"]
    if status != 200:
        return [f"{where}: the API answered {status} for {path}"]
    listed, expected = json.loads(text)["allowed_actions"], sorted(policy.allowed(user, obj))
    return [] if listed == expected else [
        f"{where}: the API lists {listed}, the policy allows {expected}"]


def _check_action(binding, world, obj, user, refusal, where) -> list[str]:
    if binding.call is None or refusal is None:
        return []

    def call():
        try:
            binding.call(obj, user)
        except DomainError as error:
            return type(error), error.message, False
        return None, None, binding.done is not None and binding.done(world)

    kind, said, done = _in_savepoint(call)
    if done:
        return [f"{where}: refused, but the action did it"]
    if binding.refuses and (kind, said) != (type(refusal), refusal.message):
        return [f"{where}: the action said {said!r} ({kind}), the policy {refusal!r}"]
    return []

"""Requests for records through the API (issue #22): written down by the patient or a
coordinator, corrected, sent, reminded and closed by a coordinator, through the pages'
actions, rules and messages; the provider stays out of the audit rows' and events' words."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from consilium.audit.models import AuditEntry
from consilium.records.actions import Upload, do_add_records
from consilium.records.models import RecordsRequest

ASKED = {"provider_name": "Zebrafinch Imaging Clinic", "provider_fax": "+1 512 555 0100",
         "asked_items": ["pathology_report"], "asked_text": "CT of the chest, March 2026"}


@pytest.fixture
def case(journey):
    return journey("submitted")[0]


def path(case, *rest) -> str:
    return "/".join([f"/cases/{case.id}/records-requests", *map(str, rest)])


@time_machine.travel("2026-05-04 10:00 +00:00", tick=False)
def test_a_request_from_the_patient_is_sent_reminded_and_received(api, users, case):
    made = api(users["patient"], "post", path(case), ASKED)
    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["state"], body["provider_name"], body["asked"]) == (
        "to_send", ASKED["provider_name"],
        ["The pathology report, from the lab that looked at your tissue",
         "CT of the chest, March 2026"])
    one = body["id"]
    changed = api(users["coordinator"], "patch", path(case, one),
                  {"provider_email": "records@zebrafinch.example"})
    assert changed.status_code == 200
    assert (changed.json()["provider_email"], changed.json()["provider_name"]) == (
        "records@zebrafinch.example", ASKED["provider_name"])  # the rest is kept
    sent = api(users["coordinator"], "post", path(case, one, "sent"),
               {"sent_on": "2026-04-01", "due_on": "2026-04-20"})
    assert sent.status_code == 200
    assert (sent.json()["state"], sent.json()["due_on"]) == ("overdue", "2026-04-20")
    reminded = api(users["coordinator"], "post", path(case, one, "reminded"))
    assert reminded.status_code == 200 and reminded.json()["reminders"] == 1
    assert reminded.json()["state"] == "sent"  # due again, later
    twice = api(users["coordinator"], "post", path(case, one, "reminded"))
    assert twice.status_code == 409 and "already reminded today" in twice.json()["detail"]
    [upload] = do_add_records(case, [Upload("ct.txt", io.BytesIO(b"CT report"), 9)],
                              acting_user=users["patient"])
    received = api(users["coordinator"], "post", path(case, one, "received"),
                   {"record_id": str(upload.record.id)})
    assert received.status_code == 200
    assert (received.json()["state"], received.json()["received_with_id"]) == (
        "received", str(upload.record.id))
    listed = api(users["patient"], "get", path(case))
    assert listed.status_code == 200 and listed.json()["count"] == 1
    assert listed.json()["items"][0]["state"] == "received"
    closed = api(users["coordinator"], "post", path(case, one, "cancel"))
    assert closed.status_code == 409 and "were received on" in closed.json()["detail"]
    assert list(AuditEntry.objects.filter(action__startswith="records_request.")
                .exclude(action__endswith=".refused").values_list("action", flat=True)
                .order_by("id")) == [
        "records_request.create", "records_request.edit", "records_request.change",
        "records_request.send", "records_request.send", "records_request.remind",
        "records_request.remind", "records_request.remind", "records_request.receive",
        "records_request.receive", "records_request.cancel"]


def test_a_coordinator_cancels_a_request(api, users, case):
    one = api(users["coordinator"], "post", path(case), ASKED).json()["id"]
    cancelled = api(users["coordinator"], "post", path(case, one, "cancel"))
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert api(users["coordinator"], "get", path(case, one)).json()["cancelled_on"] == str(
        timezone.localdate())


def test_bad_input_is_refused_with_the_pages_words_and_changes_nothing(api, users, case):
    for body, field in (({"asked_text": "x"}, "provider_name"),
                        ({"provider_name": "X"}, "asked_items"),
                        ({**ASKED, "asked_items": ["not_an_item"]}, "asked_items"),
                        ({**ASKED, "provider_email": "not mail"}, "provider_email")):
        refused = api(users["coordinator"], "post", path(case), body)
        assert refused.status_code == 422 and field in refused.json()["errors"], body
    assert not RecordsRequest.objects.exists()
    one = api(users["coordinator"], "post", path(case), ASKED).json()["id"]
    tomorrow = str(timezone.localdate() + timedelta(days=1))
    future = api(users["coordinator"], "post", path(case, one, "sent"), {"sent_on": tomorrow})
    assert future.status_code == 422 and "sent_on" in future.json()["errors"]
    early = api(users["coordinator"], "post", path(case, one, "sent"),
                {"due_on": str(timezone.localdate() - timedelta(days=1))})
    assert early.status_code == 422 and "due_on" in early.json()["errors"]
    unsent = api(users["coordinator"], "post", path(case, one, "reminded"))
    assert unsent.status_code == 409 and "not sent yet" in unsent.json()["detail"]
    other = api(users["coordinator"], "post", path(case, one, "received"),
                {"record_id": "00000000-0000-0000-0000-000000000000"})
    assert other.status_code == 422 and "record" in other.json()["errors"]
    blank = api(users["coordinator"], "patch", path(case, one), {"provider_name": ""})
    assert blank.status_code == 422
    found = RecordsRequest.objects.get()
    assert (found.sent_on, found.received_on, found.provider_name) == (
        None, None, ASKED["provider_name"])


def test_who_may_do_what(api, users, case, journey):
    one = api(users["coordinator"], "post", path(case), ASKED).json()["id"]
    # The patient writes one down but does not send or change it; a specialist sees none.
    refused = api(users["patient"], "post", path(case, one, "sent"), {})
    assert refused.status_code == 403
    assert refused.json()["detail"] == ("Only a coordinator can send or change a request for "
                                        "records.")
    assert api(users["patient"], "patch", path(case, one), ASKED).status_code == 403
    assert api(users["patient"], "get", path(case, one)).status_code == 200
    assert api(users["patient2"], "get", path(case)).status_code == 404
    assert api(users["patient2"], "get", path(case, one)).status_code == 404
    other_case, _ = journey("submitted", patient="patient2")  # another case's request: 404
    assert api(users["patient2"], "get", path(other_case, one)).status_code == 404
    assert RecordsRequest.objects.get().sent_on is None
    assert AuditEntry.objects.filter(action="records_request.send.refused",
                                     actor=users["patient"]).exists()


def test_a_closed_case_takes_no_new_request(api, users, case):
    from consilium.cases.actions import do_withdraw_case

    do_withdraw_case(case, acting_user=users["patient"])
    refused = api(users["patient"], "post", path(case), ASKED)
    assert refused.status_code == 409
    assert refused.json()["detail"] == "The case is closed; no more records are asked for."

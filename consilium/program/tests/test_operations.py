"""The operational figures and the per-case export, from a history built day by day through
the real actions."""

import csv
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consilium.cases.actions import do_mark_records_complete
from consilium.conftest import COMPLETE_OPINION, FIRST_OPINION, PASSWORD, sign_request
from consilium.consultations.actions import (
    do_accept_consultation,
    do_decline_consultation,
    do_offer_consultation,
)
from consilium.opinions.actions import do_save_opinion, do_sign_opinion
from consilium.program.operations import CASE_COLUMNS, operational_figures

DECLINE = "Not my field: the ovarian mass needs a gynaecologic oncologist."


def on(moment: str):
    return time_machine.travel(f"2026-{moment} +0000", tick=False)


@pytest.fixture
def history(journey, users, specialists):
    """Case A: submitted 2 Nov, records complete 4 Nov, declined by Dr. Weiss, accepted by
    Dr. Okafor 9 Nov (7 days), signed 12 Nov. Case B: submitted 3 Nov, accepted 4 Nov
    (1 day), still open. Case C: submitted 1 Dec, not offered."""
    coordinator, okafor = users["coordinator"], users["specialist"]
    with on("11-02 09:00"):
        first, _ = journey("submitted")
    with on("11-04 09:00"):
        do_mark_records_complete(first, acting_user=coordinator)
    with on("11-05 09:00"):
        offer = do_offer_consultation(first, specialists["specialist2"].id,
                                      acting_user=coordinator)
    with on("11-06 09:00"):
        do_decline_consultation(offer, DECLINE, acting_user=users["specialist2"])
    with on("11-06 10:00"):
        offer = do_offer_consultation(first, specialists["specialist"].id,
                                      acting_user=coordinator)
    with on("11-09 09:00"):
        do_accept_consultation(offer, acting_user=okafor)
        answers = {q.id: {"text": "An answer."} for q in first.questions.all()}
        do_save_opinion(offer, {**COMPLETE_OPINION, "answers": answers}, acting_user=okafor,
                        base_version=0)
    with on("11-12 09:00"):
        do_sign_opinion(offer, acting_user=okafor, request=sign_request(), secret=PASSWORD)
    with on("11-03 09:00"):
        second, _ = journey("submitted")
        offer = do_offer_consultation(second, specialists["specialist"].id,
                                      acting_user=coordinator)
    with on("11-04 09:00"):
        do_accept_consultation(offer, acting_user=okafor)
    with on("12-01 09:00"):
        third, _ = journey("submitted")
    return first, second, third


def test_the_figures_follow_the_history(history, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        ops = operational_figures()
    assert (ops.matching.cases, ops.matching.median, ops.matching.p90) == (2, 1, 7)
    assert (ops.records.cases, ops.records.median) == (1, 2)
    assert [(m.label, m.cases, m.median) for m in ops.match_by_month] == [("2026-11", 2, 1)]
    endings = dict(ops.endings)
    assert (endings["Accepted"], endings["Declined by the specialist"]) == (2, 1)
    assert endings["Expired unanswered"] == endings["Waiting for an answer"] == 0
    assert (ops.offers, ops.declined, ops.answered, ops.declined_share) == (3, 1, 3, 33.3)
    okafor, weiss = ops.specialists
    assert (okafor.name, okafor.open, okafor.offers, okafor.signed) == (
        "Dr. Helen Okafor", 1, 2, 1)
    assert okafor.turnaround.median == 3  # accepted 9 Nov, signed 12 Nov
    assert (okafor.in_time, okafor.timed, okafor.on_time_share) == (1, 1, 100.0)
    assert (weiss.name, weiss.open, weiss.offers, weiss.declined) == ("Dr. Daniel Weiss", 0,
                                                                       1, 1)
    assert weiss.turnaround.median is None and weiss.on_time_share is None


def test_nothing_yet_is_said_in_words(users, login, client):
    ops = operational_figures()
    assert ops.matching.median is None and ops.specialists == [] and ops.offers == 0
    login(users["admin"])
    text = client.get("/figures/").content.decode()
    assert "No specialist has accepted a case yet." in text
    assert "No case has been offered to a specialist yet." in text


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/figures/").status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_whatever_the_cases(history, journey, users, login,
                                                            client):
    login(users["coordinator"])
    before = _page_queries(client)
    for upto in ("submitted", "accepted", "opinion_delivered", "offered"):
        journey(upto)
    assert _page_queries(client) == before
    text = client.get("/figures/").content.decode()
    assert "Time to a specialist, by month submitted" in text
    assert "Dr. Helen Okafor" in text and "Declined by the specialist" in text
    assert DECLINE not in text


def _export(client) -> list[dict]:
    response = client.get("/figures/cases.csv")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_export_has_a_row_a_case_and_no_health_data(history, users, login, client):
    first, second, third = history
    login(users["admin"])
    response = client.get("/figures/cases.csv")
    text = b"".join(response.streaming_content).decode()
    for private in (FIRST_OPINION["diagnosis_text"], FIRST_OPINION["treatment_description"],
                    FIRST_OPINION["institution"], FIRST_OPINION["hospital_system"],
                    *FIRST_OPINION["questions"], DECLINE, "C50", users["patient"].username,
                    users["patient"].email, str(first.id)):
        assert private not in text
    rows = {row["case"]: row for row in csv.DictReader(io.StringIO(text))}
    assert list(next(iter(rows.values()))) == CASE_COLUMNS
    assert set(rows) == {first.short_id, second.short_id, third.short_id}
    assert rows[first.short_id] == {
        "case": first.short_id, "state": "Opinion delivered", "specialty": "Medical Oncology",
        "submitted_on": "2026-11-02", "records_complete_on": "2026-11-04",
        "first_offered_on": "2026-11-05", "accepted_on": "2026-11-09",
        "signed_on": "2026-11-12", "due_on": rows[first.short_id]["due_on"],
        "days_waiting_for_records": "2", "days_to_match": "7", "days_accepted_to_signed": "3",
        "on_time": "yes", "offers": "2", "declined": "1"}
    assert rows[first.short_id]["due_on"] >= "2026-11-12"
    assert rows[second.short_id] | {"due_on": ""} == {
        "case": second.short_id, "state": "Specialist assigned",
        "specialty": "Medical Oncology", "submitted_on": "2026-11-03",
        "records_complete_on": "", "first_offered_on": "2026-11-03",
        "accepted_on": "2026-11-04", "signed_on": "", "due_on": "",
        "days_waiting_for_records": "", "days_to_match": "1", "days_accepted_to_signed": "",
        "on_time": "", "offers": "1", "declined": "0"}
    assert rows[third.short_id]["days_to_match"] == "" and rows[third.short_id]["offers"] == "0"


@pytest.mark.parametrize("role", ["patient", "caregiver", "physician", "specialist"])
def test_only_coordinators_and_admins_export(history, users, login, client, role):
    login(users[role])
    assert client.get("/figures/cases.csv").status_code == 404
    login(users["coordinator"])
    assert len(_export(client)) == 3


def test_drafts_are_not_exported(journey, users, login, client):
    journey("draft")
    login(users["coordinator"])
    assert _export(client) == []


def test_a_case_handed_back_keeps_its_first_steps(journey, users, specialists):
    from consilium.consultations.actions import do_release_consultation

    with on("11-02 09:00"):
        case, consultation = journey("accepted")
    with on("11-10 09:00"):
        do_release_consultation(consultation, "Away for a month.",
                                acting_user=users["specialist"])
        case.refresh_from_db()
        again = do_offer_consultation(case, specialists["specialist2"].id,
                                      acting_user=users["coordinator"])
        do_accept_consultation(again, acting_user=users["specialist2"])
    case.refresh_from_db()
    assert case.submitted_at.date().isoformat() == "2026-11-02"
    assert case.matched_at.date().isoformat() == "2026-11-02"
    assert operational_figures().matching.cases == 1


def test_the_migration_reads_the_first_steps_from_the_events(history):
    import importlib

    from django.apps import apps

    from consilium.cases.models import Case

    first = history[0]
    kept = Case.objects.values_list("id", "submitted_at", "records_complete_at", "matched_at")
    before = set(kept)
    Case.objects.update(submitted_at=None, records_complete_at=None, matched_at=None)
    importlib.import_module("consilium.cases.migrations.0017_case_step_times").from_events(
        apps, None)
    assert set(kept) == before
    assert Case.objects.get(id=first.id).records_complete_at is not None

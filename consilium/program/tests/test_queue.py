"""The coordinator's work queue: its quick filters and their counts, its filters, sorting,
search, owners, urgency, service levels, declined offers and saved views."""

import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consilium.audit.models import AuditEntry
from consilium.cases.models import Case, Event, EventKind
from consilium.cases.queue_actions import do_plan_procedure, do_set_case_owner
from consilium.consultations.actions import do_decline_consultation, do_offer_consultation
from consilium.program import queue
from consilium.program.models import SavedFilter
from consilium.records.request_actions import do_mark_request_sent, do_request_records


def at(day: str):
    return datetime.fromisoformat(f"{day}T09:00").replace(tzinfo=ZoneInfo(settings.TIME_ZONE))


def _counts(text: str) -> dict[str, str]:
    return dict(re.findall(r'data-filter="(\w+)">[^<]*<span class="count">(\d+)</span>', text))


def _shown(text: str, *cases) -> list[bool]:
    return [case.short_id in text for case in cases]


def _order(text: str) -> list[str]:
    return re.findall(r'<a href="/cases/[0-9a-f-]{36}/" class="mono">([0-9a-f]{8})</a>', text)


def test_the_queue_shows_deadlines(client, login, users, journey):
    with time_machine.travel(at("2026-11-23"), tick=False):
        late, _ = journey("accepted")
        offered, _ = journey("offered", patient="patient2")
        journey("submitted")
    with time_machine.travel(at("2026-12-03"), tick=False):  # the opinion was due 2 Dec
        login(users["coordinator"])
        text = client.get("/queue/").content.decode()
        counts = _counts(text)
        assert {k: counts[k] for k in ("overdue", "due_soon", "awaiting_answer",
                                       "waiting_on_patient", "unowned")} == {
            "overdue": "1", "due_soon": "0", "awaiting_answer": "1",
            "waiting_on_patient": "0", "unowned": "3"}
        overdue = client.get("/queue/?due=overdue").content.decode()
        assert _shown(overdue, late, offered) == [True, False]
        assert "opinion due 2 Dec" in overdue and "(overdue)" in overdue
        assert "1 working day overdue" in overdue and "sla-late" in overdue
        waiting = client.get("/queue/?due=awaiting_answer").content.decode()
        assert offered.short_id in waiting and "answer by 25 Nov" in waiting
        assert "(late)" in waiting and "the clock starts when the records are complete" in waiting
    with time_machine.travel(at("2026-11-30"), tick=False):
        login(users["coordinator"])
        soon = client.get("/queue/?due=due_soon").content.decode()
        assert late.short_id in soon and "2 working days left" in soon
    with time_machine.travel(at("2026-11-24"), tick=False):  # nothing overdue yet
        login(users["coordinator"])
        empty = client.get("/queue/?due=overdue")
        assert "Nothing here right now" in empty.content.decode()


def test_waiting_on_the_patient_stops_the_overdue_flag(client, login, users, journey):
    from consilium.conversations.actions import do_send_message

    with time_machine.travel(at("2026-11-23"), tick=False):
        case, _ = journey("accepted")
        do_send_message(case, {"body": "Which dose?", "blocking": True},
                        acting_user=users["specialist"])
    with time_machine.travel(at("2026-12-03"), tick=False):
        login(users["coordinator"])
        text = client.get("/queue/").content.decode()
        assert _counts(text)["overdue"] == "0" and _counts(text)["waiting_on_patient"] == "1"
        page = client.get("/queue/?waiting=1").content.decode()
        assert "waiting on the patient since 23 Nov (clock stopped)" in page
        assert "(overdue)" not in page and "Clock stopped" in page


def test_every_cell_keeps_its_column_label_on_a_phone(client, login, users, journey):
    journey("accepted")
    login(users["coordinator"])
    text = client.get("/queue/").content.decode()
    cells = re.findall(r"<td[^>]*>", text)
    assert cells and all("data-label=" in cell for cell in cells)


def test_taking_and_assigning_a_case(client, login, users, journey, make_user):
    from consilium.accounts.models import Role

    other = make_user("coordinator2", Role.COORDINATOR, first_name="Ola", last_name="Berg")
    case, _ = journey("submitted")
    login(users["coordinator"])
    assert "Take this case" in client.get(f"/cases/{case.id}/").content.decode()
    response = client.post(f"/cases/{case.id}/owner/", {"owner": "me"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.owner == users["coordinator"]
    assert _shown(client.get("/queue/?owner=mine").content.decode(), case) == [True]
    assert _shown(client.get("/queue/?owner=unowned").content.decode(), case) == [False]
    client.post(f"/cases/{case.id}/owner/", {"owner": other.id, "next": "queue"})
    case.refresh_from_db()
    assert case.owner == other
    assert _shown(client.get(f"/queue/?owner={other.id}").content.decode(), case) == [True]
    assert _shown(client.get("/queue/?owner=mine").content.decode(), case) == [False]
    events = Event.objects.filter(case=case, kind=EventKind.OWNER_CHANGED)
    assert [e.note for e in events] == [str(users["coordinator"]), "Ola Berg"]
    assert AuditEntry.objects.filter(action="case.owner").count() == 2
    # A patient is no coordinator: refused, and nothing changes.
    bad = client.post(f"/cases/{case.id}/owner/", {"owner": users["patient"].id})
    assert bad.status_code == 422 and "Choose a coordinator" in bad.content.decode()
    login(users["patient"])
    assert client.post(f"/cases/{case.id}/owner/", {"owner": "me"}).status_code == 403
    case.refresh_from_db()
    assert case.owner == other


def test_the_planned_procedure_makes_the_urgency(client, login, users, journey):
    today = timezone.localdate()
    soon, _ = journey("submitted")
    later, _ = journey("submitted")
    none, _ = journey("submitted")
    login(users["patient"])
    response = client.post(f"/cases/{soon.id}/procedure-date/",
                           {"planned_procedure_on": (today + timedelta(days=5)).isoformat()})
    assert response.status_code == 302
    past = client.post(f"/cases/{later.id}/procedure-date/",
                       {"planned_procedure_on": (today - timedelta(days=1)).isoformat()})
    assert past.status_code == 422 and "That day has passed" in past.content.decode()
    do_plan_procedure(later, today + timedelta(days=40), acting_user=users["coordinator"])
    assert Event.objects.filter(kind=EventKind.PROCEDURE_PLANNED).count() == 2
    login(users["coordinator"])
    text = client.get("/queue/?urgency=soon").content.decode()
    assert _shown(text, soon, later, none) == [True, False, False]
    assert "in 5 days" in text and 'class="urgent"' in text
    assert _counts(client.get("/queue/").content.decode())["urgent"] == "1"
    ordered = _order(client.get("/queue/?sort=procedure").content.decode())
    assert ordered == [soon.short_id, later.short_id, none.short_id]  # no date: last
    backwards = _order(client.get("/queue/?sort=-procedure").content.decode())
    assert backwards == [later.short_id, soon.short_id, none.short_id]


def test_every_column_sorts_and_only_allowed_sorts_are_read(client, login, users, journey):
    for upto in ("submitted", "offered", "accepted"):
        journey(upto)
    login(users["coordinator"])
    default = _order(client.get("/queue/").content.decode())
    for key in queue.SORTS:
        for sort in (key, f"-{key}"):
            response = client.get(f"/queue/?sort={sort}")
            assert response.status_code == 200, sort
            assert sorted(_order(response.content.decode())) == sorted(default)
    # Anything but an allowed key is ignored, never handed to the database.
    for bad in ("patient__password", "-id;drop", "?", "status_changed_at"):
        assert _order(client.get("/queue/", {"sort": bad}).content.decode()) == default


def test_pages_keep_the_filters_and_one_order(client, login, users, journey):
    made = [journey("submitted")[0] for _ in range(27)]
    login(users["coordinator"])
    first = client.get("/queue/?state=submitted&sort=patient").content.decode()
    assert "Page 1 of 2" in first
    assert 'href="?state=submitted&amp;sort=patient&amp;page=2"' in first
    second = client.get("/queue/?state=submitted&sort=patient&page=2").content.decode()
    shown = _order(first) + _order(second)
    assert sorted(shown) == sorted(c.short_id for c in made)  # each once: a stable order


def test_declined_offers_are_shown_with_their_reason(client, login, users, journey,
                                                     specialists):
    case, consultation = journey("offered")
    do_decline_consultation(consultation, "On leave until March.",
                            acting_user=users["specialist"])
    login(users["coordinator"])
    text = client.get("/queue/?declined=1").content.decode()
    assert case.short_id in text
    assert "<strong>Declined</strong> by Dr. Helen Okafor" in text
    assert "On leave until March." in text
    do_offer_consultation(case, specialists["specialist2"].id, acting_user=users["coordinator"],
                          reason="Free this week.")
    text = client.get("/queue/?declined=1").content.decode()
    assert "On leave until March." in text and "offered, answer by" in text


def test_records_on_hold_filter(client, login, users, journey):
    from consilium.records.actions import Upload, do_add_records
    from consilium.records.models import IdentityCheck, Record

    held_case, _ = journey("submitted")
    other, _ = journey("submitted")
    note = b"A letter."
    [added] = do_add_records(held_case, [Upload("letter.txt", io.BytesIO(note), len(note))],
                             acting_user=users["patient"])
    Record.objects.filter(id=added.record.id).update(identity=IdentityCheck.HELD)
    login(users["coordinator"])
    text = client.get("/queue/?held=1").content.decode()
    assert _shown(text, held_case, other) == [True, False] and "Records on hold" in text
    assert _counts(client.get("/queue/").content.decode())["on_hold"] == "1"


def test_records_requests_overdue_filter(client, login, users, journey):
    from consilium.records.request_actions import (
        do_close_request,
        do_mark_request_sent,
        do_request_records,
    )

    late_case, _ = journey("submitted")
    on_time, _ = journey("submitted")
    received, _ = journey("submitted", patient="patient2")
    coordinator, today = users["coordinator"], timezone.localdate()
    long_ago = {"sent_on": str(today - timedelta(days=30))}
    for case, provider in ((late_case, "Zebra Clinic"), (received, "Other Clinic")):
        asked = do_request_records(case, {"provider_name": provider, "asked_text": "Notes"},
                                   acting_user=coordinator)
        do_mark_request_sent(asked, long_ago, acting_user=coordinator)
    do_close_request(asked, acting_user=coordinator)  # received: no longer overdue
    fresh = do_request_records(on_time, {"provider_name": "Fresh Clinic", "asked_text": "X"},
                               acting_user=coordinator)
    do_mark_request_sent(fresh, acting_user=coordinator)
    login(coordinator)
    text = client.get("/queue/?records_overdue=1").content.decode()
    assert _shown(text, late_case, on_time, received) == [True, False, False]
    assert "Records overdue</strong> from Zebra Clinic" in text
    everything = client.get("/queue/").content.decode()
    assert _counts(everything)["records_overdue"] == "1"
    assert "Fresh Clinic" not in everything and "Other Clinic" not in everything


def test_the_specialty_filter(client, login, users, journey):
    offered, _ = journey("offered")
    alone, _ = journey("submitted")
    login(users["coordinator"])
    specialty = users["specialist"].specialist.specialty
    text = client.get("/queue/", {"specialty": specialty}).content.decode()
    assert _shown(text, offered, alone) == [True, False]
    # A specialty the directory does not have is no filter.
    unknown = client.get("/queue/", {"specialty": "Astrology"}).content.decode()
    assert _shown(unknown, offered, alone) == [True, True]


def test_the_search_stays_out_of_the_address_and_the_audit_trail(client, login, users,
                                                                 journey):
    users["patient2"].first_name, users["patient2"].last_name = "James", "Quintanilla"
    users["patient2"].save()
    theirs, _ = journey("submitted", patient="patient2")
    mine, _ = journey("submitted")
    login(users["coordinator"])
    response = client.post("/queue/", {"q": "quintan", "state": "submitted"})
    assert response.status_code == 302
    assert "quintan" not in response.url.lower() and "search=1" in response.url
    assert "state=submitted" in response.url  # the filters are kept
    text = client.get(response.url).content.decode()
    assert _shown(text, theirs, mine) == [True, False]
    assert 'value="quintan"' in text  # the box shows it, from the session
    stored = client.session["queue_search"]
    assert "quintan" not in stored and stored.startswith("cf1:")
    assert not AuditEntry.objects.filter(action__icontains="quintan").exists()
    # By the case reference, and by the coded diagnosis (C50.912, a breast cancer code).
    client.post("/queue/", {"q": mine.short_id[:6]})
    text = client.get("/queue/?search=1").content.decode()
    assert _shown(text, theirs, mine) == [False, True]
    client.post("/queue/", {"q": "c50"})
    assert _shown(client.get("/queue/?search=1").content.decode(), theirs, mine) == [True,
                                                                                    True]
    client.post("/queue/", {"q": "breast"})
    assert _shown(client.get("/queue/?search=1").content.decode(), theirs, mine) == [True,
                                                                                    True]
    client.post("/queue/", {"q": "cancer of the breast"})  # everyday words, as a whole
    assert _shown(client.get("/queue/?search=1").content.decode(), theirs, mine) == [True,
                                                                                    True]
    client.post("/queue/", {"q": "melanoma"})
    text = client.get("/queue/?search=1").content.decode()
    assert _shown(text, theirs, mine) == [False, False] and "No case matches" in text
    # Without search=1 the kept search is not applied; an empty search clears it.
    assert _shown(client.get("/queue/").content.decode(), theirs, mine) == [True, True]
    client.post("/queue/", {"q": ""})
    assert "queue_search" not in client.session


def test_saved_views_are_each_coordinators_own(client, login, users, journey, make_user):
    from consilium.accounts.models import Role

    journey("submitted")
    login(users["coordinator"])
    client.post("/queue/", {"q": "Quintanilla"})
    response = client.post("/queue/views/", {"name": "My overdue", "due": "overdue",
                                             "sort": "-due", "owner": "mine",
                                             "q": "Quintanilla", "sort_by": "x"})
    assert response.status_code == 302
    saved = SavedFilter.objects.get()
    assert saved.params == {"due": "overdue", "owner": "mine", "sort": "-due"}
    assert saved.owner == users["coordinator"]
    text = client.get("/queue/").content.decode()
    assert "My overdue" in text and "?due=overdue&amp;owner=mine&amp;sort=-due" in text
    assert AuditEntry.objects.filter(action="queue_filter.save").count() == 1
    nothing = client.post("/queue/views/", {"name": "Empty"})
    assert nothing.status_code == 302 and SavedFilter.objects.count() == 1
    # Another coordinator neither sees nor removes it.
    other = make_user("coordinator2", Role.COORDINATOR)
    login(other)
    assert "My overdue" not in client.get("/queue/").content.decode()
    refused = client.post("/queue/views/", {"intent": "delete", "filter": saved.id})
    assert refused.status_code == 422 and SavedFilter.objects.count() == 1
    login(users["coordinator"])
    client.post("/queue/views/", {"intent": "delete", "filter": saved.id})
    assert not SavedFilter.objects.exists()
    assert AuditEntry.objects.filter(action="queue_filter.delete").count() == 1
    login(users["patient"])
    assert client.post("/queue/views/", {"name": "x", "due": "overdue"}).status_code == 404


def test_the_counts_are_two_queries(users, journey, django_assert_num_queries):
    """One grouped by state, one of a capped count for each quick filter."""
    journey("offered")
    journey("accepted")
    from consilium.cases.access import cases_visible_to

    with django_assert_num_queries(2):
        found = queue.counts(cases_visible_to(users["coordinator"]),
                             queue.quick_filters(timezone.localdate(), users["coordinator"]))
    assert found["quick_awaiting_answer"] == 1 and found["state_specialist_assigned"] == 1
    assert found["quick_records_overdue"] == 0


def test_a_filter_counts_cases_not_rows_and_only_the_visible_open_ones(users, journey,
                                                                      specialists):
    """Counted from the consultations' side, a case declined twice is one case; a case the
    reader cannot see, or one no longer open, is none."""
    twice, first = journey("offered")
    do_decline_consultation(first, "On leave.", acting_user=users["specialist"])
    second = do_offer_consultation(twice, specialists["specialist2"].id,
                                   acting_user=users["coordinator"], reason="Free this week.")
    do_decline_consultation(second, "Full.", acting_user=users["specialist2"])
    _, other = journey("offered", patient="patient2")
    do_decline_consultation(other, "Busy.", acting_user=users["specialist"])
    filters = queue.quick_filters(timezone.localdate(), users["coordinator"])

    assert queue.counts(Case.objects.all(), filters)["quick_declined"] == 2
    assert queue.counts(Case.objects.filter(pk=twice.pk), filters)["quick_declined"] == 1
    Case.objects.filter(pk=other.case_id).update(status="closed")
    assert queue.counts(Case.objects.all(), filters)["quick_declined"] == 1


def test_a_quick_filters_count_stops_at_the_cap(client, login, users, journey, monkeypatch):
    """Past COUNT_CAP the queue says "N+" (no count reads more than N + 1 rows); below it the
    counts are exact, and the filter's own page still lists and counts every case."""
    monkeypatch.setattr(queue, "COUNT_CAP", 2)
    for _ in range(3):
        journey("submitted")
    found = queue.counts(Case.objects.all(),
                         queue.quick_filters(timezone.localdate(), users["coordinator"]))
    assert found["quick_unowned"] == 3 and found["quick_mine"] == 0 and found["open"] == 3
    monkeypatch.setattr(queue, "COUNT_CAP", 1)
    assert queue.counts(Case.objects.all(), queue.quick_filters(
        timezone.localdate(), users["coordinator"]))["quick_unowned"] == 2  # cap + 1
    login(users["coordinator"])
    text = client.get("/queue/").content.decode()
    shown = dict(re.findall(r'data-filter="(\w+)">[^<]*<span class="count">([^<]+)</span>', text))
    assert shown["unowned"] == "1+" and shown["mine"] == "0"
    assert "3 cases" in client.get("/queue/?owner=unowned").content.decode()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/queue/", "/queue/?state=all&sort=-due",
                                 "/queue/?declined=1&sort=specialist",
                                 "/queue/?records_overdue=1"])
def test_the_queue_runs_as_many_queries_for_many_cases_as_for_few(client, login, users,
                                                                  journey, url):
    def add_cases():
        for upto in ("submitted", "offered", "accepted"):
            case, consultation = journey(upto)
            do_set_case_owner(case, "me", acting_user=users["coordinator"])
        _, declined = journey("offered", patient="patient2")
        do_decline_consultation(declined, "Busy.", acting_user=users["specialist"])
        asked = do_request_records(case, {"provider_name": "A clinic", "asked_text": "Notes"},
                                   acting_user=users["coordinator"])
        do_mark_request_sent(asked, {"sent_on": str(timezone.localdate() - timedelta(days=30))},
                             acting_user=users["coordinator"])

    add_cases()
    login(users["coordinator"])
    few = _queries(client, url)
    for _ in range(3):
        add_cases()
    assert _queries(client, url) == few

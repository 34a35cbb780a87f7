"""The coordinator's work queue: what is overdue, due soon, waiting for an answer or for
the records."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings


def at(day: str):
    return datetime.fromisoformat(f"{day}T09:00").replace(tzinfo=ZoneInfo(settings.TIME_ZONE))


def _counts(text: str) -> dict[str, str]:
    import re
    return dict(re.findall(r'\?view=(\w+)"[^>]*>[^<]*<span class="count">(\d+)</span>', text))


def test_the_queue_shows_deadlines(client, login, users, journey):
    with time_machine.travel(at("2026-11-23"), tick=False):
        late, _ = journey("accepted")
        offered, _ = journey("offered", patient="patient2")
        journey("submitted")
    with time_machine.travel(at("2026-12-03"), tick=False):  # the opinion was due 2 Dec
        login(users["coordinator"])
        text = client.get("/queue/").content.decode()
        assert _counts(text) == {"overdue": "1", "due_soon": "0", "awaiting_answer": "1",
                                 "waiting_on_patient": "0", "waiting_on_records": "2"}
        overdue = client.get("/queue/?view=overdue").content.decode()
        assert late.short_id in overdue and offered.short_id not in overdue
        assert "opinion due 2 Dec" in overdue and "(overdue)" in overdue
        waiting = client.get("/queue/?view=awaiting_answer").content.decode()
        assert offered.short_id in waiting and "answer by 25 Nov" in waiting
        assert "(late)" in waiting and "the clock starts when the records are complete" in waiting
    with time_machine.travel(at("2026-11-30"), tick=False):
        login(users["coordinator"])
        soon = client.get("/queue/?view=due_soon").content.decode()
        assert late.short_id in soon
    login(users["coordinator"])
    empty = client.get("/queue/?view=overdue")
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
        page = client.get("/queue/?view=waiting_on_patient").content.decode()
        assert "waiting on the patient since 23 Nov (clock stopped)" in page
        assert "(overdue)" not in page

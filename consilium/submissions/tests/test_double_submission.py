"""The one-time key of a form or an API request: the same POST twice makes one row and
answers the same success (journal notes, follow-up tasks, appointments here; addenda,
follow-up questions, report shares, decisions and third opinions in their apps' tests)."""

from datetime import timedelta

from django.utils import timezone

from consilium.appointments.models import Appointment
from consilium.decisions.actions import do_record_decision
from consilium.followup.actions import do_start_plan
from consilium.followup.models import FollowUpTask
from consilium.journal.models import JournalNote
from consilium.submissions.models import Submission


def _twice(client, url, data):
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    return first


def test_the_pages_render_a_fresh_key_into_each_form(client, login, journey, users):
    case, _ = journey("draft")
    login(users["patient"])
    keys = [client.get(f"/cases/{case.id}/journal/").content.decode().split(
        'name="submission_key" value="')[1][:32] for _ in range(2)]
    assert keys[0] != keys[1]


def test_a_journal_note_sent_twice_is_one_note(client, login, journey, users):
    case, _ = journey("draft")
    login(users["patient"])
    _twice(client, f"/cases/{case.id}/journal/", {"text": "Scared.", "submission_key": "j" * 24})
    assert JournalNote.objects.filter(case=case).count() == 1
    # Another rendering of the form has another key: a second note.
    client.post(f"/cases/{case.id}/journal/", {"text": "Scared.", "submission_key": "J" * 24})
    assert JournalNote.objects.filter(case=case).count() == 2
    assert Submission.objects.filter(user=users["patient"]).count() == 2


def test_a_follow_up_task_sent_twice_is_one_task(client, login, journey, users):
    case, _ = journey("opinion_delivered")
    do_record_decision(case, "second_opinion", "", acting_user=users["patient"])
    do_start_plan(case, acting_user=users["patient"])
    before = FollowUpTask.objects.filter(case=case).count()
    login(users["patient"])
    _twice(client, f"/cases/{case.id}/plan/tasks/",
           {"title": "Book the scan", "kind": "test", "owner": "patient",
            "due_date": "2030-01-01", "submission_key": "p" * 24})
    assert FollowUpTask.objects.filter(case=case).count() == before + 1


def test_an_appointment_sent_twice_is_one_appointment(client, login, journey, users, settings):
    settings.VIDEO_URL_TEMPLATE = "https://video.example.org/room-{room}"
    _, consultation = journey("accepted")
    login(users["specialist"])
    day = (timezone.localdate() + timedelta(days=7)).isoformat()
    _twice(client, f"/consultations/{consultation.id}/appointments/new/",
           {"kind": "video", "date": day, "time": "09:30", "time_zone": "America/Denver",
            "minutes": 30, "submission_key": "v" * 24})
    assert Appointment.objects.filter(consultation=consultation).count() == 1

"""The pages of every role, through full HTTP requests on the test client."""

import io
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consilium.cases.models import Case
from consilium.conftest import COMPLETE_OPINION, PASSWORD
from consilium.conversations.actions import do_send_message
from consilium.records.actions import Upload, do_add_records


def _as_form(opinion: dict) -> dict:
    """The action's opinion data as the edit page posts it."""
    form = {k: v for k, v in opinion.items() if k != "options"}
    for n, option in enumerate(opinion["options"], 1):
        form.update({f"option_{n}_{k}": v for k, v in option.items()})
    return form


def _form_page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response


def test_the_journey_through_the_pages(client, login, users, specialists):
    patient, coordinator, specialist = users["patient"], users["coordinator"], users["specialist"]
    login(patient)
    _form_page(client, "/cases/new/")
    response = client.post("/cases/new/", {
        "diagnosis_text": "Knee osteoarthritis", "diagnosis_codes": "M17.11",
        "treatment_category": "surgery", "treatment_description": "Total knee replacement",
        "hospital_system": "Riverside Health",
        "questions": "Have I tried everything else?\nHow long is recovery?",
    })
    case = Case.objects.get()
    assert response.status_code == 302 and response.url == f"/cases/{case.id}/"
    assert client.post(f"/cases/{case.id}/submit/").status_code == 302
    case.refresh_from_db()
    assert case.status == "submitted"

    login(coordinator)
    queue = client.get("/queue/")
    assert case.short_id in queue.content.decode()
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert "Dr. Same System" not in page  # the first opinion's own hospital system is left out
    # An oncologist for a knee: outside the fitting specialties, so the coordinator says why.
    client.post(f"/cases/{case.id}/offer/", {"specialist_id": specialists["specialist"].id,
                                             "reason": "Asked to say who should see it."})
    consultation = case.consultations.get()

    login(specialist)
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert "Accept the case" in page
    response = client.post(f"/consultations/{consultation.id}/accept/")
    assert response.url == f"/consultations/{consultation.id}/opinion/"
    form = {**_as_form(COMPLETE_OPINION), "diagnosis_codes": "M17.11", "intent": "save",
            "version": 0, "option_rows": 2}
    client.post(response.url, form)
    case.refresh_from_db()
    assert case.status == "in_review"
    review = client.post(response.url, {**form, "version": 1, "intent": "review"})
    sign_url = f"/consultations/{consultation.id}/opinion/sign/"
    assert review.url == sign_url
    unanswered = client.get(sign_url).content.decode()
    assert "Answer each of the patient&#x27;s questions" in unanswered
    assert "Sign and deliver" not in unanswered
    answers = {f"answer_{q.id}": "Yes." for q in case.questions.all()}
    client.post(response.url, {**form, **answers, "version": 2})
    unconfirmed = client.post(sign_url, {"password": PASSWORD})
    assert unconfirmed.status_code == 422 and "Tick this box" in unconfirmed.content.decode()
    wrong = client.post(sign_url, {"confirm": "on", "password": "guess"})
    assert wrong.status_code == 422 and "not your password" in wrong.content.decode()
    signed = client.post(sign_url, {"confirm": "on", "password": PASSWORD})
    assert signed.status_code == 302
    case.refresh_from_db()
    assert case.status == "opinion_delivered"

    login(patient)
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert "How the two opinions compare" in page and "Lumpectomy with radiation." in page
    assert "<strong>Confirmed</strong>" in page and "<strong>Changed</strong>" in page
    client.post(f"/cases/{case.id}/decision/", {"choice": "second_opinion", "confirmed": "1"})
    client.post(f"/cases/{case.id}/close/")
    case.refresh_from_db()
    assert case.status == "closed"


def test_bad_case_input_shows_messages_and_saves_nothing(client, login, users):
    login(users["patient"])
    response = client.post("/cases/new/", {"diagnosis_text": "Something",
                                           "treatment_category": "surgery",
                                           "diagnosis_codes": "C50.912, banana"})
    assert response.status_code == 422
    assert "Not an ICD-10-CM code: BANANA" in response.content.decode()
    assert not Case.objects.exists()


def test_an_illegal_page_action_answers_409(client, login, users, journey):
    case, _ = journey("draft")
    login(users["patient"])
    response = client.post(f"/cases/{case.id}/close/")
    assert response.status_code == 409
    assert "A case that is draft cannot become closed." in response.content.decode()


def test_withdrawing_asks_for_confirmation_first(client, login, users, journey):
    case, _ = journey("submitted")
    login(users["patient"])
    confirm = client.get(f"/cases/{case.id}/withdraw/")
    assert "cannot be undone" in confirm.content.decode()
    case.refresh_from_db()
    assert case.status == "submitted"
    client.post(f"/cases/{case.id}/withdraw/")
    case.refresh_from_db()
    assert case.status == "withdrawn"


def test_a_specialist_declines_with_a_reason(client, login, users, journey):
    case, consultation = journey("offered")
    login(users["specialist"])
    empty = client.post(f"/consultations/{consultation.id}/decline/", {"reason": ""})
    assert empty.status_code == 422
    client.post(f"/consultations/{consultation.id}/decline/", {"reason": "On leave"})
    consultation.refresh_from_db()
    assert consultation.status == "declined"
    assert client.get(f"/cases/{case.id}/").status_code == 404


def test_sharing_from_the_case_page(client, login, users, journey):
    case, _ = journey("draft")
    login(users["patient"])
    client.post(f"/cases/{case.id}/share/", {"grantee": "physician"})
    login(users["physician"])
    assert client.get(f"/cases/{case.id}/").status_code == 200
    assert case.short_id in client.get("/cases/").content.decode()


# The case page and the queue read the program's terms once (terms/access.py: the service
# level shown, the holidays their dates count): one query of their limits. Each page ends
# with one insert of its audit rows (three statements with SQLite's BEGIN and COMMIT).
@pytest.mark.parametrize("role,url,limit", [
    ("patient", "/cases/", 8),
    # The case page reads each kind of thing once, whatever their number (test below): the
    # checklist its evidence (the records in use and the marks: records.checklist); its
    # imaging series, unread messages and (the patient's) whether their identity is known
    # yet are counted in one query (cases.page._counts); a patient without a second factor
    # is asked on every page whether they have added one since (accounts/mfa.must_confirm).
    # The coordinator's case summary heads the page.
    ("patient", "/cases/{case}/", 26),
    ("coordinator", "/queue/", 16),
    ("coordinator", "/cases/{case}/", 24),
    ("specialist", "/cases/{case}/", 25),
])
@pytest.mark.django_db(transaction=True)  # as served: the reads appended in one insert
def test_busy_pages_run_a_bounded_number_of_queries(
    client, login, users, journey, django_assert_max_num_queries, role, url, limit, settings
):
    settings.AUDIT_SEALER = True  # as manage.py serve runs: the sealer process seals
    for _ in range(6):
        case, _ = journey("opinion_delivered")
    login(users[role])
    with django_assert_max_num_queries(limit):
        response = client.get(url.format(case=case.id))
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["patient", "coordinator", "specialist"])
def test_the_case_page_reads_as_many_times_however_busy_the_case(
    client, login, users, journey, role, settings
):
    """Records, messages, events, consultations and questions answered: ten times more of
    each, not one query more."""
    settings.AUDIT_SEALER = True
    case, _ = journey("opinion_delivered")

    def queries() -> int:
        login(users[role])
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/cases/{case.id}/").status_code == 200
        return len(captured)

    quiet = queries()
    for n in range(10):
        data = f"Pathology report {n}".encode()
        do_add_records(case, [Upload(f"report-{n}.txt", io.BytesIO(data), len(data))],
                       acting_user=users["patient"])
        author = users["patient"] if n % 2 else users["specialist"]
        do_send_message(case, {"body": f"Message {n} about the plan."}, acting_user=author)
    assert queries() == quiet


def test_empty_states_explain_what_to_do(client, login, users):
    login(users["patient"])
    assert "You have no cases yet" in client.get("/cases/").content.decode()
    login(users["specialist"])
    assert "No cases are offered to you" in client.get("/cases/").content.decode()
    login(users["coordinator"])
    assert "No cases are waiting right now" in client.get("/queue/").content.decode()


def test_the_work_queue_is_for_coordinators(client, login, users):
    login(users["patient"])
    assert client.get("/queue/").status_code == 404


def test_case_lists_are_paginated(client, login, users, journey):
    for _ in range(27):
        journey("draft")
    login(users["patient"])
    first = client.get("/cases/").content.decode()
    assert "Page 1 of 2" in first
    assert len(re.findall(r'href="/cases/[0-9a-f-]{36}/"', first)) == 25


def test_password_reset_email_carries_no_health_data(client, users, journey):
    journey("submitted")
    client.post("/password_reset/", {"email": "patient@example.org"})
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "/reset/" in body and "Breast" not in body


def test_notices_carry_no_health_data(users, journey, django_capture_on_commit_callbacks,
                                      settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        journey("opinion_delivered")
    assert mail.outbox, "nobody was told"
    for message in mail.outbox:
        assert "Breast" not in message.body and "Mastectomy" not in message.body
        assert "Sign in to see it" in message.body


def test_the_directory_search_answers_htmx_with_the_results_alone(client, login, users,
                                                                  specialists):
    login(users["coordinator"])
    full = client.post("/specialists/", {"q": "weiss"}).content.decode()
    assert "<html" in full and "Dr. Daniel Weiss" in full and "Dr. Helen Okafor" not in full
    partial = client.post("/specialists/", {"q": "okafor"}, headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert "<html" not in body and "Dr. Helen Okafor" in body
    empty = client.post("/specialists/", {"q": "nobody"}, headers={"HX-Request": "true"})
    assert "No specialist matches" in empty.content.decode()


def test_the_queue_shows_due_dates_and_flags_overdue_opinions(client, login, users, journey):
    from datetime import date

    _, consultation = journey("accepted")
    login(users["coordinator"])
    page = client.get("/queue/?status=specialist_assigned").content.decode()
    assert "Dr. Helen Okafor; opinion due" in page and "(overdue)" not in page
    consultation.due_date = date(2020, 1, 1)
    consultation.save()
    page = client.get("/queue/?status=specialist_assigned").content.decode()
    assert "(overdue)" in page

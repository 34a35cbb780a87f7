"""The structured opinion: versions and conflicts, what signing needs, re-authentication,
the SHA-256 of the signed content, addenda, follow-up questions; actions, pages and API."""

import pytest
from django.core import mail

from consilium.audit.models import AuditEntry
from consilium.cases.models import TreatmentCategory
from consilium.conftest import COMPLETE_OPINION, PASSWORD, sign_request
from consilium.errors import Conflict, InvalidInput, NotAllowed
from consilium.opinions.actions import (
    StaleOpinion,
    do_add_addendum,
    do_ask_follow_up,
    do_save_opinion,
    do_sign_opinion,
    is_intact,
    opinion_content,
    sha256_of,
)
from consilium.opinions.models import Addendum, FollowUpQuestion, Opinion, Option

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _sign(consultation, user, secret=PASSWORD):
    return do_sign_opinion(consultation, acting_user=user, request=sign_request(),
                           secret=secret)


def test_a_save_based_on_an_old_version_is_refused_and_changes_nothing(journey, users):
    _, consultation = journey("accepted")
    specialist = users["specialist"]
    first = do_save_opinion(consultation, {"reasoning": "From tab one."},
                            acting_user=specialist, base_version=0)
    assert first.version == 1
    with pytest.raises(StaleOpinion) as stale:
        do_save_opinion(consultation, {"reasoning": "From tab two."}, acting_user=specialist,
                        base_version=0)
    assert stale.value.current.reasoning == "From tab one."
    assert stale.value.status_code == 409
    assert Opinion.objects.get().reasoning == "From tab one."
    second = do_save_opinion(consultation, {"reasoning": "Tab two, after seeing tab one."},
                             acting_user=specialist, base_version=1)
    assert second.version == 2


def test_options_replace_the_saved_ones_and_empty_rows_are_dropped(journey, users):
    _, consultation = journey("accepted")
    empty = {"title": "", "benefits": "", "harms": "", "living_with": "", "recommended": True}
    opinion = do_save_opinion(consultation, {"options": [*COMPLETE_OPINION["options"], empty]},
                              acting_user=users["specialist"], base_version=0)
    assert [o.title for o in opinion.options.all()] == ["Lumpectomy and radiation"]
    do_save_opinion(consultation, {"options": [{"title": "Watchful waiting"}]},
                    acting_user=users["specialist"], base_version=1)
    assert list(Option.objects.values_list("title", flat=True)) == ["Watchful waiting"]
    with pytest.raises(InvalidInput) as nameless:
        do_save_opinion(consultation, {"options": [{"benefits": "Something"}]},
                        acting_user=users["specialist"], base_version=2)
    assert nameless.value.errors == {"options.0": "Give this option a name."}


def test_bad_input_names_the_field_and_saves_nothing(journey, users):
    _, consultation = journey("accepted")
    for bad, field in [({"diagnosis_codes": ["C50.912", "XYZ"]}, "diagnosis_codes"),
                       ({"confidence": "certain"}, "confidence"),
                       ({"answers": {"999999": {"text": "?"}}}, "answers"),
                       ({"plain_summary": "x" * 20_001}, "plain_summary")]:
        with pytest.raises(InvalidInput) as refused:
            do_save_opinion(consultation, bad, acting_user=users["specialist"], base_version=0)
        assert field in refused.value.errors
    assert not Opinion.objects.exists()


def test_each_question_is_answered_or_deferred_with_a_reason(journey, users):
    case, consultation = journey("in_review")
    questions = list(case.questions.all())
    assert len(questions) >= 2
    answers = {questions[0].id: {"text": "", "deferred": True},
               **{q.id: {"text": "Yes."} for q in questions[1:]}}
    do_save_opinion(consultation, {"answers": answers}, acting_user=users["specialist"],
                    base_version=1)
    with pytest.raises(InvalidInput) as refused:
        _sign(consultation, users["specialist"])
    assert "answers" in refused.value.errors
    answers[questions[0].id] = {"text": "After the MRI; I will answer then.", "deferred": True}
    do_save_opinion(consultation, {"answers": answers}, acting_user=users["specialist"],
                    base_version=2)
    opinion = _sign(consultation, users["specialist"])
    assert opinion.signed_content["answers"][0] == {
        "question": questions[0].text, "answer": "After the MRI; I will answer then.",
        "deferred": True}


def test_signing_needs_the_password_or_a_current_code(journey, users):
    case, consultation = journey("in_review")
    specialist = users["specialist"]
    for wrong in ["", "guess", "123456"]:
        with pytest.raises(InvalidInput) as refused:
            _sign(consultation, specialist, wrong)
        assert "password" in refused.value.errors
    assert not Opinion.objects.get().is_signed
    from consilium.conftest import app_code, authenticator_app

    opinion = _sign(consultation, specialist, app_code(authenticator_app(specialist)))
    assert opinion.is_signed
    case.refresh_from_db()
    assert case.status == "opinion_delivered"


def test_the_signature_covers_the_content_and_shows_a_later_change(journey, users):
    _, consultation = journey("opinion_delivered")
    opinion = Opinion.objects.get()
    assert opinion.content_sha256 == sha256_of(opinion_content(opinion))
    assert opinion.signed_content["plain_summary"] == COMPLETE_OPINION["plain_summary"]
    assert is_intact(opinion)
    Option.objects.filter(opinion=opinion).update(harms="None at all.")  # behind our back
    assert not is_intact(Opinion.objects.get())
    with pytest.raises(Conflict):
        do_save_opinion(consultation, {"reasoning": "Changed my mind."},
                        acting_user=users["specialist"], base_version=opinion.version)
    assert AuditEntry.objects.filter(action="opinion.sign").count() == 1


def test_follow_up_questions_up_to_the_program_limit(journey, users, settings,
                                                     django_capture_on_commit_callbacks):
    settings.FOLLOW_UP_QUESTIONS = 2
    settings.TASKS = IMMEDIATE
    case, consultation = journey("in_review")
    opinion = Opinion.objects.get()
    with pytest.raises(Conflict):  # not before the opinion is delivered
        do_ask_follow_up(opinion, "Early?", acting_user=users["patient"])
    _sign(consultation, users["specialist"])
    opinion.refresh_from_db()
    with pytest.raises(NotAllowed):
        do_ask_follow_up(opinion, "Me too?", acting_user=users["coordinator"])
    with pytest.raises(InvalidInput):
        do_ask_follow_up(opinion, "   ", acting_user=users["patient"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        do_ask_follow_up(opinion, "Can I wait until after my daughter's wedding?",
                         acting_user=users["patient"])
    assert [m.to for m in mail.outbox] == [[users["specialist"].email]]
    assert "wedding" not in mail.outbox[0].subject + mail.outbox[0].body
    do_ask_follow_up(opinion, "Is swimming allowed?", acting_user=users["patient"])
    with pytest.raises(Conflict) as spent:
        do_ask_follow_up(opinion, "And one more?", acting_user=users["patient"])
    assert "all 2 follow-up questions" in spent.value.message
    assert FollowUpQuestion.objects.count() == 2


def test_addenda_are_signed_numbered_and_chained(journey, users, settings,
                                                 django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    case, _ = journey("opinion_delivered")
    opinion = Opinion.objects.get()
    question = do_ask_follow_up(opinion, "How long is recovery?", acting_user=users["patient"])
    with pytest.raises(NotAllowed):
        do_add_addendum(opinion, "Not mine to add.", acting_user=users["specialist2"],
                        request=sign_request(), secret=PASSWORD)
    with pytest.raises(InvalidInput):
        do_add_addendum(opinion, "Two weeks.", acting_user=users["specialist"],
                        request=sign_request(), secret="wrong", answers=question)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = do_add_addendum(opinion, "About two weeks.", acting_user=users["specialist"],
                                request=sign_request(), secret=PASSWORD, answers=question)
    assert [m.to for m in mail.outbox] == [[users["patient"].email]]
    with pytest.raises(Conflict):
        do_add_addendum(opinion, "Again.", acting_user=users["specialist"],
                        request=sign_request(), secret=PASSWORD, answers=question)
    second = do_add_addendum(opinion, "A correction: the MRI date is 3 May.",
                             acting_user=users["specialist"], request=sign_request(),
                             secret=PASSWORD)
    assert (first.number, second.number) == (1, 2)
    assert len(second.content_sha256) == 64 and second.content_sha256 != first.content_sha256
    assert list(Addendum.objects.values_list("answers", flat=True)) == [question.id, None]
    assert set(case.events.values_list("kind", flat=True)) >= {"follow_up_asked", "addendum"}


def test_the_editor_page_autosaves_and_shows_both_versions_on_a_conflict(client, login,
                                                                          journey, users):
    case, consultation = journey("accepted")
    login(users["specialist"])
    url = f"/consultations/{consultation.id}/opinion/"
    page = client.get(url).content.decode()
    assert 'hx-post="/consultations/' in page and 'name="version"' in page
    tab = {"version": 0, "option_rows": 2, "reasoning": "Typed in tab one."}
    saved = client.post(url + "autosave/", tab).content.decode()
    assert "version 1" in saved and 'value="1"' in saved
    other_tab = {"version": 0, "option_rows": 2, "reasoning": "Typed in tab two."}
    clash = client.post(url + "autosave/", other_tab).content.decode()
    assert "changed in another tab" in clash
    assert "Typed in tab one." in clash and "Typed in tab two." in clash
    assert Opinion.objects.get().reasoning == "Typed in tab one."
    full = client.post(url, {**other_tab, "intent": "save"})
    assert full.status_code == 409 and "Typed in tab one." in full.content.decode()
    keep_mine = client.post(url, {**other_tab, "intent": "save", "seen_version": 1})
    assert keep_mine.status_code == 302
    assert Opinion.objects.get().reasoning == "Typed in tab two."


def test_the_patient_reads_the_opinion_and_asks_a_follow_up(client, login, journey, users):
    case, consultation = journey("opinion_delivered")
    login(users["patient"])
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert COMPLETE_OPINION["plain_summary"] in page
    assert "Daily radiation for three to five weeks." in page  # the option's harms
    assert "You may ask the specialist 3 more questions" in page
    client.post(f"/consultations/{consultation.id}/opinion/follow-ups/",
                {"text": "Can I fly after the operation?"})
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert "Can I fly after the operation?" in page and "2 more questions" in page

    login(users["specialist"])
    question = FollowUpQuestion.objects.get()
    form_url = f"/consultations/{consultation.id}/opinion/addenda/?answers={question.id}"
    assert "Can I fly" in client.get(form_url).content.decode()
    refused = client.post(form_url, {"body": "After two weeks.", "password": "guess"})
    assert refused.status_code == 422 and not Addendum.objects.exists()
    client.post(form_url, {"body": "After two weeks.", "password": PASSWORD})
    login(users["patient"])
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert "Addendum 1" in page and "After two weeks." in page


def test_the_api_answers_409_with_the_stored_version(api, journey, users):
    _, consultation = journey("accepted")
    path = f"/consultations/{consultation.id}/opinion"
    assert api(users["specialist"], "PUT", path, {"version": 0, "reasoning": "One."}
               ).status_code == 200
    stale = api(users["specialist"], "PUT", path, {"version": 0, "reasoning": "Two."})
    assert stale.status_code == 409
    assert stale.json()["current"]["reasoning"] == "One."
    assert stale.json()["current"]["version"] == 1
    assert api(users["specialist"], "PUT", path, {"reasoning": "No version."}
               ).status_code == 422


@pytest.mark.parametrize("kind, title", [("summary", "Your second opinion"),
                                         ("report", "Second-opinion consultation report")])
def test_the_reports_name_the_patient_on_every_page(client, login, journey, users, kind,
                                                    title):
    import io

    from pypdf import PdfReader

    case, consultation = journey("opinion_delivered")
    opinion = Opinion.objects.get()
    for n in range(6):  # long enough for several pages
        do_add_addendum(opinion, f"Addendum text {n}. " + "More detail. " * 150,
                        acting_user=users["specialist"], request=sign_request(),
                        secret=PASSWORD)
    login(users["patient"])
    response = client.get(f"/consultations/{consultation.id}/opinion/{kind}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages]
    assert len(pages) >= 2
    name = users["patient"].get_full_name() or users["patient"].username
    for number, text in enumerate(pages, 1):
        assert name in text and case.short_id in text
        assert f"Page {number} of {len(pages)}" in text
    whole = " ".join(pages)
    assert title in whole and COMPLETE_OPINION["plain_summary"] in whole
    assert "Daily radiation for three to five weeks." in whole
    if kind == "report":
        assert opinion.content_sha256 in whole.replace("\n", "")
        assert "C50.912 Malignant neoplasm of unspecified site of left female breast" \
            in whole.replace("\n", " ")
    assert AuditEntry.objects.filter(action=f"opinion.{kind}_pdf").count() == 1


def test_reports_only_for_a_signed_opinion_and_those_who_see_it(client, login, journey,
                                                                users):
    _, consultation = journey("in_review")
    login(users["specialist"])
    url = f"/consultations/{consultation.id}/opinion/report.pdf"
    assert client.get(url).status_code == 404  # a draft has no report
    assert client.get(url.replace("report", "other")).status_code == 404
    login(users["patient2"])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("sent, field, form_field, message", [
    ({"confidence": "certain"}, "confidence", "confidence",
     "Choose one of: high, moderate, low"),
    ({"treatment_category": "magic"}, "treatment_category", "treatment_category",
     "Choose one of: " + ", ".join(TreatmentCategory.values)),
    ({"option_1_title": "x" * 201}, "options.0.title", "option_1_title",
     "Keep this under 200 characters."),
    ({"option_1_benefits": "Something"}, "options.0", "option_1_title",
     "Give this option a name."),
])
def test_the_page_and_the_api_refuse_a_bad_value_alike(client, login, api, journey, users,
                                                       sent, field, form_field, message):
    """One schema (OpinionDraftIn) reads the page's form and the API's payload: the same
    sentence under the same field, beside the field on the page, and nothing saved."""
    _, consultation = journey("accepted")
    specialist = users["specialist"]
    login(specialist)
    page = client.post(f"/consultations/{consultation.id}/opinion/",
                       {"version": 0, "option_rows": 2, "intent": "save", **sent})
    assert page.status_code == 422
    assert page.context["form"].errors[form_field] == [message]
    payload = {name: value for name, value in sent.items() if not name.startswith("option_")}
    if len(payload) < len(sent):  # the page's first option row, as the API sends it
        payload["options"] = [{name.removeprefix("option_1_"): value
                               for name, value in sent.items()}]
    answer = api(specialist, "PUT", f"/consultations/{consultation.id}/opinion",
                 {"version": 0, **payload})
    assert answer.status_code == 422
    assert answer.json()["errors"] == {field: message}
    assert not Opinion.objects.exists()


def test_the_api_saves_options_and_answers_as_the_page_does(api, journey, users):
    case, consultation = journey("accepted")
    question = case.questions.first()
    saved = api(users["specialist"], "PUT", f"/consultations/{consultation.id}/opinion", {
        "version": 0, "confidence": None, "reasoning": "  Because.  ",
        "options": [{"title": "Surgery", "benefits": "Cure."}, {"title": " "}],
        "answers": [{"question_id": question.id, "text": "Yes.", "deferred": False}]})
    assert saved.status_code == 200, saved.json()
    opinion = Opinion.objects.get()
    assert (opinion.reasoning, opinion.confidence) == ("Because.", "")
    assert [o.title for o in opinion.options.all()] == ["Surgery"]
    assert opinion.answers.get().text == "Yes."
    unknown = api(users["specialist"], "PUT", f"/consultations/{consultation.id}/opinion", {
        "version": 1, "reasoning": "Changed.", "answers": [{"question_id": 999999, "text": "?"}]})
    assert unknown.status_code == 422 and "answers" in unknown.json()["errors"]
    assert Opinion.objects.get().reasoning == "Because."

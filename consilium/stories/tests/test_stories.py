"""Sharing a story: opt-in, scrubbed and shown before it is sent, approved by an
administrator, public once published, taken down at any time; nobody else touches it."""

import pytest
from django.test import Client

from consilium.audit.models import AuditEntry
from consilium.journal.actions import do_add_note
from consilium.stories.actions import do_draft_story, do_review_story, do_submit_story
from consilium.stories.models import Story, StoryState


@pytest.fixture
def case(journey, users):
    users["patient"].first_name, users["patient"].last_name = "Dana", "Whitfield"
    users["patient"].save()
    found, _ = journey("opinion_delivered")
    found.diagnosing_physician = "Dr. Arthur Kellerman"
    found.patient_location = "93701"  # Fresno, CA
    found.save()
    return found


WRITTEN = ("Dr. Kellerman at Riverside Medical Center said I needed a mastectomy on "
           "4 March 2025. Dr. Okafor read my films and suggested a lumpectomy instead. "
           "Dana Whitfield, Fresno.")


def draft(client, case, **extra):
    data = {"title": "Two opinions, one choice", "text": WRITTEN, **extra}
    return client.post(f"/cases/{case.id}/story/", {
        "step": "draft", **{f"draft-{name}": value for name, value in data.items()}})


def submit(client, case, text, consent="on"):
    data = {"step": "submit", "title": "Two opinions, one choice", "text": text}
    if consent:
        data["consent"] = consent
    return client.post(f"/cases/{case.id}/story/", data)


def test_the_patient_sees_the_story_scrubbed_before_anything_is_sent(case, users, login, client):
    note = do_add_note(case, "Told Maria about the second opinion in June.",
                       acting_user=users["patient"])
    login(users["patient"])
    page = client.get(f"/cases/{case.id}/story/").content.decode()
    assert "Remove names and details" in page and "Told Maria" in page
    assert draft(client, case, title="").status_code == 422 and not Story.objects.exists()
    answer = draft(client, case, notes=[str(note.id)])
    assert answer.status_code == 200
    page = answer.content.decode()
    story = Story.objects.get()
    assert story.state == StoryState.DRAFT
    for detail in ("Kellerman", "Riverside", "March", "2025", "Okafor", "Dana", "Whitfield",
                   "Fresno", "Maria", "June"):
        assert detail not in story.text, detail
    assert "mastectomy" in story.text and "lumpectomy" in story.text
    assert story.text.startswith("Dr. [name] at [institution] said I needed a mastectomy on "
                                 "[date].")
    # The patient sees what was removed, and the draft in a form to change it.
    assert "What we removed" in page and "Kellerman" in page and "Send for approval" in page
    assert '<mark class="removed">[name]</mark>' in page
    assert not Client().get("/stories/").content.decode().count("Two opinions")
    assert AuditEntry.objects.filter(action="story.draft", case_id=case.id).exists()


def test_sending_needs_consent_and_a_clean_text(case, users, login, client, mailoutbox,
                                                 django_capture_on_commit_callbacks, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    login(users["patient"])
    draft(client, case)
    story = Story.objects.get()
    assert submit(client, case, story.text, consent="").status_code == 422
    story.refresh_from_db()
    assert story.state == StoryState.DRAFT
    # A name typed back in is taken out again and shown before it can be sent.
    retyped = story.text + " Thank you, Dr. Okafor."
    answer = submit(client, case, retyped)
    assert answer.status_code == 422 and "We removed more details" in answer.content.decode()
    story.refresh_from_db()
    assert story.state == StoryState.DRAFT and "Okafor" not in story.text
    # So is a name typed into the title.
    answer = client.post(f"/cases/{case.id}/story/", {
        "step": "submit", "title": "Thank you, Dr. Okafor", "text": story.text, "consent": "on"})
    assert answer.status_code == 422 and 'value="Thank you, Dr. [name]"' in answer.content.decode()
    story.refresh_from_db()
    assert story.state == StoryState.DRAFT and story.title == "Thank you, Dr. [name]"
    with django_capture_on_commit_callbacks(execute=True):
        assert submit(client, case, story.text).status_code == 302
    story.refresh_from_db()
    assert story.state == StoryState.SUBMITTED and story.submitted_at
    assert [m.to for m in mailoutbox] == [[users["admin"].email]]
    assert "Okafor" not in mailoutbox[0].body + mailoutbox[0].subject
    # Once sent, it cannot be redrafted without taking it down first.
    assert draft(client, case).status_code == 302
    story.refresh_from_db()
    assert story.state == StoryState.SUBMITTED


def test_an_administrator_approves_then_the_patient_takes_it_down(case, users, login, client):
    story, _ = do_draft_story(case, "My story", WRITTEN, acting_user=users["patient"])
    do_submit_story(story, story.title, story.text, True, acting_user=users["patient"])
    public = Client()
    assert public.get(f"/stories/{story.id}/").status_code == 404
    login(users["admin"])
    page = client.get("/stories/review/").content.decode()
    assert "My story" in page and "lumpectomy" in page
    # Sending back needs a reason; publishing does not.
    client.post(f"/stories/{story.id}/review/", {"decision": "decline"})
    story.refresh_from_db()
    assert story.state == StoryState.SUBMITTED
    client.post(f"/stories/{story.id}/review/", {"decision": "publish"})
    story.refresh_from_db()
    assert story.state == StoryState.PUBLISHED and story.reviewed_by == users["admin"]
    listing = public.get("/stories/").content.decode()
    assert "My story" in listing and "Kellerman" not in listing
    shown = public.get(f"/stories/{story.id}/").content.decode()
    assert "lumpectomy" in shown and "Riverside" not in shown and "Take it down" not in shown
    # The patient takes it down, after a confirmation page.
    login(users["patient"])
    confirm = client.get(f"/cases/{case.id}/story/take-down/")
    assert "Take your story down?" in confirm.content.decode()
    client.post(f"/cases/{case.id}/story/take-down/")
    story.refresh_from_db()
    assert story.state == StoryState.UNPUBLISHED and story.unpublished_at
    assert public.get(f"/stories/{story.id}/").status_code == 404
    assert "My story" not in public.get("/stories/").content.decode()
    assert "No stories have been published yet" in public.get("/stories/").content.decode()
    actions = set(AuditEntry.objects.filter(object_id=str(story.id))
                  .values_list("action", flat=True))
    assert {"story.draft", "story.submit", "story.publish", "story.unpublish"} <= actions


def test_a_story_sent_back_says_why_and_can_be_sent_again(case, users, login, client):
    story, _ = do_draft_story(case, "My story", WRITTEN, acting_user=users["patient"])
    do_submit_story(story, story.title, story.text, True, acting_user=users["patient"])
    do_review_story(story, False, "Please leave out the name of the treatment centre.",
                    acting_user=users["admin"])
    login(users["patient"])
    page = client.get(f"/cases/{case.id}/story/").content.decode()
    assert "Please leave out the name" in page and "Send for approval" in page
    story.refresh_from_db()
    assert submit(client, case, story.text).status_code == 302
    story.refresh_from_db()
    assert story.state == StoryState.SUBMITTED and story.review_note == ""


def test_only_the_patient_shares_and_only_administrators_approve(case, users, login, client):
    story, _ = do_draft_story(case, "My story", WRITTEN, acting_user=users["patient"])
    do_submit_story(story, story.title, story.text, True, acting_user=users["patient"])
    for someone in ("coordinator", "specialist", "patient2", "caregiver"):
        login(users[someone])
        assert client.get(f"/cases/{case.id}/story/").status_code == 404
        assert draft(client, case).status_code in (403, 404)
        assert client.post(f"/cases/{case.id}/story/take-down/").status_code == 404
        assert client.get("/stories/review/").status_code == 404
        assert client.post(f"/stories/{story.id}/review/",
                           {"decision": "publish"}).status_code == 404
        assert client.post(f"/stories/{story.id}/take-down/").status_code == 404
    story.refresh_from_db()
    assert story.state == StoryState.SUBMITTED and "Dr. [name]" in story.text


def test_the_public_page_pages_and_reads_few_queries(journey, users, client,
                                                     django_assert_max_num_queries):
    for number in range(12):
        case, _ = journey("submitted")
        story, _ = do_draft_story(case, f"Story {number:02d}", "It helped to ask.",
                                  acting_user=users["patient"])
        do_submit_story(story, story.title, story.text, True, acting_user=users["patient"])
        do_review_story(story, True, "", acting_user=users["admin"])
    with django_assert_max_num_queries(3):
        first = client.get("/stories/").content.decode()
    assert first.count("It helped to ask.") == 10 and "Page 1 of 2" in first
    assert "Story 11" in first and "Story 00" not in first
    assert "Story 00" in client.get("/stories/?page=2").content.decode()


UNSURE = "The oncologist switched me to Tagrisso, and Quorvexin helped with the nausea."


def test_each_highlighted_word_is_kept_or_taken_out_before_sending(case, users, login, client):
    login(users["patient"])
    draft(client, case, text=UNSURE)
    story = Story.objects.get()
    assert "Quorvexin" in story.text and "Tagrisso" in story.text
    page = client.get(f"/cases/{case.id}/story/").content.decode()
    assert page.count('name="unsure:Quorvexin"') == 2  # keep, take out: no JavaScript
    assert 'value="keep"' in page and 'value="remove"' in page
    # Sending with words left undecided is refused, saying which.
    answer = submit(client, case, story.text)
    assert answer.status_code == 422
    assert "keep it or take it out" in answer.content.decode()
    assert "Quorvexin" in answer.content.decode()
    story.refresh_from_db()
    assert story.state == StoryState.DRAFT
    # Half decided is still refused; an answer that is neither is not a decision.
    answer = client.post(f"/cases/{case.id}/story/", {
        "step": "submit", "title": story.title, "text": story.text, "consent": "on",
        "unsure:Tagrisso": "keep", "unsure:Quorvexin": "maybe"})
    assert answer.status_code == 422 and Story.objects.get().state == StoryState.DRAFT
    answer = client.post(f"/cases/{case.id}/story/", {
        "step": "submit", "title": story.title, "text": story.text, "consent": "on",
        "unsure:Tagrisso": "keep", "unsure:Quorvexin": "remove", "unsure:nausea": "remove"})
    assert answer.status_code == 302
    story.refresh_from_db()
    assert story.state == StoryState.SUBMITTED
    assert "Quorvexin" not in story.text and "[removed]" in story.text
    assert "Tagrisso" in story.text and story.kept == "Tagrisso"
    assert "nausea" in story.text  # only highlighted words are taken out
    # The administrator sees what the patient chose to keep.
    login(users["admin"])
    review = client.get("/stories/review/").content.decode()
    assert "The patient chose to keep" in review and "Tagrisso" in review
    assert "Quorvexin" not in review


def test_a_highlighted_word_typed_in_after_deciding_must_be_decided_too(case, users):
    story, _ = do_draft_story(case, "My story", UNSURE, acting_user=users["patient"])
    from consilium.errors import InvalidInput
    with pytest.raises(InvalidInput) as refused:
        do_submit_story(story, story.title, story.text + " Thanks to Zephyrine.", True,
                        acting_user=users["patient"],
                        choices={"Tagrisso": "keep", "Quorvexin": "keep"})
    assert "Zephyrine" in refused.value.errors["unsure"]
    story.refresh_from_db()
    assert story.state == StoryState.DRAFT and "Zephyrine" in story.text

"""A story and a review note are read by declared schemas (stories/schemas.py StoryIn,
SubmitIn, ReviewIn): the page and the action refuse a blank, too long or wrong kind
of title, text or note in the same plain words, naming the field, and change nothing."""

from html import unescape

import pytest

from consilium.errors import InvalidInput
from consilium.stories.actions import do_draft_story, do_review_story, do_submit_story
from consilium.stories.models import Story, StoryState

TITLE_LIMIT, TEXT_LIMIT, NOTE_LIMIT = 120, 20_000, 500
NO_TITLE = "Give your story a title."
LONG_TITLE = f"Keep the title under {TITLE_LIMIT} characters."
NO_TEXT = "Write your story, or pick entries from your journal."
LONG_TEXT = f"Keep the story under {TEXT_LIMIT:,} characters."
CONSENT = "Tick the box to agree to publishing, or keep it as a draft."
NO_NOTE = "Tell the patient what to change."
LONG_NOTE = f"Keep the note under {NOTE_LIMIT} characters."
DJANGO_WORDS = ("This field is required", "Ensure this value", "Input should")

BAD_STORIES = [
    ({"title": ""}, "title", NO_TITLE),
    ({"title": " \t\n "}, "title", NO_TITLE),
    ({"title": "t" * (TITLE_LIMIT + 1)}, "title", LONG_TITLE),
    ({"title": "t" * 100_000}, "title", LONG_TITLE),
    ({"text": ""}, "text", NO_TEXT),
    ({"text": "   \n\n  "}, "text", NO_TEXT),
    ({"text": "s" * (TEXT_LIMIT + 1)}, "text", LONG_TEXT),
]


def plain(response) -> str:
    return unescape(response.content.decode())


@pytest.mark.parametrize("fields, field, message", BAD_STORIES)
def test_a_draft_is_refused_alike_on_the_page_and_in_the_action(journey, users, login, client,
                                                                fields, field, message):
    case, _ = journey("opinion_delivered")
    data = {"title": "Two opinions", "text": "It helped to ask.", **fields}
    login(users["patient"])
    page = client.post(f"/cases/{case.id}/story/", {
        "step": "draft", **{f"draft-{name}": value for name, value in data.items()}})
    assert page.status_code == 422
    text = plain(page)
    assert message in text and not any(words in text for words in DJANGO_WORDS)
    with pytest.raises(InvalidInput) as refused:
        do_draft_story(case, data["title"], data["text"], acting_user=users["patient"])
    assert refused.value.errors == {field: message}
    assert not Story.objects.exists()


@pytest.mark.parametrize("fields, field, message", [
    *BAD_STORIES, ({"consent": ""}, "consent", CONSENT)])
def test_sending_is_refused_alike_on_the_page_and_in_the_action(journey, users, login, client,
                                                                fields, field, message):
    case, _ = journey("opinion_delivered")
    story, _ = do_draft_story(case, "Two opinions", "It helped to ask.",
                              acting_user=users["patient"])
    data = {"title": "Two opinions", "text": "It helped to ask.", "consent": "on", **fields}
    login(users["patient"])
    page = client.post(f"/cases/{case.id}/story/", {"step": "submit", **data})
    assert page.status_code == 422
    text = plain(page)
    assert message in text and not any(words in text for words in DJANGO_WORDS)
    with pytest.raises(InvalidInput) as refused:
        do_submit_story(story, data["title"], data["text"], bool(data["consent"]),
                        acting_user=users["patient"])
    assert refused.value.errors == {field: message}
    story.refresh_from_db()
    assert story.state == StoryState.DRAFT and story.title == "Two opinions"


def test_all_that_is_wrong_is_said_at_once(journey, users):
    case, _ = journey("opinion_delivered")
    story, _ = do_draft_story(case, "Two opinions", "It helped to ask.",
                              acting_user=users["patient"])
    with pytest.raises(InvalidInput) as refused:
        do_submit_story(story, "  ", "", False, acting_user=users["patient"])
    assert refused.value.errors == {"title": NO_TITLE, "text": NO_TEXT, "consent": CONSENT}


@pytest.mark.parametrize("title, text, field", [
    (["a", "list"], "It helped to ask.", "title"),
    (None, "It helped to ask.", "title"),
    ("Two opinions", 12, "text"),
])
def test_the_action_names_a_wrong_kind_of_field(journey, users, title, text, field):
    case, _ = journey("opinion_delivered")
    with pytest.raises(InvalidInput) as refused:
        do_draft_story(case, title, text, acting_user=users["patient"])
    assert list(refused.value.errors) == [field]
    assert "Input should" not in refused.value.errors[field]
    assert not Story.objects.exists()


def test_journal_entries_alone_make_a_story_and_count_towards_its_length(journey, users):
    from consilium.journal.actions import do_add_note

    case, _ = journey("opinion_delivered")
    short = do_add_note(case, "Asked for a second opinion.", acting_user=users["patient"])
    story, _ = do_draft_story(case, "Two opinions", "  ", [short.id],
                              acting_user=users["patient"])
    assert story.text == "Asked for a second opinion."
    long = do_add_note(case, "n" * 9_000, acting_user=users["patient"])
    with pytest.raises(InvalidInput) as refused:
        do_draft_story(case, "Two opinions", "s" * 11_000, [long.id],
                       acting_user=users["patient"])
    assert refused.value.errors == {"text": LONG_TEXT}


@pytest.fixture
def sent(journey, users):
    case, _ = journey("opinion_delivered")
    story, _ = do_draft_story(case, "My story", "It helped to ask.",
                              acting_user=users["patient"])
    return do_submit_story(story, story.title, story.text, True, acting_user=users["patient"])


@pytest.mark.parametrize("decision, note, message", [
    ("decline", "", NO_NOTE),
    ("decline", "  \n\t ", NO_NOTE),
    ("decline", "n" * (NOTE_LIMIT + 1), LONG_NOTE),
    ("publish", "n" * (NOTE_LIMIT + 1), LONG_NOTE),
    ("decline", "n" * 100_000, LONG_NOTE),
])
def test_a_review_note_is_refused_alike_on_the_page_and_in_the_action(sent, users, login,
                                                                      client, decision, note,
                                                                      message):
    login(users["admin"])
    page = client.post(f"/stories/{sent.id}/review/", {"decision": decision,
                                                       f"{sent.id}-note": note}, follow=True)
    assert message in plain(page)
    with pytest.raises(InvalidInput) as refused:
        do_review_story(sent, decision == "publish", note, acting_user=users["admin"])
    assert refused.value.errors == {"note": message}
    sent.refresh_from_db()
    assert sent.state == StoryState.SUBMITTED and sent.review_note == ""


def test_a_note_of_the_wrong_kind_is_named_and_spaces_around_it_dropped(sent, users):
    with pytest.raises(InvalidInput) as refused:
        do_review_story(sent, False, ["a", "list"], acting_user=users["admin"])
    assert list(refused.value.errors) == ["note"]
    declined = do_review_story(sent, False, "  Leave out the town.  ",
                               acting_user=users["admin"])
    assert (declined.state, declined.review_note) == (StoryState.DECLINED,
                                                      "Leave out the town.")


def test_a_name_typed_back_twice_is_shown_removed_again(journey, users, login, client):
    """Sent again with the name its title already had removed: the page shows the title as
    kept (the name taken out), not what was typed."""
    case, _ = journey("opinion_delivered")
    do_draft_story(case, "Two opinions", "It helped to ask.", acting_user=users["patient"])
    login(users["patient"])
    for _ in range(2):
        answer = client.post(f"/cases/{case.id}/story/", {
            "step": "submit", "title": "Thank you, Dr. Okafor", "text": "It helped to ask.",
            "consent": "on"})
        assert answer.status_code == 422
        page = plain(answer)
        assert 'value="Thank you, Dr. [name]"' in page and "Okafor" not in page
        assert "We removed more details" in page
    assert Story.objects.get().state == StoryState.DRAFT

"""The story policy decides the take-down and the review: the public page shows the control to
exactly those its rule allows, the control works for them, and the actions refuse the rest
with the rule's own sentence."""

import pytest
from django.test import Client

from consilium.errors import Conflict, NotAllowed
from consilium.stories.actions import (
    do_draft_story,
    do_review_story,
    do_submit_story,
    do_unpublish_story,
)
from consilium.stories.models import StoryState
from consilium.stories.policy import policy

CONTROL = "Take it down</button>"


@pytest.fixture
def published(journey, users):
    case, _ = journey("submitted")
    story, _ = do_draft_story(case, "My story", "It helped to ask.", acting_user=users["patient"])
    do_submit_story(story, story.title, story.text, True, acting_user=users["patient"])
    return do_review_story(story, True, "", acting_user=users["admin"])


def test_the_public_page_shows_the_take_down_to_the_patient_and_administrators(
        published, users, login, client):
    address = f"/stories/{published.id}/"
    assert CONTROL not in Client().get(address).content.decode()
    for someone in ("patient2", "coordinator", "specialist", "caregiver"):
        login(users[someone])
        assert CONTROL not in client.get(address).content.decode(), someone
    for someone in ("admin", "patient"):
        login(users[someone])
        assert CONTROL in client.get(address).content.decode(), someone


def test_the_patient_takes_the_story_down_from_the_public_page(published, users, login,
                                                               client, mailoutbox):
    login(users["patient"])
    page = client.get(f"/stories/{published.id}/").content.decode()
    assert "You keep it" in page and "the patient is told" not in page
    answer = client.post(f"/stories/{published.id}/take-down/")
    # back to their own story page, where they can change it and send it again
    assert answer.status_code == 302
    assert answer["Location"] == f"/cases/{published.case_id}/story/"
    answer = client.get(answer["Location"])
    assert "Your story is no longer shown" in answer.content.decode()
    published.refresh_from_db()
    assert published.state == StoryState.UNPUBLISHED
    assert mailoutbox == []  # the patient is told only when someone else took it down
    assert Client().get(f"/stories/{published.id}/").status_code == 404


def test_an_administrator_takes_a_story_down_from_the_public_page(published, users, login,
                                                                 client):
    login(users["admin"])
    page = client.get(f"/stories/{published.id}/").content.decode()
    assert "the patient is told" in page and "You keep it" not in page
    answer = client.post(f"/stories/{published.id}/take-down/", follow=True)
    assert answer.redirect_chain[-1][0] == "/stories/"
    assert "no longer on the public page" in answer.content.decode()


def test_the_actions_refuse_with_the_rules_sentence(published, users):
    for someone in ("patient2", "coordinator"):
        refusal = policy.refusal(users[someone], published, "take_down")
        assert isinstance(refusal, NotAllowed)
        with pytest.raises(NotAllowed, match=refusal.message):
            do_unpublish_story(published, acting_user=users[someone])
    refusal = policy.refusal(users["patient"], published, "review")
    with pytest.raises(NotAllowed, match=refusal.message):
        do_review_story(published, False, "", acting_user=users["patient"])
    refusal = policy.refusal(users["admin"], published, "review")
    assert isinstance(refusal, Conflict)
    with pytest.raises(Conflict, match=refusal.message):
        do_review_story(published, True, "", acting_user=users["admin"])
    do_unpublish_story(published, acting_user=users["admin"])
    published.refresh_from_db()
    assert policy.allowed(users["patient"], published) == frozenset()
    with pytest.raises(Conflict, match="not published or waiting"):
        do_unpublish_story(published, acting_user=users["patient"])

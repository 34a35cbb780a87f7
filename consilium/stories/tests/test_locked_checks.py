"""Drafting and sending a story are decided on the case as it is in the database, locked in
the action's transaction, not on the caller's copy. (No action hands a case to another
patient today; the tests move it by hand to show which copy the rule reads.)"""

import pytest

from consilium.cases.models import Case
from consilium.errors import NotAllowed
from consilium.stories.actions import do_draft_story, do_submit_story
from consilium.stories.models import Story, StoryState


def test_drafting_asks_about_the_case_as_it_is_now(journey, users):
    case, _ = journey("opinion_delivered")
    Case.objects.filter(id=case.id).update(patient=users["patient2"])
    with pytest.raises(NotAllowed):
        do_draft_story(case, "Two opinions", "It went well.", acting_user=users["patient"])
    assert not Story.objects.exists()


def test_sending_asks_about_the_case_as_it_is_now(journey, users):
    case, _ = journey("opinion_delivered")
    story, _ = do_draft_story(case, "Two opinions", "It went well.",
                              acting_user=users["patient"])
    story = Story.objects.select_related("case").get(pk=story.pk)
    Case.objects.filter(id=case.id).update(patient=users["patient2"])
    with pytest.raises(NotAllowed):
        do_submit_story(story, "Two opinions", "It went well.", True,
                        acting_user=users["patient"])
    assert Story.objects.get().state == StoryState.DRAFT

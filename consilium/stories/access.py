"""Reading stories: the patient's own (through the case), the administrators' queue, and the
public page, which shows only published stories and records no reads (they name no one)."""

from django.http import Http404

from consilium.accounts.models import Role
from consilium.audit.trail import record, record_many, record_refused
from consilium.cases.access import is_case_owner
from consilium.cases.models import Case
from consilium.journal.models import JournalNote

from .models import Story, StoryState


def story_of_case(user, case: Case) -> Story | None:
    """The patient's story for this case, if they started one; the patient's own page."""
    _patient_only(user, case)
    story = Story.objects.filter(case=case).first()
    if story:
        record(user, "story.view", story, case_id=case.id)
    return story


def notes_to_pick(user, case: Case):
    """The patient's journal notes, offered to put into the story."""
    _patient_only(user, case)
    return JournalNote.objects.filter(case=case)


def _patient_only(user, case: Case) -> None:
    if not is_case_owner(user, case):
        record_refused(user, "story.view", Case, case.id, case_id=case.id)
        raise Http404("The story is the patient's own")


def reviews_stories(user) -> bool:
    """Administrators approve stories and take them down; the menu lists the queue by this."""
    return user.is_authenticated and user.role == Role.ADMIN


def stories_waiting(user):
    """Stories sent for approval, oldest first, for administrators."""
    if not reviews_stories(user):
        raise Http404
    return Story.objects.filter(state=StoryState.SUBMITTED).order_by("submitted_at")


def administered_story(user, story_id, *, waiting: bool = False) -> Story:
    """A story an administrator acts on (only those waiting for approval, if ``waiting``)."""
    if not reviews_stories(user):
        record_refused(user, "story.administer", Story, story_id)
        raise Http404
    stories = stories_waiting(user) if waiting else Story.objects.all()
    story = stories.filter(id=story_id).first()
    if story is None:
        record_refused(user, "story.administer", Story, story_id)
        raise Http404("No such story")
    return story


def story_to_take_down(user, story_id) -> Story:
    """A story its patient or an administrator may take down (whether it can be, now, is
    the policy's ``take_down``); 404 to everyone else, as for a story they cannot see."""
    if reviews_stories(user):
        return administered_story(user, story_id)
    story = Story.objects.filter(id=story_id, case__patient=user).first()
    if story is None:
        record_refused(user, "story.administer", Story, story_id)
        raise Http404("No such story")
    return story


def record_review_reads(user, stories) -> None:
    record_many(user, "story.view", stories, case_id_of=lambda story: story.case_id)


def published_stories():
    return Story.objects.filter(state=StoryState.PUBLISHED).order_by("-published_at", "id")


def published_story(story_id) -> Story:
    story = published_stories().filter(id=story_id).first()
    if story is None:
        raise Http404("No such story")
    return story

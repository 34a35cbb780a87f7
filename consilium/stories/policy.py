"""What may be done to a story once it exists: one rule per action (consilium/policy.py).

Writing and sending the story is the case policy's ``story`` (the object there is the case,
since there may be no story yet); these rules look at the ``Story`` and its state. Who may
*see* a story is stories/access.py.
"""

from consilium.accounts.models import Role
from consilium.cases.access import is_case_owner
from consilium.errors import Conflict, NotAllowed
from consilium.policy import Policy

from .models import Story, StoryState

policy = Policy("story")

# A story shown on the public page, or waiting for an administrator to read it.
TAKE_DOWN_STATES = (StoryState.SUBMITTED, StoryState.PUBLISHED)


@policy.rule("review")
def _review(user, story: Story):
    """Publish the story, or send it back to the patient saying why."""
    if user.role != Role.ADMIN:
        return NotAllowed("Administrators approve stories.")
    if story.state != StoryState.SUBMITTED:
        return Conflict("This story is not waiting for approval.")
    return None


@policy.rule("take_down")
def _take_down(user, story: Story):
    """Take the story off the public page or out of the approval queue: the patient at any
    time, an administrator too (the patient is told)."""
    if not (is_case_owner(user, story.case) or user.role == Role.ADMIN):
        return NotAllowed("Only the patient and administrators take a story down.")
    if story.state not in TAKE_DOWN_STATES:
        return Conflict("This story is not published or waiting.")
    return None

"""Sharing a story: the patient drafts it (scrubbed), reads and edits it, sends it for
approval; an administrator publishes it or says why not; the patient takes it down at any
time. Each step is a row in the audit trail."""

import re
from collections.abc import Mapping

import zipcodes
from django.db import transaction
from django.utils import timezone

from consilium.accounts.models import Role
from consilium.accounts.notify import notify_role, notify_users
from consilium.audit.trail import record
from consilium.cases.actions import locked_case
from consilium.cases.models import Case
from consilium.cases.policy import policy as case_policy
from consilium.errors import Conflict, InvalidInput
from consilium.forms import object_id
from consilium.journal.models import JournalNote

from .models import Story, StoryState
from .policy import policy as story_policy
from .schemas import TITLE_LIMIT, ReviewIn, StoryIn, SubmitIn
from .scrub import INSTITUTION, NAME, PLACE, REMOVED, Scrubbed, scrub, unsure_words

EDITABLE = (StoryState.DRAFT, StoryState.DECLINED, StoryState.UNPUBLISHED)
SCRUBBED_AGAIN = ("We removed more details from what you changed (marked in brackets). Read "
                  "it again, then send it.")


def known_details(case: Case) -> dict[str, list[str]]:
    """What this case knows that could name the patient: people, institutions, the town."""
    patient = case.patient
    people = [patient.get_full_name(), patient.first_name, patient.last_name,
              case.diagnosing_physician]
    people += [name for c in case.consultations.select_related("specialist")
               for name in (c.specialist.name, c.specialist.last_name)]
    people += [share.grantee.get_full_name() for share in case.shares.select_related("grantee")]
    places = []
    if case.patient_location.isdigit():
        places += [row["city"] for row in zipcodes.matching(case.patient_location)[:1]]
    return {NAME: [p for p in people if p], INSTITUTION: [case.institution, case.hospital_system],
            PLACE: places}


def _patient_only(case: Case, user) -> None:
    """Refuse early, on the caller's copy; the action asks again on the locked case."""
    case_policy.check(user, case, "story")


def do_draft_story(case: Case, title: str, text: str, note_ids=(), *,
                   acting_user) -> tuple[Story, Scrubbed]:
    """Put what the patient wrote and the journal entries they picked into a draft, with
    every identifying detail removed; nothing is published yet."""
    _patient_only(case, acting_user)
    picked = [object_id(i) for i in note_ids]
    notes = list(JournalNote.objects.filter(case=case, id__in=[i for i in picked if i]))
    own = text or ""
    if isinstance(own, str):  # else StoryIn says to write it as text
        parts = [own.strip()] + [note.text.strip() for note in notes]
        own = "\n\n".join(p for p in parts if p)
    given = StoryIn.read({"title": title, "text": own})
    known = known_details(case)
    scrubbed_title, scrubbed = scrub(given.title, known), scrub(given.text, known)
    with transaction.atomic():
        case = locked_case(case, "story", user=acting_user)
        story = Story.objects.select_for_update().filter(case=case).first()
        if story and story.state not in EDITABLE:
            raise Conflict("Take the story down first to change it.")
        story = story or Story(case=case, author=acting_user)
        story.title, story.text = scrubbed_title.text[:TITLE_LIMIT], scrubbed.text
        story.state = StoryState.DRAFT
        story.save()
        record(acting_user, "story.draft", story, case_id=case.id)
    return story, scrubbed


def undecided_message(words) -> str:
    return ("Choose for each highlighted word whether to keep it or take it out, then send "
            "it: " + ", ".join(words) + ".")


def _take_out(text: str, words) -> str:
    for word in words:
        text = re.sub(rf"(?<![\w\[]){re.escape(word)}(?![\w\]])", f"[{REMOVED}]", text)
    return text


def do_submit_story(story: Story, title: str, text: str, consent: bool, *,
                    acting_user, choices: Mapping[str, str] | None = None) -> Story:
    """Send the story, as the patient last edited it, to the administrators. The edited text
    is scrubbed again: anything identifying typed back in sends the story back to the patient
    with it removed, for another reading.

    ``choices`` says, for each highlighted word (``unsure_words``), "keep" or "remove"; one
    taken out becomes "[removed]". A highlighted word without either refuses the sending,
    naming the words, and the text is kept as a draft; what was kept is on the story, for
    the administrator."""
    _patient_only(story.case, acting_user)
    sent = SubmitIn.read({"title": title, "text": text, "consent": consent})
    choices = {str(k): v for k, v in (choices or {}).items() if isinstance(v, str)}
    known = known_details(story.case)
    scrubbed_title, scrubbed = scrub(sent.title, known), scrub(sent.text, known)
    # Only highlighted words are taken out: a "remove" for any other word is not a choice.
    highlighted = unsure_words(scrubbed_title.text + "\n" + scrubbed.text)
    removed = [word for word in highlighted if choices.get(word) == "remove"]
    scrubbed_title.text = _take_out(scrubbed_title.text, removed)
    scrubbed.text = _take_out(scrubbed.text, removed)
    unsure = [word for word in highlighted if word not in removed]
    undecided = [word for word in unsure if choices.get(word) != "keep"]
    with transaction.atomic():
        locked_case(story.case, "story", user=acting_user)  # the case first, then its story
        current = Story.objects.select_for_update().get(id=story.id)
        if current.state not in EDITABLE:
            raise Conflict("This story has already been sent.")
        current.title, current.text = scrubbed_title.text[:TITLE_LIMIT], scrubbed.text
        again = scrubbed_title.changed or scrubbed.changed
        sending = not again and not undecided
        if sending:
            current.state, current.submitted_at = StoryState.SUBMITTED, timezone.now()
            current.review_note, current.kept = "", "\n".join(unsure)
        current.save()
        record(acting_user, "story.submit" if sending else "story.draft", current,
               case_id=current.case_id)
    if again:
        raise InvalidInput({"text": SCRUBBED_AGAIN})
    if undecided:
        raise InvalidInput({"unsure": undecided_message(undecided)})
    notify_role(Role.ADMIN, "A story is waiting for approval")
    return current


def do_review_story(story: Story, approve: bool, note: str, *, acting_user) -> Story:
    """An administrator publishes the story, or sends it back saying why (read as
    ``ReviewIn``, once the story policy's "review" lets them)."""
    with transaction.atomic():
        current = Story.objects.select_for_update().get(id=story.id)
        story_policy.check(acting_user, current, "review")
        answer = ReviewIn.read({"approve": approve, "note": note})
        now = timezone.now()
        current.reviewed_by, current.reviewed_at = acting_user, now
        current.review_note = answer.note
        current.state = StoryState.PUBLISHED if approve else StoryState.DECLINED
        current.published_at = now if approve else None
        current.save()
        record(acting_user, "story.publish" if approve else "story.decline", current,
               case_id=current.case_id)
    notify_users([current.author_id], "Your story was published" if approve
                 else "Your story needs a change before it is published")
    return current


def do_unpublish_story(story: Story, *, acting_user) -> Story:
    """Take the story off the public page (or out of the approval queue). The patient can
    do this at any time; an administrator too."""
    with transaction.atomic():
        current = Story.objects.select_for_update().get(id=story.id)
        story_policy.check(acting_user, current, "take_down")
        current.state, current.unpublished_at = StoryState.UNPUBLISHED, timezone.now()
        current.save(update_fields=["state", "unpublished_at"])
        record(acting_user, "story.unpublish", current, case_id=current.case_id)
    if acting_user.id != current.author_id:
        notify_users([current.author_id], "Your story was taken down")
    return current

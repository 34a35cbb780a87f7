import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from consilium.cases.access import access_case_by_id, is_case_owner, patients_own
from consilium.errors import Conflict, InvalidInput

from .access import (
    administered_story,
    notes_to_pick,
    published_stories,
    published_story,
    record_review_reads,
    stories_waiting,
    story_of_case,
    story_to_take_down,
)
from .actions import (
    EDITABLE,
    SCRUBBED_AGAIN,
    do_draft_story,
    do_review_story,
    do_submit_story,
    do_unpublish_story,
)
from .forms import DraftForm, ReviewForm, SubmitForm
from .models import Story
from .policy import TAKE_DOWN_STATES
from .policy import policy as story_policy
from .scrub import PLACEHOLDERS, unsure_words

PAGE_SIZE = 10


def marked(text: str, unsure=()) -> SafeString:
    """The story as HTML: what was removed marked, words to check highlighted."""
    html: str = escape(text)
    html = PLACEHOLDERS.sub(lambda m: f'<mark class="removed">{m.group()}</mark>', html)
    for word in unsure:
        html = re.sub(rf"(?<![\w>]){re.escape(escape(word))}(?![\w<])",
                      lambda m: f'<mark class="unsure">{m.group()}</mark>', html)
    return mark_safe(html.replace("\n", "<br>"))  # escaped above


def _choices(post) -> dict[str, str]:
    """The patient's answer for each highlighted word: fields "unsure:<word>"."""
    return {key.removeprefix("unsure:"): value for key, value in post.items()
            if key.startswith("unsure:")}


def _page(request, case, story, *, draft_form=None, submit_form=None, removed=None,
          status=200, choices=None):
    unsure = unsure_words(story.title + "\n" + story.text) if story else []
    if story and story.state in EDITABLE and submit_form is None:
        submit_form = SubmitForm(initial={"title": story.title, "text": story.text})
    return render(request, "stories/story.html", {
        "case": case, "story": story, "editable": not story or story.state in EDITABLE,
        "draft_form": draft_form or DraftForm(notes=notes_to_pick(request.user, case),
                                              prefix="draft"),
        "submit_form": submit_form, "removed": removed, "unsure": unsure,
        "unsure_choices": [(word, (choices or {}).get(word, "")) for word in unsure],
        "preview": marked(story.text, unsure) if story else "",
        "allowed": story_policy.allowed(request.user, story) if story else frozenset(),
    }, status=status)


@login_required
def story(request, case_id):
    """The patient's page for sharing their story: write or pick, read the scrubbed text,
    send it; see where it stands; take it down."""
    case = access_case_by_id(request.user, case_id, check=patients_own)
    current = story_of_case(request.user, case)
    if request.method != "POST":
        return _page(request, case, current)
    if request.POST.get("step") == "submit" and current:
        form = SubmitForm(request.POST)
        choices = _choices(request.POST)
        if form.is_valid():
            try:
                do_submit_story(current, form.cleaned_data["title"], form.cleaned_data["text"],
                                form.cleaned_data["consent"], acting_user=request.user,
                                choices=choices)
            except InvalidInput as error:
                current.refresh_from_db()
                if error.errors.get("text") == SCRUBBED_AGAIN:
                    # Scrubbed again and saved: show the new text, not what was sent.
                    form = SubmitForm(initial={"title": current.title, "text": current.text})
                    messages.warning(request, SCRUBBED_AGAIN)
                    return _page(request, case, current, submit_form=form, status=422)
                for name, message in error.errors.items():
                    form.add_error(name if name in form.fields else None, message)
            except Conflict as error:
                messages.error(request, str(error))
                return redirect("case_story", case_id=case.id)
            else:
                messages.success(request, "Sent. An administrator reads it before it is "
                                          "published; we will tell you.")
                return redirect("case_story", case_id=case.id)
        return _page(request, case, current, submit_form=form, status=422, choices=choices)
    draft = DraftForm(request.POST, notes=notes_to_pick(request.user, case), prefix="draft")
    if draft.is_valid():
        try:
            current, scrubbed = do_draft_story(
                case, draft.cleaned_data["title"], draft.cleaned_data["text"],
                draft.cleaned_data["notes"], acting_user=request.user)
        except InvalidInput as error:
            for name, message in error.errors.items():
                draft.add_error(name if name in draft.fields else None, message)
        except Conflict as error:
            messages.error(request, str(error))
            return redirect("case_story", case_id=case.id)
        else:
            return _page(request, case, current, removed=scrubbed.removed)
    return _page(request, case, current, draft_form=draft, status=422)


def _shown(case, user) -> None:
    """Only the patient takes down their story, and only one sent or published."""
    patients_own(case, user)
    if not Story.objects.filter(case=case, state__in=TAKE_DOWN_STATES).exists():
        raise Http404("Nothing to take down")


@login_required
def unpublish(request, case_id):
    """Ask first, then take the story down."""
    case = access_case_by_id(request.user, case_id, check=_shown)
    current = story_of_case(request.user, case)
    assert current is not None  # _shown found it, and a story goes only with its case
    if request.method == "POST":
        do_unpublish_story(current, acting_user=request.user)
        messages.success(request, "Your story is no longer shown. You can change it and send "
                                  "it again.")
        return redirect("case_story", case_id=case.id)
    return render(request, "stories/unpublish.html", {"case": case, "story": current})


def public_list(request):
    """The public page: published stories, newest first, for anyone."""
    page = Paginator(published_stories().only("id", "title", "text", "published_at"),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "stories/public_list.html", {"page": page})


def public_story(request, story_id):
    """A published story, for anyone; its patient and administrators can take it down here
    (the story policy's ``take_down``)."""
    found = published_story(story_id)
    signed_in = request.user.is_authenticated
    return render(request, "stories/public_story.html", {
        "story": found, "text": marked(found.text),
        "allowed": story_policy.allowed(request.user, found) if signed_in else frozenset(),
        "own": signed_in and is_case_owner(request.user, found.case)})


@login_required
def review_list(request):
    """Administrators: the stories waiting for approval, each to publish or send back."""
    waiting = Paginator(stories_waiting(request.user), PAGE_SIZE).get_page(
        request.GET.get("page"))
    record_review_reads(request.user, waiting.object_list)
    stories = [(s, marked(s.text, unsure_words(s.text)), ReviewForm(prefix=str(s.id)),
                [word for word in s.kept.splitlines() if word])
               for s in waiting.object_list]
    return render(request, "stories/review.html", {"page": waiting, "stories": stories})


@login_required
@require_POST
def review(request, story_id):
    waiting = administered_story(request.user, story_id, waiting=True)
    form = ReviewForm(request.POST, prefix=str(waiting.id))
    approve = request.POST.get("decision") == "publish"
    form.is_valid()  # it only asks: the action's ReviewIn reads the note
    try:
        do_review_story(waiting, approve, form.cleaned_data["note"], acting_user=request.user)
    except (InvalidInput, Conflict) as error:
        messages.error(request, " ".join(error.errors.values()) if isinstance(
            error, InvalidInput) else str(error))
    else:
        messages.success(request, "Published." if approve else "Sent back to the patient.")
    return redirect("story_review_list")


@login_required
@require_POST
def take_down(request, story_id):
    """Take a published story off the public page, from the page itself: an administrator
    (the patient is told) or the patient, who is brought back to their story to change it
    and send it again."""
    found = story_to_take_down(request.user, story_id)
    own = is_case_owner(request.user, found.case)
    try:
        do_unpublish_story(found, acting_user=request.user)
    except Conflict as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Your story is no longer shown. You can change it and send "
                                  "it again." if own else
                         "Taken down: the story is no longer on the public page.")
    return redirect("case_story", case_id=found.case_id) if own else redirect("public_stories")

from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from consilium.cases.actions import do_start_case_from_assessment
from consilium.cases.models import Case
from consilium.cases.policy import starts_cases
from consilium.errors import InvalidInput
from consilium.forms import add_action_errors, form_status
from consilium.submissions.once import Once, key_of

from .assessment import assess
from .forms import AssessForm
from .rules import RECOMMENDATIONS

PENDING = "pending_assessment"
PENDING_KEY = "pending_assessment_key"  # the "Start my case" form's one-time key


def assess_page(request):
    """The public self-assessment. Answers are posted, never put in the address."""
    form = AssessForm(request.POST or None, initial={"country": _default_country()})
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = assess(form.to_assessment_input())
        except InvalidInput as error:
            add_action_errors(form, error)
    status = form_status(form)
    headline = RECOMMENDATIONS[result["recommendation"]] if result else None
    return render(request, "triage/assess.html",
                  {"form": form, "result": result, "headline": headline}, status=status)


@require_POST
def start_case(request):
    """Keep the answers for a moment, sign in if needed, then make the draft case."""
    form = AssessForm(request.POST)
    if not form.is_valid():
        return redirect("assess")
    request.session[PENDING] = form.to_assessment_input()
    request.session[PENDING_KEY] = key_of(request)
    if not request.user.is_authenticated:
        messages.info(request, "Sign in, or create an account, to start your case. Your answers "
                                "are kept.")
        return redirect(f"{reverse('login')}?{REDIRECT_FIELD_NAME}={reverse('assess_continue')}")
    return redirect("assess_continue")


def continue_case(request):
    """Make the draft case from the kept answers. The answers leave the session; the form's
    key stays, so that a second request of a double click lands on the same case."""
    data = request.session.pop(PENDING, None)
    key = request.session.get(PENDING_KEY, "")
    if not request.user.is_authenticated or (data is None and not key):
        return redirect("assess")
    if not starts_cases(request.user):
        messages.error(request, "Only patients can start a case from the assessment.")
        return redirect("home")
    case = (do_start_case_from_assessment(data, acting_user=request.user, key=key)
            if data is not None else Once(request.user, key, Case).done())
    if case is None:  # the answers went with a first request that made nothing
        return redirect("assess")
    messages.success(request, "Your draft case is ready. Check the details, then submit it.")
    return redirect("case_detail", case_id=case.id)


def _default_country():
    from django.conf import settings

    return settings.DEFAULT_COUNTRY

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from consilium.cases.access import access_case_by_id, cases_visible_to
from consilium.cases.models import Status
from consilium.errors import InvalidInput
from consilium.forms import add_action_errors, form_status
from consilium.submissions.once import key_of

from .actions import do_request_third_opinion, do_review_comparison
from .forms import ReviewForm
from .policy import comparison_to_review, policy
from .reading import comparison_for_case


@login_required
def case_comparison(request, case_id):
    """The first and later opinions side by side, with how they differ and why."""
    case = access_case_by_id(request.user, case_id)
    return _page(request, case, ReviewForm())


@login_required
@require_POST
def review(request, case_id):
    case = access_case_by_id(request.user, case_id, check=policy.checker("review"))
    to_review = comparison_to_review(case)
    assert to_review is not None  # the review rule, checked just above, found it
    seen = comparison_for_case(request.user, case)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            do_review_comparison(to_review, acting_user=request.user, **form.cleaned_data)
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "The comparison is reviewed; the program's figures use "
                                      "your reading.")
            return redirect("case_comparison", case_id=case.id)
    return _page(request, case, form, status=form_status(form), seen=seen)


@login_required
@require_POST
def third_opinion(request, case_id):
    case = access_case_by_id(request.user, case_id)
    third = do_request_third_opinion(case, acting_user=request.user, key=key_of(request))
    messages.success(request, "A third opinion is asked for. This new case carries over the "
                              "first opinion, your questions and your records; a coordinator "
                              "will match it with a specialist from another hospital system.")
    return redirect("case_detail", case_id=third.id)


def _page(request, case, form, status=200, seen=None):
    user = request.user
    seen = seen or comparison_for_case(user, case)
    allowed = policy.allowed(user, case)
    may_review = "review" in allowed and seen is not None and seen.stored is not None
    if may_review:
        form.initial = {"diagnosis": seen.stored.diagnosis, "treatment": seen.stored.treatment,
                        "note": seen.stored.review_note}
    later = (cases_visible_to(user).filter(earlier_case=case).exclude(status=Status.WITHDRAWN)
             .first())
    opinions = seen.all if seen else []
    return render(request, "comparison/page.html", {
        "case": case, "seen": seen, "review_form": form if may_review else None,
        "allowed": allowed,
        "third_opinion_case": later,
        "diagnosis_differs": any(s.found.diagnosis != "confirmed" for s in opinions),
        "treatment_differs": any(s.found.treatment != "same" for s in opinions),
    }, status=status)


@require_safe
def how_we_compare(request):
    """The note on how opinions are compared, with its sources; no case data."""
    return render(request, "comparison/how.html")

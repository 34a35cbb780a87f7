from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from consilium.accounts.models import Role
from consilium.cases.access import access_case_by_id
from consilium.errors import InvalidInput
from consilium.forms import add_action_errors, form_status

from .actions import do_review_comparison
from .forms import ReviewForm
from .reading import comparison_for_case


@login_required
def case_comparison(request, case_id):
    """The first and second opinions side by side, with how they differ and why."""
    case = access_case_by_id(request.user, case_id)
    return _page(request, case, ReviewForm())


@login_required
@require_POST
def review(request, case_id):
    case = access_case_by_id(request.user, case_id)
    seen = comparison_for_case(request.user, case)
    if seen is None or seen.stored is None:
        messages.error(request, "There is no comparison to review yet.")
        return redirect("case_comparison", case_id=case.id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            do_review_comparison(seen.stored, acting_user=request.user, **form.cleaned_data)
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "The comparison is reviewed; the program's figures use "
                                      "your reading.")
            return redirect("case_comparison", case_id=case.id)
    return _page(request, case, form, status=form_status(form))


def _page(request, case, form, status=200):
    seen = comparison_for_case(request.user, case)
    may_review = (request.user.role == Role.COORDINATOR and seen is not None
                  and seen.stored is not None and bool(seen.stored.review))
    if may_review:
        form.initial = {"diagnosis": seen.stored.diagnosis, "treatment": seen.stored.treatment,
                        "note": seen.stored.review_note}
    return render(request, "comparison/page.html", {
        "case": case, "seen": seen, "review_form": form if may_review else None,
    }, status=status)

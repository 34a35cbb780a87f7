from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from consilium.errors import InvalidInput, NotAllowed
from consilium.forms import add_action_errors, form_status, page_number

from .access import PLACE_KINDS, own_specialist, suggest_places
from .actions import (
    do_add_certification,
    do_update_availability,
    do_update_profile,
    may_edit_profile,
)
from .forms import AvailabilityForm, CertificationForm, ProfileForm
from .models import Specialist
from .search import SpecialistQuery, search_specialists

DIRECTORY_PAGE = 25
SEARCH_FIELDS = {"q", "specialty", "condition", "near", "radius_km", "accepting"}


@login_required
@require_http_methods(["GET", "POST"])
def specialist_list(request):
    """The directory: by the start of a name, specialty, condition, place; htmx refreshes
    the results as the coordinator types. The search is posted (page number included): a
    condition, beside a patient's ZIP code, is health data and stays out of URLs."""
    if request.method == "GET" and SEARCH_FIELDS & set(request.GET):
        return redirect("specialist_list")  # an old address: drop the search
    posted = request.POST
    query = SpecialistQuery(
        q=posted.get("q", "").strip(), specialty=posted.get("specialty", "").strip(),
        condition=posted.get("condition", "").strip(), near=posted.get("near", "").strip(),
        radius_km=_number(posted.get("radius_km"), 100),
        accepting=True if posted.get("accepting") else None)
    errors, items, page, exact = {}, [], None, True
    wanted = page_number((posted if request.method == "POST" else request.GET).get("page"))
    try:
        result = search_specialists(query, limit=DIRECTORY_PAGE,
                                    offset=(wanted - 1) * DIRECTORY_PAGE)
        page = Paginator(range(result.count), DIRECTORY_PAGE).get_page(wanted)
        if page.number != wanted:  # past the last page: show the last one
            result = search_specialists(query, limit=DIRECTORY_PAGE,
                                        offset=(page.number - 1) * DIRECTORY_PAGE)
        items, exact = result.items, result.exact
    except InvalidInput as error:
        errors = error.errors
    template = "directory/_results.html" if request.htmx else "directory/list.html"
    return render(request, template, {
        "page": page, "items": items, "query": query, "errors": errors, "exact": exact,
        "can_edit": may_edit_profile(request.user),
    }, status=422 if errors and not request.htmx else 200)  # htmx swaps only a 2xx


def _number(text, default: float) -> float:
    try:
        return float(text) if text else default
    except ValueError:
        return -1  # refused with a message by the search


@login_required
def edit_profile(request, specialist_id):
    """A coordinator or administrator edits a specialist's profile and certifications."""
    if not may_edit_profile(request.user):
        raise NotAllowed("Only coordinators and administrators edit specialists' profiles.")
    specialist = get_object_or_404(Specialist, pk=specialist_id)
    form = ProfileForm(request.POST or None, initial=ProfileForm.initial_for(specialist))
    certification_form = CertificationForm(prefix="cert")
    if request.method == "POST" and "cert-board" in request.POST:
        form = ProfileForm(initial=ProfileForm.initial_for(specialist))
        certification_form = CertificationForm(request.POST, prefix="cert")
        if certification_form.is_valid():
            try:
                do_add_certification(specialist, certification_form.cleaned_data,
                                     acting_user=request.user)
            except InvalidInput as error:
                add_action_errors(certification_form, error)
            else:
                messages.success(request, "The certification is recorded.")
                return redirect("specialist_edit", specialist_id=specialist.id)
    elif request.method == "POST" and form.is_valid():
        try:
            do_update_profile(specialist, form.cleaned_data, acting_user=request.user)
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            messages.success(request, f"{specialist.name}'s profile is saved.")
            return redirect("specialist_edit", specialist_id=specialist.id)
    return render(request, "directory/edit.html", {
        "specialist": specialist, "form": form, "certification_form": certification_form,
        "certifications": specialist.certifications.all(),
        "institutions": specialist.institutions.all(),
    }, status=max(form_status(form), form_status(certification_form)))


@login_required
def my_availability(request):
    """A specialist's own availability and conditions of focus."""
    specialist = own_specialist(request.user)
    if specialist is None:
        raise NotAllowed("Only specialists in the directory have availability to set.")
    form = AvailabilityForm(request.POST or None,
                            initial=AvailabilityForm.initial_for(specialist))
    if request.method == "POST" and form.is_valid():
        try:
            do_update_availability(specialist, form.cleaned_data, acting_user=request.user)
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "Your availability is saved.")
            return redirect("my_availability")
    return render(request, "directory/availability.html",
                  {"specialist": specialist, "form": form}, status=form_status(form))


# The case form's fields whose suggestions place_suggestions gives, and their kind of name.
PLACE_FIELDS = dict(zip(("hospital_system", "institution"), PLACE_KINDS, strict=True))


@login_required
@require_POST
def place_suggestions(request):
    """The options of a case form field's <datalist> (htmx, as the patient types): the
    directory's hospital systems or institutions (public data) near the typed words. The
    words are posted: where a patient was treated stays out of URLs and logs."""
    field = request.POST.get("field", "")
    kind = PLACE_FIELDS.get(field)
    places = suggest_places(kind, request.POST.get(field, "")) if kind else []
    return render(request, "directory/_place_options.html", {"places": places})

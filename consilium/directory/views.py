from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render

from consilium.cases.access import access_case_by_id
from consilium.consultations.actions import OFFERABLE_STATES, may_offer
from consilium.consultations.models import ACTIVE_STATUSES

from .matching import COMPONENT_NAMES, match_case, may_see_matches
from .models import Specialist

MATCHES_SHOWN = 20


@login_required
def specialist_list(request):
    query = request.GET.get("q", "").strip()
    specialists = Specialist.objects.all()
    if query:
        specialists = specialists.filter(
            Q(name__icontains=query) | Q(specialty__icontains=query)
            | Q(institution__icontains=query) | Q(hospital_system__icontains=query)
        )
    page = Paginator(specialists, 25).get_page(request.GET.get("page"))
    # The search box asks htmx for the results alone as the user types.
    template = "directory/_results.html" if request.htmx else "directory/list.html"
    return render(request, template, {"page": page, "query": query})


@login_required
def case_matches(request, case_id):
    """The proposals for a case, their scores and reasons, and who the rules left out."""
    case = access_case_by_id(request.user, case_id, action="case.matches")
    may_see_matches(case, request.user)
    matches = match_case(case, limit=MATCHES_SHOWN)
    weights = [(COMPONENT_NAMES[k], v) for k, v in matches.weights.items()]
    for proposal in matches.proposals:
        proposal.breakdown = [
            (COMPONENT_NAMES[k], v, matches.weights[k], v * matches.weights[k])
            for k, v in proposal.components.items()]
    return render(request, "directory/matches.html", {
        "case": case, "matches": matches, "weights": weights,
        "can_offer": may_offer(case, request.user) and case.status in OFFERABLE_STATES
        and not case.consultations.filter(status__in=ACTIVE_STATUSES).exists(),
    })

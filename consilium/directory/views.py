from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render

from .models import Specialist


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

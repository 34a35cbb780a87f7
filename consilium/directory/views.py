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
    return render(request, "directory/list.html", {"page": page, "query": query})

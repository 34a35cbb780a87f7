from django.shortcuts import render
from django.views.decorators.http import require_POST

from .search import search_icd10


@require_POST
def icd10_suggestions(request):
    """The suggestion list under a diagnosis-code field (htmx); public, like the API. The words
    come in the body: typed in a diagnosis field, they are health data, kept out of URLs."""
    query = request.POST.get("q", "").strip()[:200]
    target = request.POST.get("target", "")
    codes = search_icd10(query, 8) if len(query) >= 2 else []
    return render(request, "terminology/_icd10_suggestions.html",
                  {"codes": codes, "query": query, "target": target})

from django.shortcuts import render

from .search import search_icd10


def icd10_suggestions(request):
    """The suggestion list under a diagnosis-code field (htmx); public, like the API."""
    query = request.GET.get("q", "").strip()
    target = request.GET.get("target", "")
    codes = search_icd10(query, 8) if len(query) >= 2 else []
    return render(request, "terminology/_icd10_suggestions.html",
                  {"codes": codes, "query": query, "target": target})

"""The load benchmark's URLs (bench/load.py): the product's, and a bare view behind the same
middleware stack (sessions, authentication, two-factor, audit context, axes...), which the
pages are measured against. It lives here, not in the product."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path


@login_required
def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench-bare/", bare), path("", include("consilium.urls"))]

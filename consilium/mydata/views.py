"""The patient's own data: /account/data/ (download everything) and /account/close/."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from .actions import do_export_data, has_own_data


@never_cache
@login_required
def my_data(request):
    """What the zip holds, and the button; posting builds it and sends it at once."""
    if not has_own_data(request.user):
        raise Http404
    if request.method == "POST":
        archive = do_export_data(request.user, acting_user=request.user)
        name = f"my-data-{timezone.localdate():%Y-%m-%d}.zip"
        response = FileResponse(archive, as_attachment=True, filename=name,
                                content_type="application/zip")
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "mydata/data.html")

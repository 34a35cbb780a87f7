"""The patient's own data: /account/data/ (download everything) and /account/close/."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from consilium.errors import DomainError
from consilium.forms import add_action_errors, form_status

from .actions import do_close_account, do_export_data, has_own_data


@never_cache
@login_required
def my_data(request):
    """What the zip holds, and the button; posting builds it and sends it at once."""
    if not has_own_data(request.user):
        raise Http404
    if request.method == "POST":
        return export_response(request)
    return render(request, "mydata/data.html")


def export_response(request) -> FileResponse:
    """The signed-in patient's zip (do_export_data), as an attachment never cached; the page
    and the API's /me/data-export send it alike."""
    archive = do_export_data(request.user, acting_user=request.user)
    name = f"my-data-{timezone.localdate():%Y-%m-%d}.zip"
    response = FileResponse(archive, as_attachment=True, filename=name,
                            content_type="application/zip")
    response["Cache-Control"] = "no-store"
    return response


class CloseForm(forms.Form):
    password = forms.CharField(label="Your password", strip=False,
                               error_messages={"required": "Enter your password."},
                               widget=forms.PasswordInput(attrs={"autocomplete":
                                                                 "current-password"}))
    confirm = forms.BooleanField(
        label="I understand: I cannot sign in any more, and my open requests are withdrawn.",
        error_messages={"required": "Tick the box to say you want to close your account."})


@never_cache
@login_required
def close_account(request):
    """What closing means, then the password again; the account is closed and signed out."""
    if not has_own_data(request.user):
        raise Http404
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            do_close_account(request, request.user, form.cleaned_data["password"],
                             acting_user=request.user)
        except DomainError as error:
            add_action_errors(form, error)
        else:
            logout(request)
            messages.success(request, "Your account is closed. We have sent you an email "
                                      "that says so.")
            return redirect("home")
    return render(request, "mydata/close.html",
                  {"form": form, "years": max(1, settings.RETENTION_DAYS // 365)},
                  status=form_status(form))

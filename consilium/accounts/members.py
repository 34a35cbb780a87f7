"""The administrators' members page, ``/members/``: the program's coordinators, specialists and
administrators with their second factors, the pending invitations, and the buttons that
invite, resend, revoke, reset a second factor or send a set-up link. Each button is an
audited action (accounts/actions.py) under the member policy (accounts/policy.py); everyone
else is answered 404, as for the other staff pages."""

from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from consilium.errors import DomainError
from consilium.forms import SchemaChoiceField, add_action_errors, form_status, page_number

from .actions import (
    do_invite_member,
    do_resend_invitation,
    do_reset_second_factor,
    do_revoke_invitation,
    do_send_setup_link,
)
from .models import STAFF_ROLES, Role, StaffInvitation, User
from .policy import manages_members

PAGE_SIZE = 25


class InviteForm(forms.Form):
    """The questions; do_invite_member decides what is acceptable."""

    email = forms.CharField(label="Their work email address", max_length=254,
                            help_text="The invitation goes to this address; they sign in "
                                      "with it.",
                            widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = SchemaChoiceField(label="Role", choices=[(role.value, role.label)
                                                    for role in STAFF_ROLES])
    first_name = forms.CharField(label="Given name (optional)", max_length=150, required=False,
                                 help_text="They can correct it when they accept.")
    last_name = forms.CharField(label="Family name (optional)", max_length=150, required=False)


def _admin_only(request):
    if not manages_members(request.user):
        raise Http404


def staff_with_second_factors():
    """The staff accounts, each with how many passkeys and apps it has and whether it is
    linked to the identity provider, in one query."""
    factors = Authenticator.objects.filter(user_id=OuterRef("pk"))
    return User.objects.filter(role__in=STAFF_ROLES).annotate(
        passkeys=Count("authenticator", filter=Q(authenticator__type="webauthn")),
        apps=Count("authenticator", filter=Q(authenticator__type="totp")),
        has_second_factor=Exists(factors.exclude(type="recovery_codes")),
        linked=Exists(SocialAccount.objects.filter(user_id=OuterRef("pk"))),
    ).order_by("-is_active", "last_name", "first_name", "username")


def pending_invitations():
    """Invitations and set-up links not used nor revoked, the expired ones too (resent from
    here)."""
    return StaffInvitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True) \
        .select_related("invited_by", "user").order_by("-created_at")


def members(request):
    _admin_only(request)
    form = InviteForm(request.POST or None, initial={"role": Role.COORDINATOR})
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _ = do_invite_member(
                form.cleaned_data["email"], form.cleaned_data["role"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"], acting_user=request.user)
        except DomainError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, f"The invitation is on its way to {invitation.email}. "
                                      "Its link works once, for "
                                      f"{settings.STAFF_INVITATION_DAYS} days.")
            return redirect("members")
    page = Paginator(staff_with_second_factors(), PAGE_SIZE).get_page(
        page_number(request.GET.get("page")))
    return render(request, "accounts/members.html", {
        "form": form, "page": page, "invitations": list(pending_invitations()[:100]),
        "now": timezone.now()}, status=form_status(form))


def _done(request, attempt, success: str):
    try:
        attempt()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("members")


@require_POST
def resend_invitation(request, invitation_id):
    _admin_only(request)
    invitation = get_object_or_404(StaffInvitation, pk=invitation_id)
    return _done(request, lambda: do_resend_invitation(invitation, acting_user=request.user),
                 f"A new link is on its way to {invitation.email}; the old one no longer "
                 "works.")


def revoke_invitation(request, invitation_id):
    """Asks first (GET), revokes on the confirmation (POST)."""
    _admin_only(request)
    invitation = get_object_or_404(StaffInvitation, pk=invitation_id)
    if request.method != "POST":
        return render(request, "accounts/member_confirm.html", {
            "title": "Revoke this invitation?", "button": "Revoke the invitation",
            "explanation": f"The link sent to {invitation.email} stops working. You can "
                           "invite the same address again later."})
    return _done(request, lambda: do_revoke_invitation(invitation, acting_user=request.user),
                 f"The invitation to {invitation.email} is revoked.")


def reset_second_factor(request, member_id):
    """Asks first (GET), resets on the confirmation (POST)."""
    _admin_only(request)
    member = get_object_or_404(User, pk=member_id, role__in=STAFF_ROLES)
    if request.method != "POST":
        return render(request, "accounts/member_confirm.html", {
            "title": f"Reset the second factor of {member}?",
            "button": "Reset the second factor",
            "explanation": "All their passkeys, authenticator apps and recovery codes are "
                           "removed, they are signed out everywhere and their API tokens stop "
                           "working. They get an email with a new set-up link, where they "
                           "choose a password and a new second factor. Until then they "
                           "cannot sign in. Do this when they lost their phone or security "
                           "key, or when you think someone else has it."})
    return _done(request, lambda: do_reset_second_factor(member, acting_user=request.user),
                 f"{member}'s second factor is reset; a set-up link is on its way to them.")


@require_POST
def send_setup_link(request, member_id):
    _admin_only(request)
    member = get_object_or_404(User, pk=member_id, role__in=STAFF_ROLES)
    return _done(request, lambda: do_send_setup_link(member, acting_user=request.user),
                 f"A set-up link is on its way to {member}.")

from collections.abc import Callable
from contextvars import ContextVar

from allauth.mfa.admin import AuthenticatorAdmin
from allauth.mfa.models import Authenticator
from allauth.socialaccount.admin import SocialAccountAdmin
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.db import transaction

from . import actions
from .models import User

# Who is changing a password: the admin's password form is built without the request.
_acting_admin: ContextVar = ContextVar("acting_admin")


class AuditedPasswordChangeForm(AdminPasswordChangeForm):
    """The administration's password form, saving through the audited action."""

    def save(self, commit=True):
        usable = self.cleaned_data.get("set_usable_password", True)
        actions.do_set_password_by_admin(
            self.user, self.cleaned_data["password1"] if usable else None,
            acting_user=_acting_admin.get())
        return self.user


@admin.register(User)
class ConsiliumUserAdmin(UserAdmin):
    """Users, with every role change and password reset written to the audit trail; nobody
    changes their own role here."""

    list_display = ("username", "email", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Role", {"fields": ("role",)}))
    add_fieldsets = UserAdmin.add_fieldsets + (("Role", {"fields": ("role",)}),)
    change_password_form = AuditedPasswordChangeForm

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.pk == request.user.pk:
            # Nobody raises their own access: role, powers and groups are for another admin.
            return (*fields, "role", "is_active", "is_staff", "is_superuser", "groups",
                    "user_permissions")
        return fields

    def save_model(self, request, obj, form, change):
        if not change:
            actions.do_add_user(obj, acting_user=request.user)
            return
        new_role = obj.role
        if "email" in form.changed_data:
            obj.email = obj.email.lower()  # as allauth keeps them, and looks them up
        if "role" in form.changed_data:
            obj.role = form.initial["role"]
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            actions.record_account_changes(obj, form.changed_data, acting_user=request.user)
            if new_role != obj.role:
                actions.do_change_role(obj, new_role, acting_user=request.user)

    def user_change_password(self, request, id, form_url=""):
        token = _acting_admin.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _acting_admin.reset(token)


class RemovedThroughAnAction:
    """An admin of rows an administrator sees and removes but never adds or edits; each
    removal goes through the domain's audited action (``remove``)."""

    remove: Callable

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        self.remove(obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            # One removal may take others with it (recovery codes go with the last factor).
            if type(obj).objects.filter(pk=obj.pk).exists():
                self.remove(obj, acting_user=request.user)


admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuditedAuthenticatorAdmin(RemovedThroughAnAction, AuthenticatorAdmin):
    """Second factors (allauth.mfa): an administrator sees them and removes one (a staff
    member then sets up a new one at sign-in), audited. Adding or editing one here would let
    the administrator know the member's secret, so neither is offered, and the stored data
    (the encrypted secret) is not shown."""

    exclude = ("data",)
    remove = staticmethod(actions.do_remove_authenticator)


# The identity provider is configured from the environment (settings.SOCIALACCOUNT_PROVIDERS),
# and its tokens are not kept: neither has rows to administer.
admin.site.unregister(SocialApp)
admin.site.unregister(SocialToken)
admin.site.unregister(SocialAccount)


@admin.register(SocialAccount)
class AuditedSocialAccountAdmin(RemovedThroughAnAction, SocialAccountAdmin):
    """Links between staff accounts and the hospital's identity provider (accounts/sso.py):
    made only by a sign-in that matched a verified address; an administrator sees them and
    removes one (the next sign-in there matches by address again), audited. The provider's
    claims (extra_data) are not shown."""

    exclude = ("extra_data",)
    remove = staticmethod(actions.do_unlink_identity_provider)

"""Who may manage the program's staff accounts: one rule per action (consilium/policy.py).

Administrators invite coordinators, specialists and administrators, revoke and resend
pending invitations, and reset a member's second factor (the member then gets a new set-up
link). Nobody resets their own: an administrator whose session was taken over could
otherwise swap the second factor for the stranger's. Who may *see* the members page is
``manages_members``, by the same test as the rules.
"""

from consilium.errors import Conflict, NotAllowed
from consilium.policy import Policy

from .models import STAFF_ROLES, Role, StaffInvitation, User

policy = Policy("member")

ADMINS_ONLY = "Only administrators manage staff accounts."


def manages_members(user) -> bool:
    """Administrators; the menu lists the members page by this."""
    return user.is_authenticated and user.role == Role.ADMIN and user.is_active


@policy.rule("invite")
def _invite(user, obj=None):
    """Invite someone by email (``obj``: nothing yet)."""
    return None if manages_members(user) else NotAllowed(ADMINS_ONLY)


def _pending(user, invitation: StaffInvitation):
    if not manages_members(user):
        return NotAllowed(ADMINS_ONLY)
    if not invitation.is_usable():
        return Conflict("This invitation is no longer pending.")
    return None


@policy.rule("revoke_invitation")
def _revoke(user, invitation: StaffInvitation):
    return _pending(user, invitation)


@policy.rule("resend_invitation")
def _resend(user, invitation: StaffInvitation):
    """A new link in place of the old (which stops working), lasting from now."""
    if not manages_members(user):
        return NotAllowed(ADMINS_ONLY)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        return Conflict("This invitation is no longer pending.")
    return None


def _a_member(user, member: User):
    if not manages_members(user):
        return NotAllowed(ADMINS_ONLY)
    if member.role not in STAFF_ROLES or not member.is_active:
        return Conflict("This is not an active staff account.")
    if member.pk == user.pk:
        return NotAllowed("You cannot reset your own second factor; ask another administrator.")
    return None


@policy.rule("reset_second_factor")
def _reset(user, member: User):
    """Remove all the member's second factors, end their sessions, mail a set-up link."""
    from .mfa import authenticators

    refusal = _a_member(user, member)
    if refusal is None and not authenticators(member).exists():
        return Conflict("This member has no second factor to reset.")
    return refusal


@policy.rule("send_setup_link")
def _send_setup_link(user, member: User):
    """A set-up link for a member with no second factor (one added in the Django admin, or
    whose earlier link expired)."""
    from .mfa import authenticators

    refusal = _a_member(user, member)
    if refusal is None and authenticators(member).exists():
        return Conflict("This member has a second factor already; reset it first.")
    return refusal

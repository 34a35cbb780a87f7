"""Who may change the program's terms: administrators only (one rule, consilium/policy.py).
Everyone else is answered 404 by the page, as for the other administrators' pages; the menu
lists the page by ``changes_terms``, the rule's own test."""

from consilium.accounts.models import Role
from consilium.errors import NotAllowed
from consilium.policy import Policy

policy = Policy("program_settings")

ADMINS_ONLY = "Only administrators change the program's settings."


def changes_terms(user) -> bool:
    return user.is_authenticated and user.role == Role.ADMIN and user.is_active


@policy.rule("change")
def _change(user, obj=None):
    """Change the service levels, holidays or follow-up questions (``obj``: nothing)."""
    return None if changes_terms(user) else NotAllowed(ADMINS_ONLY)

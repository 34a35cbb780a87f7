"""Who may open a specialist's own pages: the specialist whose account the directory entry
names. The directory itself is open to every signed-in user; its changes are
``actions.may_edit_profile``'s."""

from consilium.accounts.models import Role

from .models import Specialist


def own_specialist(user) -> Specialist | None:
    """The directory entry of a signed-in specialist, or None (no query for other roles:
    the menu asks on every page)."""
    if not user.is_authenticated or user.role != Role.SPECIALIST:
        return None
    return Specialist.objects.filter(user=user).first()

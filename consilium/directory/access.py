"""Who may open a specialist's own pages: the specialist whose account the directory entry
names. The directory itself is open to every signed-in user; its changes are
``actions.may_edit_profile``'s."""

from consilium.accounts.models import Role

from . import systems
from .models import HospitalSystem, Specialist


def own_specialist(user) -> Specialist | None:
    """The directory entry of a signed-in specialist, or None (no query for other roles:
    the menu asks on every page)."""
    if not user.is_authenticated or user.role != Role.SPECIALIST:
        return None
    return Specialist.objects.filter(user=user).first()


def near_systems(names, *, limit: int = 5) -> list[tuple[HospitalSystem, int]]:
    """The known hospital systems nearest these free-text names (by their name and every
    alias, systems.nearness), nearest first, at least systems.NEAR alike: what a coordinator
    chooses the first opinion's system from."""
    names = [n for n in names if n and n.strip()]
    if not names:
        return []
    found = []
    for system in HospitalSystem.objects.prefetch_related("aliases"):
        score = systems.nearness(names, [system.name, *(a.name for a in system.aliases.all())])
        if score >= systems.NEAR:
            found.append((system, score))
    found.sort(key=lambda pair: (-pair[1], pair[0].name, pair[0].id))
    return found[:limit]

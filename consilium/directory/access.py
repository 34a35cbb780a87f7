"""Who may open a specialist's own pages: the specialist whose account the directory entry
names. The directory itself is open to every signed-in user; its changes are
``actions.may_edit_profile``'s."""

from django.db.models import Q

from consilium.accounts.models import Role

from . import systems
from .models import HospitalSystem, Institution, Specialist, SystemAlias


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


# The case form's suggestions as the patient types (suggest_places): how many, at most, and
# how many names each source gives before they are ranked.
SUGGESTED = 12
CANDIDATES = 200
PLACE_KINDS = ("system", "institution")


def suggest_places(kind, text, *, limit: int = SUGGESTED) -> list[tuple[str, str]]:
    """The directory's names (public data) the patient may mean while typing a first
    opinion's hospital system (``kind`` "system": HospitalSystem names, found also by an
    alias or the key, "St. Marys" for "Saint Mary's Health", and the institutions'
    free-text systems) or institution ("institution": Institution names), as (value,
    label: "also called …" for an alias): those starting with the words first, then
    alphabetical, ``limit`` at most. Fewer than two letters, or an unknown kind, suggest
    nothing."""
    if kind not in PLACE_KINDS or not isinstance(text, str):
        return []
    text = " ".join(text.replace("\x00", "").split())[:200]
    if len(text) < 2:
        return []
    wanted = systems.key(text)
    # (value, label, the name found, its key), before they are ranked
    found: list[tuple[str, str, str, str]] = []
    if kind == "system":
        by_name = Q(name__icontains=text) | (Q(key__icontains=wanted) if wanted else Q())
        for source in (HospitalSystem.objects.filter(name__istartswith=text)[:limit],
                       HospitalSystem.objects.filter(by_name)[:CANDIDATES]):
            found += [(s.name, "", s.name, s.key) for s in source]
        aliases = SystemAlias.objects.filter(by_name).select_related("system")[:CANDIDATES]
        found += [(a.system.name, f"also called {a.name}", a.name, a.key) for a in aliases]
        free = (Institution.objects.filter(hospital_system__icontains=text)
                .values_list("hospital_system", flat=True).distinct()
                .order_by("hospital_system")[:CANDIDATES])
        found += [(name, "", name, systems.key(name)) for name in free]
    else:
        for places in (Institution.objects.filter(name__istartswith=text)[:limit],
                       Institution.objects.filter(name__icontains=text)[:CANDIDATES]):
            # no place beside the name: an affiliated hospital's city in the directory is
            # that of the first clinician the CMS file lists with it, not always its own
            found += [(i.name, "", i.name, systems.key(i.name)) for i in places]
    typed = text.casefold()

    def rank(row: tuple[str, str, str, str]) -> tuple[int, str]:
        value, _, name, key = row
        if name.casefold().startswith(typed) or (wanted and key.startswith(wanted)):
            return 0, value.casefold()
        if any(word.startswith(typed) for word in name.casefold().split()):
            return 1, value.casefold()
        return 2, value.casefold()

    chosen: dict[str, str] = {}
    for value, label, _, _ in sorted(found, key=rank):
        if value not in chosen and len(chosen) < limit:
            chosen[value] = label
    return list(chosen.items())

"""Who may open a specialist's own pages: the specialist whose account the directory entry
names. The directory itself is open to every signed-in user; its changes are
``actions.may_edit_profile``'s."""

from django.db.models import Case, Exists, OuterRef, Q, Value, When

from consilium.accounts.models import Role
from consilium.terminology.models import NuccTaxonomy

from . import systems
from .models import HospitalSystem, Institution, Specialist, SpecialistTaxonomy, SystemAlias


def own_specialist(user) -> Specialist | None:
    """The directory entry of a signed-in specialist, or None (no query for other roles:
    the menu asks on every page)."""
    if not user.is_authenticated or user.role != Role.SPECIALIST:
        return None
    return Specialist.objects.filter(user=user).first()


# How near_systems and near_institutions read candidates, whatever the size of the
# directory: the keys starting as a pair of words of the first opinion's names starts ("saint
# mar" for "St. Mary's"), then those starting as one word starts (its first PREFIX letters),
# NEAR_CANDIDATES at most of each (ranges of the key's index, in one query), compared by
# rapidfuzz.
PREFIX = 4
NEAR_CANDIDATES = 300
WORDS_READ = 6  # of each name


def _range(prefix: str) -> Q:
    # a range on the index (a LIKE is not one on SQLite): up to the next prefix
    return Q(key__gte=prefix, key__lt=prefix[:-1] + chr(ord(prefix[-1]) + 1))


def _prefixes(wanted: set[str]) -> tuple[Q | None, Q | None]:
    """The ranges of keys starting as two words of the wanted keys start (the first word
    whole, PREFIX - 1 letters of the next), and as one word starts (PREFIX letters): a
    misspelling later in a word, another order of the words, a word more or less are found;
    one in the first letters of every word is not."""
    pairs, ones = set(), set()
    for key in wanted:
        words = key.split()[:WORDS_READ]
        ones |= {w[:PREFIX] for w in words if len(w) >= systems.WORD or w.isdigit()}
        pairs |= {f"{a} {b[:PREFIX - 1]}" for a, b in zip(words, words[1:], strict=False)}
    either = [Q(), Q()]
    for n, found in enumerate((pairs, ones)):
        for prefix in sorted(found):
            either[n] |= _range(prefix)
    return (either[0] if pairs else None), (either[1] if ones else None)


def _candidates(rows, id_field: str, wanted: set[str]) -> list[tuple[int, str]]:
    """(id, key) of the rows whose key starts as the wanted keys do (``_prefixes``), those
    starting as two words first: one query, 2 × NEAR_CANDIDATES rows at most."""
    pairs, ones = _prefixes(wanted)
    if ones is None:
        return []
    found = rows.filter(ones if pairs is None else pairs | ones)
    if pairs is not None:
        found = found.annotate(by_pair=Case(When(pairs, then=Value(0)), default=Value(1)))
    return list(found.order_by(*(["by_pair"] if pairs is not None else []), "key", id_field)
                .values_list(id_field, "key")[:2 * NEAR_CANDIDATES])


def _nearest(names, candidates: list[tuple[int, str]], limit: int) -> dict[int, int]:
    """{id: score} of the candidates (id, key) nearest the names, at least systems.NEAR."""
    best: dict[int, tuple[int, str]] = {}
    for row_id, key in candidates:
        score = systems.nearness(names, [key]) if key else 0
        if score >= systems.NEAR and score > best.get(row_id, (-1, ""))[0]:
            best[row_id] = (score, key)
    nearest = sorted(best.items(), key=lambda item: (-item[1][0], item[1][1]))[:limit * 4]
    return {row_id: score for row_id, (score, _) in nearest}


def near_systems(names, *, limit: int = 5) -> list[tuple[HospitalSystem, int]]:
    """The known hospital systems nearest these free-text names (by their name and every
    alias, systems.nearness), nearest first, at least systems.NEAR alike: what a coordinator
    chooses the first opinion's system from. Three queries at most, whatever the number of
    systems: the candidates come by the prefix of their key (``_candidates``)."""
    names = [n for n in names if n and n.strip()]
    wanted = systems.keys(names)
    candidates = (_candidates(HospitalSystem.objects.all(), "id", wanted)
                  + _candidates(SystemAlias.objects.all(), "system_id", wanted))
    scores = _nearest(names, candidates, limit)
    if not scores:
        return []
    found = [(system, scores[system.id])
             for system in HospitalSystem.objects.filter(id__in=scores)]
    found.sort(key=lambda pair: (-pair[1], pair[0].name, pair[0].id))
    return found[:limit]


def near_institutions(names, *, limit: int = 5) -> list[tuple[Institution, int]]:
    """The directory's institutions nearest these free-text names (the first opinion's
    facility as the patient wrote it), as near_systems, with their system: what a coordinator
    chooses the first opinion's institution from. Two queries at most, whatever the
    directory's size."""
    names = [n for n in names if n and n.strip()]
    scores = _nearest(names, _candidates(Institution.objects.all(), "id",
                                         systems.keys(names)), limit)
    if not scores:
        return []
    found = [(place, scores[place.id])
             for place in Institution.objects.filter(id__in=scores).select_related("system")]
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


def directory_specialties() -> list[tuple[str, str]]:
    """The specialties (NUCC code, name) of the directory's specialists who take cases, by
    name: what a coordinator chooses from to find a specialist for a part of a review."""
    # EXISTS per NUCC code (about 900) probes the taxonomy rows' code index; an IN over
    # every specialist's taxonomy would read a million rows of a national directory
    taking = SpecialistTaxonomy.objects.filter(code=OuterRef("code"),
                                               specialist__accepting_cases=True)
    return list(NuccTaxonomy.objects.filter(Exists(taking)).order_by("display_name")
                .values_list("code", "display_name"))

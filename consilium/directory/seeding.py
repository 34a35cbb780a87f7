"""Hospital systems and their aliases seeded from what an import knows (issue #19): the CMS
Doctors and Clinicians file's hospital affiliations and group practice names.

- A hospital (an Institution the file affiliates clinicians with, by CCN) that the program
  has not linked to a system joins the known system its name is one with
  (``systems.similar``: the same key, a misspelling, or the system's name with words more,
  as "Mayo Clinic Hospital Rochester" is of "Mayo Clinic"), and its name becomes an alias of
  that system; a hospital no known system is one with becomes a system of its own, under its
  name. Only the systems known before the import gather hospitals by likeness (a hospital
  made a system by this import gathers only hospitals of its very key), and a known system
  named only by generic words (GENERIC: "University Hospital", "Mercy Medical Center") only
  those of its key or a misspelling of it: seeding makes lasting links, so it is stricter
  than matching's comparison of free text.
- A group practice whose name is one with a known system's becomes an alias of it; other
  groups make no system (a practice is not a hospital system; its name still counts as the
  clinician's own, matching.systems_of).

A name whose key is blank ("The Inc") joins nothing. Links the program set stay; aliases
already there are not added again. The caller rebuilds the matching rows of the
specialists returned (the writes here are in bulk, without signals).
"""

from collections.abc import Iterable

from django.db import transaction
from rapidfuzz import fuzz

from . import systems
from .models import HospitalSystem, Institution, Specialist, SystemAlias

# Words that, alone, name no one system: a known system called only by them ("University
# Hospital", "Mercy Medical Center", "Memorial Hospital") gathers a hospital of the same key
# or a misspelling of it, never every hospital whose name starts with them.
GENERIC = {
    "university", "saint", "memorial", "community", "regional", "general", "county", "city",
    "state", "national", "children", "childrens", "women", "womens", "united", "baptist",
    "methodist", "presbyterian", "lutheran", "adventist", "catholic", "christian", "mercy",
    "good", "samaritan", "sacred", "heart", "holy", "family", "valley", "river", "lake",
    "north", "south", "east", "west", "central", "northern", "southern", "eastern", "western",
    "mount", "highland", "highlands",
}


class _Known:
    """The keys of every system's name and alias, which system each is, and which systems
    were there before this import (the program's: only those gather other hospitals)."""

    def __init__(self):
        self.system_of: dict[str, int] = {}
        self.names: dict[int, set[str]] = {}
        self.before: dict[str, int] = {}
        for system_id, name, key in HospitalSystem.objects.values_list("id", "name", "key"):
            self.add(system_id, name, key)
        for system_id, name, key in SystemAlias.objects.values_list("system_id", "name", "key"):
            self.add(system_id, name, key)
        self.before = dict(self.system_of)

    def add(self, system_id: int, name: str, key: str) -> None:
        if key:
            self.system_of.setdefault(key, system_id)
        self.names.setdefault(system_id, set()).add(name.casefold())

    def find(self, key: str) -> int | None:
        """The system a key is one with: any system of the same key; else one known before
        this import whose key is alike (systems.similar; a generic key only by spelling),
        the shortest (then the first made); else None."""
        if key in self.system_of:
            return self.system_of[key]
        alike = [k for k in systems.alike([key], self.before) - {key}
                 if not set(k.split()) <= GENERIC or fuzz.ratio(k, key) >= systems.SIMILAR]
        if not alike:
            return None
        nearest = min(alike, key=lambda k: (len(k), self.before[k], k))
        return self.before[nearest]


def seed_systems(ccns: Iterable[str], groups: Iterable[str]) -> list[int]:
    """Link these hospitals (by CCN) and these group names to hospital systems, as the
    module says; the ids of the specialists whose names changed."""
    with transaction.atomic():
        known = _Known()
        changed: set[int] = set()
        aliases: list[SystemAlias] = []

        def alias(system_id: int, name: str, key: str) -> None:
            if name.casefold() not in known.names.get(system_id, set()):
                aliases.append(SystemAlias(system_id=system_id, name=name, key=key))
                known.add(system_id, name, key)
                changed.add(system_id)

        hospitals = [(systems.key(h.name), h) for h in Institution.objects.filter(
            ccn__in=set(ccns), system__isnull=True)]
        hospitals.sort(key=lambda pair: (len(pair[0]), pair[0], pair[1].id))
        linked = []
        for key, hospital in hospitals:
            if not key:
                continue
            system_id = known.find(key)
            if system_id is None:
                system, _ = HospitalSystem.objects.get_or_create(name=hospital.name)
                system_id = system.id
                known.add(system_id, hospital.name, key)
            else:
                alias(system_id, hospital.name, key)
            hospital.system_id = system_id
            linked.append(hospital)
            changed.add(system_id)
        Institution.objects.bulk_update(linked, ["system"])
        for name in sorted({g.strip() for g in groups if g and g.strip()}):
            key = systems.key(name)
            if key and (system_id := known.find(key)) is not None:
                alias(system_id, name[:200], key)
        SystemAlias.objects.bulk_create(aliases, ignore_conflicts=True)
        if not changed:
            return []
        return list(Specialist.objects.filter(institutions__system_id__in=changed)
                    .values_list("id", flat=True).distinct())

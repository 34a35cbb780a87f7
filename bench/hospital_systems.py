"""Benchmark the near matches of a first opinion's system and institution (issue #19) among as
many hospital systems as the national CMS file seeds (target: p95 under 50 ms each).

N hospital systems (default 5,000) named as US hospitals are named (a real town of the
zipcodes package with "Regional Medical Center", "Health", "Saint …", "… Memorial Hospital"),
each with one or two aliases, and 4 institutions each, written in bulk; then the matches
page's look-ups, ``directory.access.near_systems`` and ``near_institutions``, for 12 first
opinions' spellings (misspellings, abbreviations, an alias, a name the directory lacks),
ROUNDS times each after a warm-up, with the queries each makes. For comparison, the former
way (every system with its aliases read and compared) once per spelling.

Usage: bench/hospital_systems.py [N]
"""

import os
import random
import statistics
import sys
import time

import django

ROUNDS = 20
TARGET_MS = 50
SPELLINGS = [
    ["Riverside Health System", "Riverside Cancer Ctr"],
    ["Riversde Helth", "Riverside Cancer Center"],
    ["St. Marys Regional Med Ctr", ""],
    ["Saint Mary's Health", "St Mary's Hospital"],
    ["Front Range Partners", ""],  # an alias
    ["The Aspen Valley Healthcare, Inc.", ""],
    ["Univ of Springfield Hosp", ""],
    ["Mercy", "Mercy Medical Center"],
    ["Nowhere Known Health Network", "Unheard-of Clinic"],
    ["", "Boulder Community Hospital"],
    ["Memorial", ""],
    ["Lakewood Regional", "Lakewood Reg Med Ctr"],
]
PATTERNS = ["{} Regional Medical Center", "{} Health", "Saint {} Hospital",
            "{} Memorial Hospital", "{} Community Hospital", "{} Health System",
            "University of {} Hospitals", "{} Medical Center"]


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]


def build(n: int) -> None:
    import zipcodes

    from consilium.directory import systems
    from consilium.directory.models import HospitalSystem, Institution, SystemAlias

    towns = sorted({z["city"].title() for z in zipcodes.list_all() if z.get("city")})
    random.Random(19).shuffle(towns)
    names = {"Riverside Health System", "Saint Mary's Health", "Mercy Health"}
    for town in towns:
        if len(names) >= n:
            break
        names.add(random.Random(town).choice(PATTERNS).format(town))
    HospitalSystem.objects.bulk_create(
        [HospitalSystem(name=name, key=systems.key(name)) for name in sorted(names)],
        batch_size=1000, ignore_conflicts=True)  # a database of an earlier run: kept
    made = list(HospitalSystem.objects.filter(name__in=names).order_by("name"))
    aliases, places = [], []
    for number, system in enumerate(made):
        alias = ("Front Range Partners" if system.name == "Riverside Health System"
                 else system.name.replace("Saint", "St.").replace("Medical Center", "Med Ctr"))
        if alias != system.name:
            aliases.append(SystemAlias(system=system, name=alias, key=systems.key(alias)))
        if number % 3 == 0:
            other = f"{system.name} Foundation"
            aliases.append(SystemAlias(system=system, name=other, key=systems.key(other)))
        for kind in ("Hospital", "Cancer Center", "Clinic", "Heart Institute"):
            place = f"{system.name.split(' ')[0]} {system.name.split(' ')[-1]} {kind}"
            places.append(Institution(name=place, key=systems.key(place), system=system))
    SystemAlias.objects.bulk_create(aliases, batch_size=1000, ignore_conflicts=True)
    Institution.objects.bulk_create(places, batch_size=1000)  # not unique: a second run adds


def full_scan(names) -> list:
    """The former near_systems: every system with its aliases, compared one by one."""
    from consilium.directory import systems
    from consilium.directory.models import HospitalSystem

    found = []
    for system in HospitalSystem.objects.prefetch_related("aliases"):
        score = systems.nearness(names, [system.name, *(a.name for a in system.aliases.all())])
        if score >= systems.NEAR:
            found.append((system, score))
    return sorted(found, key=lambda pair: (-pair[1], pair[0].name))[:5]


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consilium.settings")
    django.setup()
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from consilium.directory.access import near_institutions, near_systems
    from consilium.directory.models import HospitalSystem, Institution, SystemAlias

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    start = time.perf_counter()
    build(n)
    print(f"{HospitalSystem.objects.count():,} systems, {SystemAlias.objects.count():,} aliases,"
          f" {Institution.objects.count():,} institutions written in "
          f"{time.perf_counter() - start:.1f} s")
    missed = False
    for label, look in (("near_systems", lambda s: near_systems(s)),
                        ("near_institutions", lambda s: near_institutions(s[1:] or s))):
        for spelling in SPELLINGS:
            look(spelling)  # warm-up
        times, queries = [], set()
        for _ in range(ROUNDS):
            for spelling in SPELLINGS:
                with CaptureQueriesContext(connection) as captured:
                    began = time.perf_counter()
                    look(spelling)
                    times.append((time.perf_counter() - began) * 1000)
                queries.add(len(captured))
        reset_queries()
        top = look(SPELLINGS[2])
        print(f"{label}: {len(SPELLINGS)} spellings x {ROUNDS}: p50 "
              f"{statistics.median(times):.1f} ms, p95 {p95(times):.1f} ms, max "
              f"{max(times):.1f} ms; {min(queries)}-{max(queries)} queries each; "
              f"'{SPELLINGS[2][0]}' -> {top[0][0].name if top else 'nothing'}")
        missed |= p95(times) > TARGET_MS
    began = time.perf_counter()
    for spelling in SPELLINGS:
        full_scan(spelling)
    print(f"before (every system read and compared): "
          f"{(time.perf_counter() - began) * 1000 / len(SPELLINGS):.0f} ms per spelling")
    if missed:
        print(f"MISSED: p95 over {TARGET_MS} ms")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

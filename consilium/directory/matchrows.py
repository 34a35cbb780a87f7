"""Keeping MatchRow in step with the directory.

Every change to a specialist, their specialties, certifications, institutions or practices
rebuilds that specialist's rows: the signals below for changes made one object at a time,
the importers at the end of an import (importing.Touched). rebuild_match_rows rewrites the
whole table in the order of the index matching reads it through (SORTED), so that the rows
read together lie together on disk; it runs after a large import and from ``manage.py
rebuild_match_rows``. Rows rebuilt one specialist at a time go to the end of the table:
still right, a little slower to read until the next rebuild.
DirectorySize, the number of specialists, follows the same events.

The functions take an app registry so that a migration can fill the table. They write the
columns of today's model, so only the latest migration that changes MatchRow fills it (the
fill of earlier ones does nothing: a database migrated from scratch gets its rows there).
"""

import json
import zlib
from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from django.apps import apps as global_apps
from django.db import connection, transaction
from django.db.models import F, TextField
from django.db.models.functions import Cast
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from consilium.bulk import insert_rows

from .systems import key

BATCH = 2000
ACTIVE = "active"  # BoardCertification.Status.ACTIVE


@lru_cache(maxsize=10_000)
def _joined_json(text: str | None, kind: str) -> str:
    """A JSON list column read as text (languages, networks: a handful of distinct values)
    as MatchRow holds it, worked out once per distinct value."""
    items = json.loads(text) if text else ()
    if kind == "languages":
        return joined(str(code).casefold() for code in items)
    return joined(str(network).replace("|", " ") for network in items)


@lru_cache(maxsize=100_000)  # the same few combinations of codes, systems, names, again and again
def _joined_once(items: tuple) -> str:
    return joined(items)


@lru_cache(maxsize=2_000)
def code_bit(code: str) -> int:
    """One of 63 bits for a NUCC code (a stable hash; different codes may share one)."""
    return 1 << (zlib.crc32(code.encode()) % 63)


def code_bits(codes: Iterable[str]) -> int:
    bits = 0
    for code in codes:
        bits |= code_bit(code)
    return bits


def joined(items: Iterable[str]) -> str:
    """ "|a|b|": a list searched for "|a|" in the database."""
    items = [i for i in dict.fromkeys(items) if i]
    return f"|{'|'.join(items)}|" if items else ""


def refresh_match_rows(specialist_ids: Iterable[int], *, apps=global_apps) -> None:
    """Rebuild the rows of these specialists (rows of the deleted ones simply go)."""
    ids = list(dict.fromkeys(specialist_ids))
    MatchRow = apps.get_model("directory", "MatchRow")
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        with transaction.atomic():
            MatchRow.objects.filter(specialist_id__in=batch).delete()
            _insert(_rows(apps, {"__in": batch}), MatchRow)


def rebuild_match_rows(*, apps=global_apps) -> int:
    """Rewrite every row, in the order of the candidates index; returns the number of rows."""
    Specialist = apps.get_model("directory", "Specialist")
    MatchRow = apps.get_model("directory", "MatchRow")
    table = MatchRow._meta.db_table
    columns = ", ".join(_columns(MatchRow))
    ids = Specialist.objects.order_by("id").values_list("id", flat=True)
    with transaction.atomic(), connection.cursor() as cursor:
        # Written first to a temporary table, without indexes, then copied in the order of
        # the index matching reads them through: the rows of one specialty then share
        # pages, and on SQLite each row found in the index is the one after the last in
        # the table (measured: reading a column of 8,000 rows took 0.9 ms instead of 4.8).
        cursor.execute(f"CREATE TEMPORARY TABLE match_rows_new AS SELECT {columns} "
                       f"FROM {table} WHERE 1 = 0")
        last = 0
        while batch := list(ids.filter(id__gt=last)[:BATCH]):
            _insert(_rows(apps, {"__gte": batch[0], "__lte": batch[-1]}), MatchRow,
                    "match_rows_new")
            last = batch[-1]
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} "
                       f"FROM match_rows_new ORDER BY {', '.join(SORTED)}")
        cursor.execute("DROP TABLE match_rows_new")
    if connection.vendor == "postgresql":
        # VACUUM marks the new pages all-visible, so that the rows matching only counts are
        # counted from the index alone; it cannot run inside a transaction (a migration).
        with connection.cursor() as cursor:
            cursor.execute(f"{'ANALYZE' if connection.in_atomic_block else 'VACUUM ANALYZE'} "
                           f"{table}")
    return MatchRow.objects.count()


def count_directory() -> int:
    """Count the specialists again and keep the figure (after bulk writes)."""
    from .models import DirectorySize, Specialist
    specialists = Specialist.objects.count()
    DirectorySize.objects.update_or_create(id=1, defaults={"specialists": specialists})
    return specialists


def directory_size() -> int:
    """The number of specialists, from the kept figure; counted when there is none yet (a
    new database, or one whose tables a test emptied)."""
    from .models import DirectorySize
    kept = DirectorySize.objects.filter(id=1).values_list("specialists", flat=True).first()
    return count_directory() if kept is None else kept


# The order of the table after a rebuild: that of MatchRow's index.
SORTED = ("code", "telemedicine", "latitude", "longitude", "other_code_bits", "specialist_id")
# The columns in the order _rows gives them.
FACTS = ("specialist_id", "code", "codes", "other_code_bits", "name_key", "certified_until",
         "accepting", "capacity", "telemedicine", "turnaround_days", "centre", "systems",
         "languages", "networks", "focus", "places", "latitude", "longitude", "de_approved",
         "practising_since")


def _columns(MatchRow) -> list[str]:
    return [connection.ops.quote_name(MatchRow._meta.get_field(name).column)
            for name in FACTS]


def _insert(rows: list[tuple], MatchRow, table: str = "") -> None:
    """Plain SQL, as the importer writes (bulk.py), into MatchRow's table or another."""
    if not rows:
        return
    with connection.cursor() as cursor:
        insert_rows(cursor, table or MatchRow._meta.db_table, _columns(MatchRow), rows)
    SystemName = MatchRow._meta.apps.get_model("directory", "SystemName")
    at = FACTS.index("systems")
    names = {name[:200] for systems in {row[at] for row in rows}
             for name in systems.strip("|").split("|") if name}
    SystemName.objects.bulk_create([SystemName(key=name) for name in sorted(names)],
                                   ignore_conflicts=True)


def _rows(apps, which: dict) -> list[tuple]:
    """The rows of the specialists whose id matches ``which`` ({"__in": ids} or
    {"__gte": first, "__lte": last}), read as plain values, one query per table."""
    Specialist = apps.get_model("directory", "Specialist")
    model = {name: apps.get_model("directory", name) for name in (
        "SpecialistTaxonomy", "BoardCertification", "PracticeLocation")}
    mine = {f"specialist_id{suffix}": v for suffix, v in which.items()}
    themselves = {f"id{suffix}": v for suffix, v in which.items()}
    codes: dict[int, list[str]] = {}
    for specialist_id, code in model["SpecialistTaxonomy"].objects.filter(**mine).values_list(
            "specialist_id", "code").order_by("specialist_id", "code"):
        codes.setdefault(specialist_id, []).append(code)
    until: dict[int, date] = {}
    for specialist_id, expires in model["BoardCertification"].objects.filter(
            status=ACTIVE, **mine).values_list("specialist_id", "expires"):
        until[specialist_id] = max(until.get(specialist_id, date.min), expires or date.max)
    places: dict[int, list[tuple]] = {}
    for specialist_id, *point in model["PracticeLocation"].objects.filter(
            latitude__isnull=False, longitude__isnull=False, **mine).values_list(
            "specialist_id", "latitude", "longitude"):
        places.setdefault(specialist_id, []).append(point)
    links: dict[int, list[tuple]] = {}
    linked_systems: set[int] = set()
    for specialist_id, *institution, system_id in Specialist.institutions.through.objects.filter(
            **mine).values_list("specialist_id", "institution__name",
                                "institution__hospital_system", "institution__academic",
                                "institution__centre_type", "institution__system_id"
                                ).order_by("institution_id"):
        links.setdefault(specialist_id, []).append((*institution, system_id))
        linked_systems.add(system_id)
    system_names = _system_names(apps, linked_systems - {None})
    rows = []
    as_text = {name: Cast(name, TextField()) for name in ("languages", "insurance_networks")}
    for specialist in Specialist.objects.filter(**themselves).annotate(
            languages_text=as_text["languages"], networks_text=as_text["insurance_networks"]
    ).values_list(*SPECIALIST_FACTS).order_by("id"):  # tuples: dicts cost more, a million times
        sid = specialist[0]
        if sid not in codes:
            continue
        facts = _facts(specialist, until.get(sid), places.get(sid, []), links.get(sid, []),
                       system_names)
        all_codes = _joined_once(tuple(codes[sid]))
        rows += [(sid, code, all_codes, code_bits(c for c in codes[sid] if c != code), *facts)
                 for code in codes[sid]]
    return rows


# What _facts reads of a specialist, in this order.
SPECIALIST_FACTS = ("id", "name_key", "accepting_cases", "capacity", "telemedicine",
                    "turnaround_days", "hospital_system", "institution", "group_practice",
                    "focus_categories", "de_specialist_title", "de_approved_by",
                    "practising_since", "graduation_year", "languages_text", "networks_text")


def _system_names(apps, ids: set[int]) -> dict[int, tuple[str, ...]]:
    """The name and aliases of each of these hospital systems."""
    names: dict[int, list[str]] = {}
    if ids:
        HospitalSystem = apps.get_model("directory", "HospitalSystem")
        SystemAlias = apps.get_model("directory", "SystemAlias")
        for system_id, name in HospitalSystem.objects.filter(id__in=ids).values_list(
                "id", "name"):
            names.setdefault(system_id, []).append(name)
        for system_id, name in SystemAlias.objects.filter(system_id__in=ids).values_list(
                "system_id", "name"):
            names.setdefault(system_id, []).append(name)
    return {system_id: tuple(found) for system_id, found in names.items()}


def _facts(specialist: tuple, until: date | None, places: list, links: list,
           system_names: dict[int, tuple[str, ...]]) -> tuple:
    (_, name_key, accepting, capacity, telemedicine, turnaround, system, institution, group,
     focus, de_title, de_approved_by, practising_since, graduated, languages,
     networks) = specialist
    names = [system, institution, group]
    for name, linked_system, _, _, system_id in links:
        names += [name, linked_system, *system_names.get(system_id, ())]
    only = places[0] if len(places) == 1 else (None, None)
    return (
        name_key, until, accepting, capacity, telemedicine, turnaround,
        0.5 * any(academic for _, _, academic, _, _ in links)
        + 0.5 * any(centre for _, _, _, centre, _ in links),
        _joined_once(tuple(key(n) for n in names if n)),
        _joined_json(languages, "languages"), _joined_json(networks, "networks"),
        focus, len(places), *only, bool(de_title and de_approved_by),
        practising_since or graduated,
    )


# One object saved or deleted at a time (forms, actions, the admin, tests): that specialist's
# rows follow at once. Bulk writes (the importers) call refresh_match_rows themselves.

def _specialist_of(instance) -> int:
    return instance.id if instance._meta.model_name == "specialist" else instance.specialist_id


@receiver(post_save, sender="directory.Specialist")
@receiver(post_save, sender="directory.SpecialistTaxonomy")
@receiver(post_save, sender="directory.BoardCertification")
@receiver(post_save, sender="directory.PracticeLocation")
@receiver(post_delete, sender="directory.SpecialistTaxonomy")
@receiver(post_delete, sender="directory.BoardCertification")
@receiver(post_delete, sender="directory.PracticeLocation")
def _one_changed(sender, instance, raw=False, **kwargs):
    if not raw:  # loaddata writes the rows of every table itself
        refresh_match_rows([_specialist_of(instance)])


@receiver(post_save, sender="directory.Specialist")
@receiver(post_delete, sender="directory.Specialist")
def _size_changed(sender, instance, raw=False, created=None, **kwargs):
    """created is None for a deletion, True or False for a save."""
    if raw or created is False:
        return
    from .models import DirectorySize
    DirectorySize.objects.filter(id=1).update(
        specialists=F("specialists") + (1 if created else -1))


@receiver(post_save, sender="directory.Institution")
def _institution_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh_match_rows(instance.specialists.values_list("id", flat=True))


@receiver(pre_delete, sender="directory.Institution")
def _institution_going(sender, instance, **kwargs):
    instance._members = list(instance.specialists.values_list("id", flat=True))


@receiver(post_delete, sender="directory.Institution")
def _institution_gone(sender, instance, **kwargs):
    refresh_match_rows(getattr(instance, "_members", []))


def _members_of_system(system_id) -> list[int]:
    from .models import Specialist
    return list(Specialist.objects.filter(institutions__system_id=system_id).values_list(
        "id", flat=True).distinct())


@receiver(post_save, sender="directory.HospitalSystem")
@receiver(post_save, sender="directory.SystemAlias")
@receiver(post_delete, sender="directory.SystemAlias")
def _system_changed(sender, instance, raw=False, **kwargs):
    """A system renamed, or an alias added or removed: its institutions' specialists."""
    if not raw:
        refresh_match_rows(_members_of_system(
            instance.id if sender._meta.model_name == "hospitalsystem" else instance.system_id))


@receiver(m2m_changed, sender="directory.Specialist_institutions")
def _institutions_linked(sender, instance, action, reverse, pk_set, **kwargs):
    if reverse and action == "pre_clear":  # an institution about to lose all its members
        instance._members = list(instance.specialists.values_list("id", flat=True))
    elif action in ("post_add", "post_remove", "post_clear"):
        if not reverse:
            refresh_match_rows([instance.pk])
        else:
            refresh_match_rows(pk_set or getattr(instance, "_members", []))

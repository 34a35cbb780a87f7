"""Import the directory from the real public files, streamed and idempotent.

- NPPES NPI dissemination file (``npidata_pfile_*.csv``, 329 or 330 columns): individuals
  only (entity type 1); name, credentials, the fifteen taxonomy columns with the primary
  switch, and the practice location (with latitude/longitude from its ZIP code).
- CMS "Doctors and Clinicians" national downloadable file: medical school, graduation year,
  group practice and hospital affiliations, linked by NPI; its Medicare specialty becomes a
  NUCC code through the CMS crosswalk.

Rows are read one at a time and written in batches (one transaction each), so a national file
of nine million rows needs no more memory than one batch. Re-importing updates, never
duplicates: the NPI is the key. Fields the program keeps itself (availability, capacity,
conditions of focus, networks, certifications) are never overwritten. A malformed row is
refused with its line number and the reason; the rest imports.
"""

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TextIO

from django.db import connection, transaction
from django.utils import timezone

from consilium.bulk import delete_rows, insert_rows, upsert_rows
from consilium.terminology.models import NuccTaxonomy

from . import geo, systems
from .matchrows import count_directory, rebuild_match_rows, refresh_match_rows
from .models import Institution, PracticeLocation, Specialist, SpecialistTaxonomy, name_key
from .seeding import seed_systems

BATCH = 2000
MAX_REFUSALS_KEPT = 200  # each is counted; the first ones are listed with their reason
CROSSWALK = Path(__file__).parent / "data" / "medicare_specialty_to_nucc.csv"
# NPPES columns we read (by header name, so the 329- and 330-column layouts both work).
NPI, ENTITY = "NPI", "Entity Type Code"
LAST, FIRST = "Provider Last Name (Legal Name)", "Provider First Name"
PREFIX, CREDENTIAL = "Provider Name Prefix Text", "Provider Credential Text"
ADDRESS = "Provider First Line Business Practice Location Address"
CITY = "Provider Business Practice Location Address City Name"
STATE = "Provider Business Practice Location Address State Name"
POSTAL = "Provider Business Practice Location Address Postal Code"
COUNTRY = "Provider Business Practice Location Address Country Code (If outside U.S.)"
DEACTIVATED, REACTIVATED = "NPI Deactivation Date", "NPI Reactivation Date"
TAXONOMY_SLOTS = range(1, 16)


class Touched:
    """The specialists an import wrote, for their matching rows: a small import rebuilds
    theirs; past LARGE, the whole table is rewritten in specialty order instead (faster
    than row by row, and the rows of each specialty lie together again)."""

    LARGE = 10_000

    def __init__(self):
        self.ids: set[int] = set()
        self.many = False

    def add(self, ids: list[int]) -> None:
        if not self.many:
            self.ids.update(ids)
            self.many = len(self.ids) > self.LARGE
            if self.many:
                self.ids.clear()

    def update_match_rows(self) -> None:
        if self.many:
            rebuild_match_rows()
        else:
            refresh_match_rows(self.ids)
        count_directory()


class NotThisFile(ValueError):
    """The file is not the kind the importer reads (a column is missing)."""


@dataclass
class ImportReport:
    read: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0  # rows that are not for us (organisations, deactivated NPIs)
    refused: int = 0
    refusals: list[tuple[int, str]] = field(default_factory=list)

    def refuse(self, line: int, reason: str) -> None:
        self.refused += 1
        if len(self.refusals) < MAX_REFUSALS_KEPT:
            self.refusals.append((line, reason))

    def summary(self) -> str:
        text = (f"Read {self.read} rows: {self.created} created, {self.updated} updated, "
                f"{self.skipped} skipped, {self.refused} refused.")
        lines = [f"  line {line}: {reason}" for line, reason in self.refusals]
        if self.refused > len(self.refusals):
            lines.append(f"  … and {self.refused - len(self.refusals)} more.")
        return "\n".join([text, *lines])


def valid_npi(npi: str) -> bool:
    """Ten digits whose last is the Luhn check digit over "80840" and the first nine."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    total = 0
    for position, digit in enumerate(reversed("80840" + npi)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


@cache
def specialty_names() -> dict[str, str]:
    return {t.code: t.name for t in NuccTaxonomy.objects.only(
        "code", "classification", "specialization")}


# ---------------------------------------------------------------------------- NPPES


def import_nppes(source: TextIO, *, match_rows: bool = True) -> ImportReport:
    report = ImportReport()
    rows = csv.reader(source)
    header = next(rows, None)
    columns = _columns(header or [], [NPI, ENTITY, LAST, FIRST, CREDENTIAL, ADDRESS, CITY,
                                      STATE, POSTAL, COUNTRY, DEACTIVATED, REACTIVATED,
                                      *_taxonomy_columns()], "NPPES")
    touched = Touched()
    for batch in _batches(_nppes_rows(rows, columns, report)):
        touched.add(_store_nppes_batch(batch, report))
    if match_rows:
        touched.update_match_rows()
    return report


def _taxonomy_columns() -> list[str]:
    names = []
    for n in TAXONOMY_SLOTS:
        names += [f"Healthcare Provider Taxonomy Code_{n}", f"Provider License Number_{n}",
                  f"Provider License Number State Code_{n}",
                  f"Healthcare Provider Primary Taxonomy Switch_{n}"]
    return names


def _columns(header: list[str], needed: list[str], kind: str) -> dict[str, int]:
    index = {name.strip().lower(): i for i, name in enumerate(header)}
    missing = [name for name in needed if name.lower() not in index]
    if missing:
        raise NotThisFile(f"This is not a {kind} file: the column “{missing[0]}” is missing.")
    return {name: index[name.lower()] for name in needed}


@dataclass
class _Parsed:
    line: int
    specialist: Specialist
    taxonomies: list[SpecialistTaxonomy]
    location: PracticeLocation | None = None
    institutions: list[Institution] = field(default_factory=list)


@dataclass
class _Row:
    """One NPPES provider as plain values (model instances cost too much at 9 million)."""

    npi: str
    first: str
    last: str
    credentials: str
    code: str
    specialty: str
    city: str
    state: str
    taxonomies: list[tuple[str, bool, str, str]]  # code, primary, licence number, state
    address: str
    postal: str
    country: str
    point: tuple[float, float] | None


def _nppes_rows(rows, columns: dict[str, int], report: ImportReport) -> Iterator[_Row]:
    names = specialty_names()
    width = max(columns.values()) + 1
    # Where each slot's code, switch, licence and state are: looked up once, not per row.
    slots = [(columns[f"Healthcare Provider Taxonomy Code_{n}"],
              columns[f"Healthcare Provider Primary Taxonomy Switch_{n}"],
              columns[f"Provider License Number_{n}"],
              columns[f"Provider License Number State Code_{n}"]) for n in TAXONOMY_SLOTS]
    for line, row in enumerate(rows, start=2):
        report.read += 1
        if len(row) < width:
            report.refuse(line, f"the row has {len(row)} columns, not {width} or more")
            continue
        get = lambda name, row=row: row[columns[name]].strip()  # noqa: E731
        if get(ENTITY) != "1":  # organisations, or rows whose NPI was deactivated (blank)
            report.skipped += 1
            continue
        if get(DEACTIVATED) and not get(REACTIVATED):
            report.skipped += 1
            continue
        npi = get(NPI)
        if not valid_npi(npi):
            report.refuse(line, f"“{npi[:20]}” is not a valid NPI")
            continue
        if not get(LAST):
            report.refuse(line, f"NPI {npi} has no last name")
            continue
        taxonomies, unknown = _taxonomies(row, slots, names)
        if not taxonomies:
            report.refuse(line, f"NPI {npi} has no known taxonomy code"
                          + (f" (“{unknown[0]}” is not a NUCC code)" if unknown else ""))
            continue
        primary = next(t for t in taxonomies if t[1])
        postal = get(POSTAL)
        country = (get(COUNTRY) or "US")[:2].upper()
        yield _Row(
            npi=npi, first=get(FIRST).title()[:100], last=get(LAST).title()[:100],
            credentials=get(CREDENTIAL)[:60], code=primary[0],
            specialty=names[primary[0]][:200], city=get(CITY).title()[:100],
            state=get(STATE)[:2].upper(), taxonomies=taxonomies,
            address=get(ADDRESS).title()[:200], postal=postal[:10], country=country,
            point=geo.zip_point(postal) if country == "US" else None,
        )


def _taxonomies(row: list[str], slots: list[tuple[int, int, int, int]],
                names: dict[str, str]) -> tuple[list[tuple[str, bool, str, str]], list[str]]:
    """(code, primary, licence number, licence state) of each known taxonomy; the first
    marked primary is the primary one (or the first listed, when none is marked). ``slots``:
    the columns of each of the 15 (code, primary switch, licence number, licence state)."""
    found: list[tuple[str, bool, str, str]] = []
    unknown: list[str] = []
    seen: set[str] = set()
    for code_at, switch_at, licence_at, state_at in slots:
        code = row[code_at].strip().upper()
        if not code or code in seen:
            continue
        seen.add(code)
        if code not in names:
            unknown.append(code)
            continue
        found.append((code, row[switch_at].strip() == "Y", row[licence_at].strip()[:20],
                      row[state_at].strip()[:2]))
    first = next((t for t in found if t[1]), found[0] if found else None)
    return [(t[0], t is first, t[2], t[3]) for t in found], unknown


def _display_name(first: str, last: str, credentials: str) -> str:
    doctor = any(c in credentials.upper().replace(".", "") for c in ("MD", "DO"))
    return f"{'Dr. ' if doctor else ''}{first} {last}".strip()[:200]


def _batches(items: Iterable) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _store_nppes_batch(batch: list[_Row], report: ImportReport) -> list[int]:
    """Upsert a batch with plain SQL (bulk.py): the ORM's per-value work would cost more than
    everything else together."""
    rows = {row.npi: row for row in batch}  # the same NPI twice: the later row wins
    updated_at = Specialist._meta.get_field("updated_at").get_db_prep_save(timezone.now(),
                                                                          connection)
    with transaction.atomic(), connection.cursor() as cursor:
        existing = set(_ids_of(cursor, rows))
        upsert_rows(cursor, Specialist._meta.db_table, [*NPPES_COLUMNS, *_defaults()],
                    [_specialist_values(row, updated_at) for row in rows.values()], key="npi",
                    updated=[c for c in NPPES_COLUMNS if c != "npi"])
        ids = _ids_of(cursor, rows)
        delete_rows(cursor, SpecialistTaxonomy._meta.db_table, "specialist_id",
                    [i for npi, i in ids.items() if npi in existing])
        delete_rows(cursor, PracticeLocation._meta.db_table, "specialist_id",
                    [i for npi, i in ids.items() if npi in existing],
                    source=PracticeLocation.Source.NPPES)
        insert_rows(cursor, SpecialistTaxonomy._meta.db_table,
                    ["specialist_id", "code", '"primary"', "license_number", "license_state",
                     "name_key"],
                    [(ids[npi], *taxonomy, name_key(row.first, row.last))
                     for npi, row in rows.items() for taxonomy in row.taxonomies])
        insert_rows(cursor, PracticeLocation._meta.db_table,
                    ["specialist_id", "source", "address", "city", "state", "postal_code",
                     "country", "latitude", "longitude", "cell"],
                    [(ids[npi], PracticeLocation.Source.NPPES, row.address, row.city, row.state,
                      row.postal, row.country, *(row.point or (None, None)),
                      geo.cell_of(*(row.point or (None, None))))
                     for npi, row in rows.items()])
    report.created += len(rows) - len(existing)
    report.updated += len(existing)
    return list(ids.values())


# Columns the NPPES file sets (and updates on re-import); every other column of a new row
# gets its model default.
NPPES_COLUMNS = ("npi", "name", "name_key", "first_name", "last_name", "credentials",
                 "taxonomy_code", "specialty", "city", "state", "updated_at")


# What the program alone decides: a clinician the files bring in is neither taking cases nor
# offering video visits here until the program enrols them (the profile form). NPPES and
# CMS say who practises, not who gives second opinions (a "Telehlth" column in later CMS
# layouts says what CMS lists, not the program's visits, and is not read).
NOT_ENROLLED = {"accepting_cases": False, "telemedicine": False}


@cache
def _defaults() -> dict[str, object]:
    """Model defaults of the columns NPPES leaves alone, ready for the database, but for
    those of a clinician not yet enrolled (NOT_ENROLLED)."""
    return {f.column: f.get_db_prep_save(NOT_ENROLLED.get(f.name, f.get_default()), connection)
            for f in Specialist._meta.concrete_fields
            if f.column and f.column not in NPPES_COLUMNS and not f.primary_key}


def _ids_of(cursor, npis: Iterable[str]) -> dict[str, int]:
    """NPI → id of the specialists with these NPIs (plain SQL: the ORM's work on a list of
    2,000 values cost more than the query)."""
    npis = list(npis)
    cursor.execute(f"SELECT npi, id FROM {Specialist._meta.db_table} "
                   f"WHERE npi IN ({', '.join(['%s'] * len(npis))})", npis)
    return dict(cursor.fetchall())


def _specialist_values(row: _Row, updated_at) -> tuple:
    return (row.npi, _display_name(row.first, row.last, row.credentials),
            name_key(row.first, row.last), row.first, row.last, row.credentials, row.code,
            row.specialty, row.city, row.state, updated_at, *_defaults().values())


# ------------------------------------------------------------- CMS Doctors and Clinicians

DAC_COLUMNS = ["NPI", "lst_nm", "frst_nm", "Cred", "Med_sch", "Grd_yr", "pri_spec", "org_nm",
               "cty", "st", "zip", "adr_ln_1",
               *[f"hosp_afl_{n}" for n in range(1, 6)],
               *[f"hosp_afl_lbn_{n}" for n in range(1, 6)]]
DAC_UPDATED = ("medical_school", "graduation_year", "group_practice")


# The CMS file and the crosswalk name a few specialties differently.
SPECIALTY_ALIASES = {"FAMILYMEDICINE": "FAMILYPRACTICE"}


def specialty_key(name: str) -> str:
    """"Obstetrics & Gynecology", "OBSTETRICS/GYNECOLOGY" → "OBSTETRICSGYNECOLOGY"."""
    name = name.upper().removeprefix("PHYSICIAN/")
    words = re.sub(r"[^A-Z]+", " ", name).split()
    key = "".join(w for w in words if w != "AND")
    return SPECIALTY_ALIASES.get(key, key)


@cache
def medicare_to_nucc() -> dict[str, str]:
    """Medicare specialty (by specialty_key) → its NUCC code (the first listed)."""
    mapping: dict[str, str] = {}
    with CROSSWALK.open(newline="", encoding="utf-8-sig") as rows:
        for row in csv.DictReader(rows):
            name = row["MEDICARE PROVIDER/SUPPLIER TYPE DESCRIPTION"]
            mapping.setdefault(specialty_key(name), row["PROVIDER TAXONOMY CODE"].strip())
    return mapping


def import_dac(source: TextIO, *, match_rows: bool = True) -> ImportReport:
    """Add what the CMS file knows to the specialists with the same NPI; create the ones the
    directory does not have yet (their specialty through the crosswalk)."""
    report = ImportReport()
    rows = csv.reader(source)
    header = [name.strip() for name in next(rows, None) or []]
    columns = _columns(header, DAC_COLUMNS, "CMS Doctors and Clinicians")
    touched = Touched()
    hospitals: set[str] = set()
    groups: set[str] = set()
    for batch in _batches(_dac_rows(rows, columns, report)):
        touched.add(_store_dac_batch(batch, report))
        hospitals.update(i.ccn for p in batch for i in p.institutions if i.ccn)
        groups.update(p.specialist.group_practice for p in batch)
    # the affiliated hospitals and the groups as hospital systems and aliases (seeding.py)
    touched.add(seed_systems(hospitals, groups))
    if match_rows:
        touched.update_match_rows()
    return report


def place_name(name: str) -> str:
    """A hospital's or group's name as CMS writes it (capitals), in title case, without
    str.title's capital after an apostrophe ("ST JOHN'S" is "St John's", not "St John'S")."""
    return re.sub(r"['\u2019]S\b", lambda m: m.group(0).lower(), name.title())


def _dac_rows(rows, columns, report: ImportReport) -> Iterator[_Parsed]:
    names, crosswalk = specialty_names(), medicare_to_nucc()
    width = max(columns.values()) + 1
    for line, row in enumerate(rows, start=2):
        report.read += 1
        if len(row) < width:
            report.refuse(line, f"the row has {len(row)} columns, not {width} or more")
            continue
        get = lambda name, row=row: row[columns[name]].strip()  # noqa: E731
        npi = get("NPI")
        if not valid_npi(npi):
            report.refuse(line, f"“{npi[:20]}” is not a valid NPI")
            continue
        code = crosswalk.get(specialty_key(get("pri_spec")))
        if code not in names:
            report.refuse(line, f"NPI {npi}: the specialty “{get('pri_spec')[:60]}” has no "
                                "NUCC code in the crosswalk")
            continue
        year = get("Grd_yr")
        school = get("Med_sch")
        first, last = get("frst_nm").title(), get("lst_nm").title()
        specialist = Specialist(
            npi=npi, first_name=first[:100], last_name=last[:100], credentials=get("Cred")[:60],
            name=_display_name(first, last, get("Cred") or "MD"), taxonomy_code=code,
            name_key=name_key(first, last),
            specialty=names[code][:200], city=get("cty").title()[:100], state=get("st")[:2],
            medical_school="" if school.upper() == "OTHER" else school.title()[:200],
            graduation_year=int(year) if year.isdigit() and 1900 < int(year) < 2100 else None,
            group_practice=place_name(get("org_nm"))[:200], **NOT_ENROLLED,
        )
        institutions = [
            Institution(ccn=get(f"hosp_afl_{n}")[:10],
                        name=place_name(get(f"hosp_afl_lbn_{n}"))[:200],
                        city=specialist.city, state=specialist.state)
            for n in range(1, 6) if get(f"hosp_afl_{n}") and get(f"hosp_afl_lbn_{n}")
        ]
        point = geo.zip_point(get("zip"))
        location = PracticeLocation(
            address=get("adr_ln_1").title()[:200], city=specialist.city,
            state=specialist.state, postal_code=get("zip")[:10],
            source=PracticeLocation.Source.CMS,
            latitude=point[0] if point else None, longitude=point[1] if point else None,
            cell=geo.cell_of(*point) if point else None)
        yield _Parsed(line, specialist, [SpecialistTaxonomy(code=code, primary=True)], location,
                      institutions)


def _store_dac_batch(batch: list[_Parsed], report: ImportReport) -> list[int]:
    # A clinician has a row per address and group: merge them per NPI.
    merged: dict[str, _Parsed] = {}
    locations: dict[str, list[PracticeLocation]] = {}
    for parsed in batch:
        npi = parsed.specialist.npi
        assert npi is not None and parsed.location is not None  # every DAC row has both
        locations.setdefault(npi, []).append(parsed.location)
        if npi in merged:
            merged[npi].institutions += parsed.institutions
        else:
            merged[npi] = parsed
    with transaction.atomic():
        found = {s.npi: s for s in Specialist.objects.filter(npi__in=merged) if s.npi}
        new = [p.specialist for npi, p in merged.items() if npi not in found]
        Specialist.objects.bulk_create(new)
        for npi, specialist in found.items():
            incoming = merged[npi].specialist
            for name in DAC_UPDATED:
                setattr(specialist, name, getattr(incoming, name))
        Specialist.objects.bulk_update(found.values(), DAC_UPDATED)
        ids = {npi: id_ for npi, id_ in Specialist.objects.filter(npi__in=merged).values_list(
            "npi", "id") if npi}
        SpecialistTaxonomy.objects.bulk_create(
            [SpecialistTaxonomy(specialist_id=ids[npi], code=p.specialist.taxonomy_code,
                                primary=True, name_key=p.specialist.name_key)
             for npi, p in merged.items() if npi not in found])
        with connection.cursor() as cursor:
            delete_rows(cursor, PracticeLocation._meta.db_table, "specialist_id",
                        [ids[npi] for npi in found], source=PracticeLocation.Source.CMS)
        PracticeLocation.objects.bulk_create([
            _with_owner(location, ids[npi]) for npi, places in locations.items()
            for location in _distinct(places)])
        _link_institutions(merged, ids)
    report.created += len(new)
    report.updated += len(found)
    return list(ids.values())


def _with_owner(location: PracticeLocation, specialist_id: int) -> PracticeLocation:
    location.specialist_id = specialist_id
    return location


def _distinct(places: list[PracticeLocation]) -> list[PracticeLocation]:
    seen, kept = set(), []
    for place in places:
        key = (place.address, place.postal_code)
        if key not in seen:
            seen.add(key)
            kept.append(place)
    return kept


def _link_institutions(merged: dict[str, _Parsed], ids: dict[str, int]) -> None:
    """Hospitals by their CMS certification number: created once, linked to each clinician
    (their system and academic status are the program's to set)."""
    wanted = {i.ccn: i for p in merged.values() for i in p.institutions}
    if not wanted:
        return
    for institution in wanted.values():  # bulk_create does not call save()
        institution.key = systems.key(institution.name)
    Institution.objects.bulk_create(list(wanted.values()), ignore_conflicts=True)
    by_ccn = dict(Institution.objects.filter(ccn__in=wanted).values_list("ccn", "id"))
    through = Specialist.institutions.through
    links = {(ids[npi], by_ccn[i.ccn]) for npi, p in merged.items() for i in p.institutions}
    through.objects.bulk_create(
        [through(specialist_id=s, institution_id=i) for s, i in links], ignore_conflicts=True)
    # The primary institution shown in lists: the first affiliation, unless one is set.
    first = {ids[npi]: p.institutions[0].name for npi, p in merged.items() if p.institutions}
    unset = list(Specialist.objects.filter(id__in=first, institution=""))
    for specialist in unset:
        specialist.institution = first[specialist.id]
    Specialist.objects.bulk_update(unset, ["institution"])

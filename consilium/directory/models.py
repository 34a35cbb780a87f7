"""The specialist directory: who can give a second opinion, where, in what, and how soon.

A specialist's primary specialty, institution and hospital system are kept on the row for
lists and for the offer form; the full picture is in the related tables (every specialty,
every institution with its system, every practice location with coordinates, every board
certification). Imports from NPPES and the CMS Doctors and Clinicians file fill them.
"""

from datetime import date

from django.conf import settings
from django.db import models

from . import geo, systems


class CentreType(models.TextChoices):
    NONE = "", "—"
    NCI_CANCER_CENTRE = "nci_cancer_centre", "NCI-designated cancer centre"
    CANCER_CENTRE = "cancer_centre", "Cancer centre"
    HEART_INSTITUTE = "heart_institute", "Heart institute"
    NEUROSCIENCE = "neuroscience_institute", "Neuroscience institute"
    TRANSPLANT = "transplant_centre", "Transplant centre"
    CHILDRENS = "childrens_hospital", "Children's hospital"
    ORTHOPAEDIC = "orthopaedic_centre", "Orthopaedic centre"
    OTHER = "other_specialty_centre", "Other specialty centre"


class HospitalSystem(models.Model):
    """A hospital system, known by its name and its aliases (other spellings, former names,
    its hospitals' names). An institution linked to it has all of them as its names when
    matching looks for "a different hospital system" (systems.py)."""

    name = models.CharField(max_length=200, unique=True)
    key = models.CharField(max_length=200, db_index=True, editable=False)  # systems.key

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.key = systems.key(self.name)
        super().save(*args, **kwargs)


class SystemAlias(models.Model):
    """Another name of a hospital system."""

    system = models.ForeignKey(HospitalSystem, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    key = models.CharField(max_length=200, db_index=True, editable=False)  # systems.key

    class Meta:
        constraints = [models.UniqueConstraint(fields=["system", "name"],
                                               name="one_alias_each")]
        verbose_name_plural = "system aliases"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.key = systems.key(self.name)
        super().save(*args, **kwargs)


class SystemName(models.Model):
    """A key (systems.key) of a system or institution name the matching rows hold: what a
    first opinion's free-text system is compared with by similarity. Derived: matchrows
    adds the keys of the rows it writes; a key no row holds any more does no harm."""

    key = models.CharField(max_length=200, unique=True)


class Institution(models.Model):
    """A hospital or practice, and the hospital system it belongs to: ``system`` when the
    directory knows it as an entity, else the free text ``hospital_system``."""

    name = models.CharField(max_length=200)
    # The CMS Certification Number of a hospital (the "hospital affiliation" in CMS files).
    ccn = models.CharField("CMS certification number", max_length=10, unique=True, null=True,
                           blank=True)
    hospital_system = models.CharField(max_length=200, blank=True, db_index=True)
    system = models.ForeignKey(HospitalSystem, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="institutions")
    academic = models.BooleanField("academic or teaching", default=False)
    centre_type = models.CharField(max_length=30, choices=CentreType.choices, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    # systems.key of the name: what a first opinion's facility is compared with, read by
    # prefix from the index (access.near_institutions).
    key = models.CharField(max_length=200, blank=True, db_index=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.key = systems.key(self.name)
        super().save(*args, **kwargs)


def name_key(first: str, last: str, name: str = "") -> str:
    """Lowercase "last first" (or the display name without "Dr."), for prefix search."""
    if last:
        return f"{last} {first}".strip().casefold()[:200]
    return name.removeprefix("Dr. ").strip().casefold()[:200]


def focus_categories(focus: list[str]) -> str:
    """",C50,C81,C82,…,": the ICD-10-CM categories that codes and ranges of focus cover."""
    categories: list[str] = []
    for item in focus:
        start, _, end = item.upper().partition("-")
        start, end = start[:3], (end or start)[:3]
        if len(start) < 3 or len(end) < 3 or start > end:
            continue
        letter, number = start[0], int(start[1:]) if start[1:].isdigit() else None
        if number is None or not end[1:].isdigit():
            categories.append(start)
            continue
        while f"{letter}{number:02d}" <= end and len(categories) < 2000:
            categories.append(f"{letter}{number:02d}")
            number += 1
            if number > 99:
                letter, number = chr(ord(letter) + 1), 0
    return f",{','.join(dict.fromkeys(categories))}," if categories else ""


class Specialist(models.Model):
    """A consulting physician in the program's directory."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="specialist")
    npi = models.CharField("NPI", max_length=10, unique=True, null=True, blank=True)
    name = models.CharField(max_length=200, db_index=True)  # "Dr. Helen Okafor"
    last_name = models.CharField(max_length=100, blank=True, db_index=True)
    first_name = models.CharField(max_length=100, blank=True)
    credentials = models.CharField(max_length=60, blank=True)  # MD, DO, ...
    # "okafor helen": searched by prefix as a range on an ordinary index (fast on both
    # databases, unlike a case-insensitive LIKE).
    name_key = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    # The primary specialty (NUCC code and its name); all of them in SpecialistTaxonomy.
    taxonomy_code = models.CharField("NUCC taxonomy code", max_length=10, db_index=True)
    specialty = models.CharField(max_length=200)
    # The primary institution and its system; all of them in `institutions`.
    institution = models.CharField(max_length=200, blank=True)
    hospital_system = models.CharField(max_length=200, blank=True)
    institutions = models.ManyToManyField(Institution, blank=True, related_name="specialists")
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    telemedicine = models.BooleanField(default=True)
    languages = models.JSONField(default=list, blank=True)  # ISO 639-1 codes: ["en", "es"]
    insurance_networks = models.JSONField(default=list, blank=True)  # InsurancePlan network ids
    # ICD-10-CM codes or ranges the specialist focuses on: ["C50", "C81-C96"], and the same
    # as the three-character categories they cover (",C50,C81,C82,…,"), which matching
    # searches in the database.
    conditions_of_focus = models.JSONField(default=list, blank=True)
    focus_categories = models.TextField(blank=True, editable=False)
    accepting_cases = models.BooleanField(default=True)
    capacity = models.PositiveSmallIntegerField(
        default=5, help_text="Open consultations the specialist takes at one time.")
    turnaround_days = models.PositiveSmallIntegerField(
        default=7, help_text="Business days they usually take to write an opinion.")
    practising_since = models.PositiveSmallIntegerField(null=True, blank=True)  # a year
    medical_school = models.CharField(max_length=200, blank=True)
    graduation_year = models.PositiveSmallIntegerField(null=True, blank=True)
    group_practice = models.CharField(max_length=200, blank=True)
    # Germany (§27b SGB V): the specialist title, and approval by the regional association of
    # statutory health insurance physicians (Kassenärztliche Vereinigung).
    de_specialist_title = models.CharField("German specialist title (Facharzt)",
                                           max_length=120, blank=True)
    de_approved_by = models.CharField("approved as second-opinion doctor by", max_length=120,
                                      blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.first_name, self.last_name, self.name)
        self.focus_categories = focus_categories(self.conditions_of_focus)
        super().save(*args, **kwargs)
        self.taxonomies.exclude(name_key=self.name_key).update(name_key=self.name_key)

    @property
    def years_in_practice(self) -> int | None:
        since = self.practising_since or self.graduation_year
        return date.today().year - since if since else None

    @property
    def de_qualified(self) -> bool:
        """Meets §27b: a specialist title, five years of practice, and approval."""
        years = self.years_in_practice
        return bool(self.de_specialist_title and self.de_approved_by and years and years >= 5)


class SpecialistTaxonomy(models.Model):
    """One specialty of a specialist (NUCC), as NPPES lists up to fifteen.

    The specialist's name key is repeated here (Specialist.save keeps it), so that a search
    by specialty reads its page in name order straight from the (code, name_key) index, as
    deep into a specialty of 100,000 as it needs and no further."""

    specialist = models.ForeignKey(Specialist, on_delete=models.CASCADE,
                                   related_name="taxonomies")
    code = models.CharField(max_length=10)
    primary = models.BooleanField(default=False)
    license_number = models.CharField(max_length=20, blank=True)
    license_state = models.CharField(max_length=2, blank=True)
    name_key = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["specialist", "code"],
                                               name="one_taxonomy_each")]
        indexes = [models.Index(fields=["code", "name_key", "specialist"],
                                name="taxonomy_code_name")]

    def save(self, *args, **kwargs):
        if not self.name_key:
            self.name_key = self.specialist.name_key
        super().save(*args, **kwargs)


class BoardCertification(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Certified"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    specialist = models.ForeignKey(Specialist, on_delete=models.CASCADE,
                                   related_name="certifications")
    board = models.CharField(max_length=120)  # "American Board of Internal Medicine"
    specialty = models.CharField(max_length=120)  # "Medical Oncology"
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    expires = models.DateField(null=True, blank=True)

    def is_current(self, on: date) -> bool:
        return self.status == self.Status.ACTIVE and (self.expires is None
                                                      or self.expires >= on)


class PracticeLocation(models.Model):
    """Where a specialist sees patients. The grid cell, latitude, longitude and specialist
    are indexed together, so a search near a place reads the cells of its bounding box from
    the index alone (the specialist's id included), never the whole table."""

    class Source(models.TextChoices):
        PROGRAM = "program", "Entered by the program"
        NPPES = "nppes", "NPPES"
        CMS = "cms", "CMS Doctors and Clinicians"

    # Indexed with the coordinates below (a search within one specialty reads its
    # specialists' places from that index alone).
    specialist = models.ForeignKey(Specialist, on_delete=models.CASCADE,
                                   related_name="locations", db_index=False)
    # Each import replaces only its own rows; locations entered by people stay.
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PROGRAM)
    address = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    postal_code = models.CharField(max_length=10, blank=True)
    country = models.CharField(max_length=2, default="US")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    cell = models.IntegerField(null=True, blank=True, editable=False)  # geo.cell_of

    class Meta:
        indexes = [models.Index(fields=["cell", "latitude", "longitude", "specialist"],
                                name="location_cell"),
                   models.Index(fields=["specialist", "latitude", "longitude"],
                                name="location_specialist")]

    def save(self, *args, **kwargs):
        self.cell = geo.cell_of(self.latitude, self.longitude)
        super().save(*args, **kwargs)


class MatchRow(models.Model):
    """One specialist under one of their specialties, with every fact the hard rules and the
    score of matching read, side by side in one narrow row.

    Derived, never edited: consilium.directory.matchrows rebuilds a specialist's rows whenever
    the specialist, a specialty, a certification, an institution or a practice changes, and
    rewrites the whole table in specialty order after an import. Matching a case then reads
    the rows of its few specialties, which lie together on disk, instead of joining five
    tables for each of 10,000–20,000 candidates."""

    # No foreign key in the database: checking 1.3 million of them took 9 s of a rebuild's
    # commit on PostgreSQL, for rows written from the specialists themselves. Deleting a
    # specialist still deletes their rows (Django's cascade, and the signals of matchrows).
    specialist = models.ForeignKey(Specialist, on_delete=models.CASCADE, related_name="+",
                                   db_constraint=False)
    code = models.CharField(max_length=10)  # NUCC
    # All the specialist's codes, "|code|code|": a case with several fitting specialties
    # reads each specialist once, on the row of the first of them they have.
    codes = models.TextField()
    # A fingerprint of the specialist's other codes (matchrows.code_bit): 0 for someone with
    # one specialty. Where it shares no bit with the case's earlier codes, the row is the
    # specialist's first fitting one without reading ``codes``; only the rest are checked.
    other_code_bits = models.BigIntegerField()
    name_key = models.CharField(max_length=200)  # ties in the ranking go by name
    # The last day of the longest current certification (date.max: without expiry); null
    # when there is none.
    certified_until = models.DateField(null=True)
    accepting = models.BooleanField()
    capacity = models.PositiveSmallIntegerField()
    telemedicine = models.BooleanField()
    turnaround_days = models.PositiveSmallIntegerField()
    centre = models.FloatField()  # 0.5 academic + 0.5 specialty centre
    # "|key|key|": the keys (systems.key) of the hospital system, institution and group
    # practice the specialist names, and of every institution they belong to with its
    # system's names and aliases.
    systems = models.TextField()
    languages = models.TextField()  # "|en|es|"
    networks = models.TextField()  # "|network|network|"
    focus = models.TextField()  # Specialist.focus_categories
    places = models.PositiveSmallIntegerField()  # practices with coordinates
    latitude = models.FloatField(null=True)  # of the practice, when there is exactly one
    longitude = models.FloatField(null=True)
    # Germany (§27b SGB V): a specialist title and approval, and the year practice began.
    de_approved = models.BooleanField()
    practising_since = models.PositiveSmallIntegerField(null=True)

    class Meta:
        # Matching reads a specialty's rows in parts through this index: those with video
        # visits, and those without by their place, so that the many too far away are
        # only counted, never checked (matchsql). On PostgreSQL it also carries the codes,
        # so that counting them never reads the table (SQLite, which cannot, reads the
        # table in the index's order after a rebuild; settings silence models.W040).
        indexes = [models.Index(fields=["code", "telemedicine", "latitude", "longitude",
                                        "other_code_bits"], include=["codes"],
                                name="matchrow_candidates")]


class DirectorySize(models.Model):
    """How many specialists the directory holds, in one row: matching says "N in the
    directory" on every call, and counting a million rows costs ~60 ms on PostgreSQL.

    Derived like MatchRow: a specialist saved or deleted one at a time moves it by one, an
    import or a rebuild of the matching rows counts again (matchrows.directory_size)."""

    specialists = models.PositiveIntegerField()

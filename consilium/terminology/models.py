from django.db import models


class Icd10Kind(models.TextChoices):
    CHAPTER = "chapter", "Chapter"
    BLOCK = "block", "Block"
    CATEGORY = "category", "Category"
    SUBCATEGORY = "subcategory", "Subcategory"


class Icd10Code(models.Model):
    """One item of ICD-10-CM (April 2026): chapter, block, category or (sub)category code.

    Loaded once by ``manage.py load_icd10cm``; searched through a full-text index
    (SQLite FTS5 or PostgreSQL tsvector, see ``search.py``).
    """

    code = models.CharField(max_length=10, unique=True)
    description = models.CharField(max_length=400)
    kind = models.CharField(max_length=12, choices=Icd10Kind.choices)
    chapter = models.CharField(max_length=2, db_index=True)
    block = models.CharField(max_length=10, blank=True)
    parent = models.CharField(max_length=10, blank=True)
    is_leaf = models.BooleanField(help_text="A billable code with no children.")
    terms = models.TextField(
        blank=True, default="",
        help_text="Its inclusion terms and 'includes' notes, searched with the description.")

    class Meta:
        ordering = ["code"]
        # Reference data: the migrations create the table, load_icd10cm fills it, and
        # nothing else writes it. Unmanaged, so test-database flushes leave it loaded.
        managed = False

    def __str__(self):
        return f"{self.code} {self.description}"


class NuccTaxonomy(models.Model):
    """One NUCC Health Care Provider Taxonomy code (v25.1), e.g. 207RX0202X Medical Oncology.

    Reference data loaded by a migration from ``data/nucc_taxonomy_251.csv``.
    """

    code = models.CharField(max_length=10, primary_key=True)
    grouping = models.CharField(max_length=200)
    classification = models.CharField(max_length=200)
    specialization = models.CharField(max_length=200, blank=True)
    display_name = models.CharField(max_length=300)
    section = models.CharField(max_length=40, blank=True)
    definition = models.TextField(blank=True)

    class Meta:
        ordering = ["display_name"]
        managed = False  # reference data, as for Icd10Code

    def __str__(self):
        return f"{self.code} {self.display_name}"

    @property
    def name(self) -> str:
        """The specialty as people say it: "Medical Oncology", "Orthopaedic Surgery"."""
        return self.specialization or self.classification

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

    class Meta:
        ordering = ["code"]
        # Reference data: the migrations create the table, load_icd10cm fills it, and
        # nothing else writes it. Unmanaged, so test-database flushes leave it loaded.
        managed = False

    def __str__(self):
        return f"{self.code} {self.description}"

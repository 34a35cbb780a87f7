"""Reading ICD-10-CM from simple-icd-10-cm into the database (once; never per request)."""

from django.db import connection, transaction

from .models import Icd10Code, Icd10Kind


def read_icd10cm() -> list[dict]:
    """Every chapter, block and code of the April 2026 set, as rows for Icd10Code.

    Importing simple_icd_10_cm costs ~4 s and ~190 MB, so it happens only here.
    """
    import simple_icd_10_cm as cm

    rows: dict[str, dict] = {}
    for code in cm.get_all_codes(with_dots=True):
        if code in rows:
            continue  # a block holding a single category shares its name; keep the category
        ancestors = cm.get_ancestors(code)
        if cm.is_chapter(code):
            kind, chapter = Icd10Kind.CHAPTER, code
        else:
            chapter = ancestors[-1]
            if cm.is_category(code):
                kind = Icd10Kind.CATEGORY
            elif cm.is_block(code):
                kind = Icd10Kind.BLOCK
            else:
                kind = Icd10Kind.SUBCATEGORY
        block = next((a for a in [code, *ancestors] if cm.is_block(a)), "")
        rows[code] = {
            "code": code,
            "description": cm.get_description(code),
            "kind": kind,
            "chapter": chapter,
            "block": block if kind != Icd10Kind.CHAPTER else "",
            "parent": ancestors[0] if ancestors and ancestors[0] != code else
            (ancestors[1] if len(ancestors) > 1 else ""),
            "is_leaf": kind in (Icd10Kind.CATEGORY, Icd10Kind.SUBCATEGORY) and cm.is_leaf(code),
            # Other names the tabular list gives the code ("Hay fever" under J30.1), so the
            # search finds them too.
            "terms": "; ".join(dict.fromkeys(
                cm.get_inclusion_term(code) + cm.get_includes(code))),
        }
    return list(rows.values())


def store_icd10cm(rows: list[dict]) -> int:
    """Replace the table's contents with ``rows`` and rebuild the full-text index."""
    with transaction.atomic():
        Icd10Code.objects.all().delete()
        Icd10Code.objects.bulk_create((Icd10Code(**row) for row in rows), batch_size=5000)
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(
                    "INSERT INTO terminology_icd10_fts(terminology_icd10_fts) VALUES('rebuild')"
                )
            # Fresh statistics, so the planner uses the full-text index from the first query.
            cursor.execute("ANALYZE terminology_icd10code")
    return len(rows)

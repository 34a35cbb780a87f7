"""PostgreSQL: keep each description's tsvector in a stored column, so ranking needs no
re-parsing of every matching row (p95 search latency, see docs/benchmarks.md)."""

from django.db import migrations

FORWARD = [
    "ALTER TABLE terminology_icd10code ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', description)) STORED",
    "DROP INDEX IF EXISTS terminology_icd10_fts",
    "CREATE INDEX terminology_icd10_search_vector ON terminology_icd10code "
    "USING GIN (search_vector)",
]
REVERSE = [
    "DROP INDEX IF EXISTS terminology_icd10_search_vector",
    "ALTER TABLE terminology_icd10code DROP COLUMN IF EXISTS search_vector",
    "CREATE INDEX terminology_icd10_fts ON terminology_icd10code "
    "USING GIN (to_tsvector('english', description))",
]


def _on_postgres(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("terminology", "0003_reference_data_unmanaged")]
    operations = [migrations.RunPython(_on_postgres(FORWARD), _on_postgres(REVERSE))]

"""The full-text index behind ICD-10-CM search: FTS5 on SQLite, a GIN tsvector on PostgreSQL."""

from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE terminology_icd10_fts USING fts5(description, "
    "content='terminology_icd10code', content_rowid='id', tokenize='porter unicode61')",
]
SQLITE_REVERSE = ["DROP TABLE IF EXISTS terminology_icd10_fts"]
POSTGRES = [
    "CREATE INDEX terminology_icd10_fts ON terminology_icd10code "
    "USING GIN (to_tsvector('english', description))",
    "CREATE INDEX terminology_icd10_code_prefix ON terminology_icd10code "
    "(code varchar_pattern_ops)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS terminology_icd10_fts",
    "DROP INDEX IF EXISTS terminology_icd10_code_prefix",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("terminology", "0001_initial")]
    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]

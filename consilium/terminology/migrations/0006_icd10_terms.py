"""Inclusion terms beside each description, searched with it: a second FTS5 column on SQLite,
a lower-weighted part of the stored tsvector on PostgreSQL. `load_icd10cm --force` fills them."""

from django.db import migrations, models

SQLITE = [
    "ALTER TABLE terminology_icd10code ADD COLUMN terms text NOT NULL DEFAULT ''",
    "DROP TABLE IF EXISTS terminology_icd10_fts",
    "CREATE VIRTUAL TABLE terminology_icd10_fts USING fts5(description, terms, "
    "content='terminology_icd10code', content_rowid='id', tokenize='porter unicode61')",
    "INSERT INTO terminology_icd10_fts(terminology_icd10_fts) VALUES('rebuild')",
]
SQLITE_REVERSE = [
    "DROP TABLE IF EXISTS terminology_icd10_fts",
    "ALTER TABLE terminology_icd10code DROP COLUMN terms",
    "CREATE VIRTUAL TABLE terminology_icd10_fts USING fts5(description, "
    "content='terminology_icd10code', content_rowid='id', tokenize='porter unicode61')",
    "INSERT INTO terminology_icd10_fts(terminology_icd10_fts) VALUES('rebuild')",
]
POSTGRES = [
    "ALTER TABLE terminology_icd10code ADD COLUMN terms text NOT NULL DEFAULT ''",
    "ALTER TABLE terminology_icd10code DROP COLUMN search_vector",
    "ALTER TABLE terminology_icd10code ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', description), 'A') || "
    "setweight(to_tsvector('english', terms), 'B')) STORED",
    "CREATE INDEX terminology_icd10_search_vector ON terminology_icd10code "
    "USING GIN (search_vector)",
]
POSTGRES_REVERSE = [
    "ALTER TABLE terminology_icd10code DROP COLUMN search_vector",
    "ALTER TABLE terminology_icd10code DROP COLUMN terms",
    "ALTER TABLE terminology_icd10code ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', description)) STORED",
    "CREATE INDEX terminology_icd10_search_vector ON terminology_icd10code "
    "USING GIN (search_vector)",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("terminology", "0005_nucc_taxonomy")]
    operations = [
        # The table is unmanaged: AddField records the column in the state only.
        migrations.AddField(
            model_name="icd10code", name="terms",
            field=models.TextField(
                blank=True, default="",
                help_text="Its inclusion terms and 'includes' notes, searched with the "
                "description."),
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        ),
    ]

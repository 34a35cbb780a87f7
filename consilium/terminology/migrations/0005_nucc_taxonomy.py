import csv
from pathlib import Path

from django.db import migrations, models

DATA = Path(__file__).resolve().parent.parent / "data" / "nucc_taxonomy_251.csv"


def load(apps, schema_editor):
    NuccTaxonomy = apps.get_model("terminology", "NuccTaxonomy")
    with DATA.open(encoding="utf-8", newline="") as handle:
        NuccTaxonomy.objects.bulk_create(
            NuccTaxonomy(
                code=row["Code"].strip(),
                grouping=row["Grouping"].strip(),
                classification=row["Classification"].strip(),
                specialization=row["Specialization"].strip(),
                display_name=row["Display Name"].strip(),
                section=row["Section"].strip(),
                definition=row["Definition"].strip(),
            )
            for row in csv.DictReader(handle)
        )


class Migration(migrations.Migration):
    dependencies = [("terminology", "0004_postgres_search_vector")]
    operations = [
        migrations.CreateModel(
            name="NuccTaxonomy",
            fields=[
                ("code", models.CharField(max_length=10, primary_key=True, serialize=False)),
                ("grouping", models.CharField(max_length=200)),
                ("classification", models.CharField(max_length=200)),
                ("specialization", models.CharField(blank=True, max_length=200)),
                ("display_name", models.CharField(max_length=300)),
                ("section", models.CharField(blank=True, max_length=40)),
                ("definition", models.TextField(blank=True)),
            ],
            options={"ordering": ["display_name"]},
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="nucctaxonomy", options={"ordering": ["display_name"], "managed": False}
        ),
    ]

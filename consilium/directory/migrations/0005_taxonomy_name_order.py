from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_name_keys(apps, schema_editor):
    """Each specialty row gets its specialist's name key (kept since by Specialist.save)."""
    Specialist = apps.get_model("directory", "Specialist")
    SpecialistTaxonomy = apps.get_model("directory", "SpecialistTaxonomy")
    SpecialistTaxonomy.objects.update(name_key=Subquery(
        Specialist.objects.filter(id=OuterRef("specialist_id")).values("name_key")[:1]))


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0004_focus_categories'),
    ]

    operations = [
        migrations.AddField(
            model_name='specialisttaxonomy',
            name='name_key',
            field=models.CharField(blank=True, editable=False, max_length=200),
        ),
        migrations.RunPython(copy_name_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='specialisttaxonomy',
            name='code',
            field=models.CharField(max_length=10),
        ),
        migrations.AddIndex(
            model_name='specialisttaxonomy',
            index=models.Index(fields=['code', 'name_key', 'specialist'], name='taxonomy_code_name'),
        ),
    ]

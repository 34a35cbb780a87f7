from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Floor

CELL_DEGREES, COLUMNS = 0.25, 10_000  # as in directory.geo at the time


def fill_cells(apps, schema_editor):
    """geo.cell_of for every practice with coordinates, in one UPDATE."""
    PracticeLocation = apps.get_model("directory", "PracticeLocation")
    PracticeLocation.objects.filter(latitude__isnull=False, longitude__isnull=False).update(
        cell=Floor((F("latitude") + 90) / CELL_DEGREES) * COLUMNS
        + Floor((F("longitude") + 180) / CELL_DEGREES))


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0005_taxonomy_name_order'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='practicelocation',
            name='location_lat_lon',
        ),
        migrations.AddField(
            model_name='practicelocation',
            name='cell',
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill_cells, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='practicelocation',
            index=models.Index(fields=['cell', 'latitude', 'longitude', 'specialist'], name='location_cell'),
        ),
    ]

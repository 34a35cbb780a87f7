from django.db import migrations, models


def fill(apps, schema_editor):
    """Left to 0013, the latest migration that changes what the rows hold: the rebuild
    reads hospital systems and writes their names, which this migration has not yet."""


class Migration(migrations.Migration):
    """MatchRow.other_code_bits and the index matching reads its parts through; the rows
    are written again (this is now the migration that fills the table, see matchrows)."""

    dependencies = [
        ('directory', '0009_directory_size'),
    ]

    operations = [
        migrations.AddField(
            model_name='matchrow',
            name='other_code_bits',
            field=models.BigIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.RemoveIndex(
            model_name='matchrow',
            name='matchrow_code',
        ),
        migrations.AddIndex(
            model_name='matchrow',
            index=models.Index(fields=['code', 'telemedicine', 'latitude', 'longitude', 'other_code_bits'], include=['codes'], name='matchrow_candidates'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]

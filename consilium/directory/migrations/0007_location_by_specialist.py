import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0006_location_grid'),
    ]

    operations = [
        migrations.AlterField(
            model_name='practicelocation',
            name='specialist',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='locations', to='directory.specialist'),
        ),
        migrations.AddIndex(
            model_name='practicelocation',
            index=models.Index(fields=['specialist', 'latitude', 'longitude'], name='location_specialist'),
        ),
    ]

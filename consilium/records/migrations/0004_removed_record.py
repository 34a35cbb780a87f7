# Written for records.models.RemovedRecord (as makemigrations would).

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0001_initial'),
        ('records', '0003_encrypted_text'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='RemovedRecord',
            fields=[
                ('id', models.UUIDField(editable=False, primary_key=True, serialize=False)),
                ('name', models.CharField(blank=True, max_length=255)),
                ('record_type', models.CharField(choices=[('pathology_report', 'Pathology report'), ('imaging_study', 'Imaging study'), ('imaging_report', 'Imaging report'), ('lab_results', 'Lab results'), ('medication_list', 'Medication list'), ('clinical_note', 'Clinical note'), ('discharge_summary', 'Discharge summary'), ('referral_letter', 'Referral letter'), ('health_record', 'Health record (FHIR)'), ('other', 'Other')], max_length=20)),
                ('uploaded_at', models.DateTimeField()),
                ('removed_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='removed_records', to='cases.case')),
                ('removed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['uploaded_at'],
            },
        ),
    ]

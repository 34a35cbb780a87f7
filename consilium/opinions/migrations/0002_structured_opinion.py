
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('opinions', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='answer',
            name='deferred',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='opinion',
            name='confidence',
            field=models.CharField(blank=True, choices=[('high', 'High'), ('moderate', 'Moderate'), ('low', 'Low')], max_length=10),
        ),
        migrations.AddField(
            model_name='opinion',
            name='content_sha256',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='opinion',
            name='follow_up',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='opinion',
            name='plain_summary',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='opinion',
            name='signed_content',
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='opinion',
            name='trials',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='opinion',
            name='version',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.CreateModel(
            name='FollowUpQuestion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text', models.TextField()),
                ('asked_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('asked_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('opinion', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='follow_up_questions', to='opinions.opinion')),
            ],
            options={
                'ordering': ['asked_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='Addendum',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveSmallIntegerField()),
                ('body', models.TextField()),
                ('signed_at', models.DateTimeField()),
                ('content_sha256', models.CharField(max_length=64)),
                ('opinion', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='addenda', to='opinions.opinion')),
                ('signed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('answers', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='answer', to='opinions.followupquestion')),
            ],
            options={
                'ordering': ['number'],
                'constraints': [models.UniqueConstraint(fields=('opinion', 'number'), name='addendum_number')],
            },
        ),
        migrations.CreateModel(
            name='Option',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField()),
                ('title', models.CharField(max_length=200)),
                ('recommended', models.BooleanField(default=False)),
                ('benefits', models.TextField(blank=True)),
                ('harms', models.TextField(blank=True)),
                ('living_with', models.TextField(blank=True)),
                ('opinion', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='options', to='opinions.opinion')),
            ],
            options={
                'ordering': ['position'],
                'constraints': [models.UniqueConstraint(fields=('opinion', 'position'), name='option_position')],
            },
        ),
    ]

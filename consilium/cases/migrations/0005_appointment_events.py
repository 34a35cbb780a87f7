
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0004_opinion_events'),
    ]

    operations = [
        migrations.AlterField(
            model_name='event',
            name='kind',
            field=models.CharField(choices=[('created', 'Case created'), ('edited', 'First opinion edited'), ('status', 'Status changed'), ('invited', 'Invitation sent'), ('shared', 'Shared'), ('unshared', 'Sharing ended'), ('offered', 'Offered to a specialist'), ('accepted', 'Specialist accepted'), ('declined', 'Specialist declined'), ('expired', 'Offer expired unanswered'), ('reminded', 'Specialist reminded of the due date'), ('overdue', 'Opinion overdue; coordinators told'), ('waiting', 'Specialist waiting on the patient'), ('resumed', 'Patient answered; the clock runs again'), ('opinion_signed', 'Opinion signed'), ('follow_up_asked', 'Follow-up question asked'), ('addendum', 'Addendum signed'), ('appointment', 'Appointment made'), ('rescheduled', 'Appointment moved'), ('appt_cancelled', 'Appointment cancelled'), ('decided', 'Decision recorded')], max_length=20),
        ),
    ]

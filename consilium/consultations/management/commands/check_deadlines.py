from django.core.management.base import BaseCommand

from consilium.consultations.deadlines import check_deadlines


class Command(BaseCommand):
    help = ("Expire unanswered offers, remind specialists before an opinion is due and "
            "escalate overdue opinions. Run it every hour (cron or a systemd timer).")

    def handle(self, *args, **options):
        checked = check_deadlines()
        self.stdout.write(f"{checked.expired} offers expired, {checked.reminded} reminders, "
                          f"{checked.escalated} escalations.")

from django.core.management.base import BaseCommand

from consilium.audit.trail import seal
from consilium.consultations.deadlines import check_deadlines
from consilium.followup.reminders import send_reminders
from consilium.operations.planner import refresh_statistics
from consilium.records.overdue import notify_overdue_requests
from consilium.submissions.cleanup import forget_old_submissions


class Command(BaseCommand):
    help = ("Expire unanswered offers, remind specialists before an opinion is due and "
            "escalate overdue opinions, remind follow-up tasks and ask the outcome questions, "
            "tell coordinators of overdue requests for records; "
            "forget the one-time request keys older than a week; seal audit rows a process "
            "that stopped left unchained; refresh the query planner's statistics. "
            "Run it every hour (cron or a systemd timer).")

    def handle(self, *args, **options):
        checked = check_deadlines()
        self.stdout.write(f"{checked.expired} offers expired, {checked.reminded} reminders, "
                          f"{checked.escalated} escalations.")
        sent = send_reminders()
        self.stdout.write(f"{sent.tasks} follow-up reminders, {sent.outcome_questions} "
                          "outcome questions.")
        self.stdout.write(f"{notify_overdue_requests()} overdue requests for records "
                          "notified.")
        self.stdout.write(f"{forget_old_submissions()} old request keys forgotten.")
        self.stdout.write(f"{seal(wait=True)} audit rows sealed.")
        refresh_statistics()
        self.stdout.write("Query planner statistics refreshed.")

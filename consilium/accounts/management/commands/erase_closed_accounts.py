from django.conf import settings
from django.core.management.base import BaseCommand

from consilium.mydata.actions import do_erase_closed_account, due_for_erasure


class Command(BaseCommand):
    help = ("Erase the cases of accounts closed more than CONSILIUM_RETENTION_DAYS ago (and "
            "their names and addresses); the audit trail keeps that it happened. Run daily.")

    def handle(self, *args, **options):
        accounts = cases = 0
        for user in due_for_erasure():
            cases += do_erase_closed_account(user, acting_user=None)
            accounts += 1
        self.stdout.write(f"Erased {accounts} closed account(s) and {cases} case(s) kept "
                          f"longer than {settings.RETENTION_DAYS} days.")

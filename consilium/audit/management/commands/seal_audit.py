from django.core.management.base import BaseCommand

from consilium.audit.trail import seal


class Command(BaseCommand):
    help = ("Seal the audit rows not yet chained (each request seals its own after commit; "
            "this takes what a process that stopped first left). check_deadlines runs it too.")

    def handle(self, *args, **options):
        self.stdout.write(f"{seal(wait=True)} audit rows sealed.")

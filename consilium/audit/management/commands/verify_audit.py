from django.core.management.base import BaseCommand, CommandError

from consilium.audit.trail import verify


class Command(BaseCommand):
    help = "Check the audit trail's hash chain; exit non-zero at the first altered or missing row."

    def handle(self, *args, **options):
        checked, broken, problem = verify()
        if problem:
            where = f"row {broken.pk}" if broken else "the end of the trail"
            raise CommandError(f"Audit trail broken at {where}: {problem} ({checked} rows intact)")
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {checked} rows."))

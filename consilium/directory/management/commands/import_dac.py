from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from consilium.directory.importing import NotThisFile, import_dac

LARGE = 10_000  # rows imported


class Command(BaseCommand):
    help = ("Import the CMS Doctors and Clinicians national downloadable file: medical school, "
            "graduation year, group practice and hospital affiliations, linked by NPI.")

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            with open(path, newline="", encoding="utf-8", errors="replace") as source:
                report = import_dac(source)
        except (OSError, NotThisFile) as problem:
            raise CommandError(str(problem)) from None
        self.stdout.write(report.summary())
        if report.created + report.updated >= LARGE:
            # Each batch kept its own rows current; after this many, lay the rows of each
            # specialty together again for matching.
            call_command("rebuild_match_rows", stdout=self.stdout)

from django.core.management.base import BaseCommand, CommandError

from consilium.directory.importing import NotThisFile, import_dac


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
